"""Which metric CRS kernel density computes in when the points are in degrees."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = ["projected_crs_for"]

_UTM_MAX_SPAN_DEG = 12.0  # wider than two UTM zones: use an equal-area conic instead


def projected_crs_for(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> CRS:
    """A metric CRS for data spanning this lon/lat box.

    The UTM zone of the box's centre (WGS 84, EPSG:326xx north / 327xx south) when the
    box is at most 12 degrees wide and 12 degrees tall; otherwise an Albers equal-area
    conic on the WGS 84 ellipsoid centred on the box, with standard parallels at one
    sixth and five sixths of its latitude range (for China-wide data about 25 and 47 N,
    close to the usual China Albers).

    Parameters
    ----------
    lon_min, lat_min, lon_max, lat_max : float
        The data's bounding box in degrees (WGS 84).

    Returns
    -------
    pyproj.CRS
        EPSG:326xx/327xx (UTM north/south) or :func:`geoproc.density.albers_crs`.
    """
    from pyproj import CRS

    lon_c = (lon_min + lon_max) / 2
    lat_c = (lat_min + lat_max) / 2
    if lon_max - lon_min <= _UTM_MAX_SPAN_DEG and lat_max - lat_min <= _UTM_MAX_SPAN_DEG:
        zone = int(math.floor((lon_c + 180) / 6)) % 60 + 1
        return CRS.from_epsg((32600 if lat_c >= 0 else 32700) + zone)
    from geoproc.density import albers_crs

    return albers_crs(lon_min, lat_min, lon_max, lat_max)
