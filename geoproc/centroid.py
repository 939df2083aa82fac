"""Region centroids in lon/lat: area centroids from an equal-area frame, or representative points.

Why an equal-area frame: the area centroid is the mean position of the region's
*area*. In plain lon/lat degrees a square degree in Heilongjiang is much smaller
than one in Hainan, so ``GeoSeries.centroid`` on EPSG:4326 pulls northern centroids
north. In an equal-area projection every square metre weighs the same.

Which equal-area frame: a Lambert azimuthal equal-area (LAEA) projection on the
WGS84 ellipsoid centred on *the region's own centroid*. Area is exact everywhere in
LAEA, but shapes shear with distance from the centre, and the planar centroid moves
with the choice of centre: for Inner Mongolia a frame on its bounding-box centre
puts the centroid 833 m from one on the centroid itself, and one frame for all of
China 6 km. So the centroid is taken as the fixed point: start from the bounding-box
centre, re-centre the frame on the centroid found, and repeat until it moves less
than 0.5 m (each pass shrinks the move ~200-fold: two passes for a city, four for
Inner Mongolia; the answer is then within a few mm of the fixed point).

This makes the centroid a property of the region alone: it does not change when
other regions are added to or removed from the layer, nor with the input's CRS (the
geometry is first brought to EPSG:4326; only the vertex-only reprojection every GIS
performs remains). Regions that straddle the 180° meridian are centred across it,
not on the far side of the Earth.

Archipelagic regions: the area centroid of a multi-part region weighs every island and
reef by its area, so scattered outlying parts can pull it far from where the region's
people and economy are. The shipped ``china_provinces`` layer draws Hainan with Sansha's
reefs and atolls (6,325 km² of polygons in the South China Sea), which puts Hainan's
area centroid at sea, 162 km from Hainan Island's centroid (67 km off its south coast).
``how="largest"`` takes the
area centroid of the largest part only (by area on the ellipsoid), which for Hainan is
Hainan Island's centroid, and for a single-part region is exactly the area centroid.
It is the principled choice when the outlying parts are small, sparsely populated and
far away (Hainan, Zhoushan if taken as a city, island counties); ``"area"`` stays the
default (METHODS §1) and is right when the parts are comparable in size.

Provincial capitals: ``how="capital"`` puts each province at its capital (the four
municipalities at themselves), from ``data/boundaries/china_provincial_capitals.csv``
(GeoNames' populated-place points in WGS84, built by ``scripts/build_capitals.py``),
matched on the 6-digit province code. Many Chinese regional-science papers measure
distance weights between capitals rather than area centroids.

The warning for centroids outside their region is given once per process for the same
regions, and not at all for the shipped layers' regions whose area centroid is a
documented choice (Hainan and Gansu in ``china_provinces``, Wuxi and Zhoushan in
``yrd_cities``; see ``data/boundaries/README.md``): the shipped demo and quick start
then run without it, while a user's own layer still gets it.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.validation import (
    check_geometries,
    check_layer_coordinates,
    region_ids,
    require_crs,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["centroids", "CentroidOutsideWarning", "provincial_capitals"]

HOW = ("area", "representative", "largest", "capital")

# shipped regions whose area centroid lies outside them, documented in
# data/boundaries/README.md: the warning would only repeat what the README says
_DOCUMENTED_OUTSIDE = {"china_provinces": (460000, 620000), "yrd_cities": (320200, 330900),
                       "china_cities": (320200, 330900, 460300, 510500, 654200, 659009)}
_WARNED: set[tuple] = set()  # (ids, rounded centroids) already warned about in this process

_POLYGONAL = ("Polygon", "MultiPolygon")
# re-centre the equal-area frame until the centroid is this close to its centre (m)
_FIXED_POINT_M = 0.5
_MAX_PASSES = 10


class CentroidOutsideWarning(UserWarning):
    """An area centroid lies outside its region (crescent coasts, archipelagos)."""


def _caller_stacklevel() -> int:
    """stacklevel that points a warning at the first caller outside geoproc."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("geoproc."):
        frame, level = frame.f_back, level + 1
    return level


def _laea(lon0: float, lat0: float):
    """A lon/lat (degrees) <-> LAEA (metres) transformer centred on (lon0, lat0)."""
    from pyproj import Transformer

    # from_pipeline is ~0.1 ms, two orders faster than building a CRS per region
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=laea +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84"
    )


def _centre(bounds: np.ndarray, coords: np.ndarray) -> tuple[float, float]:
    """Bounding-box centre in lon/lat; across the 180° meridian when the region straddles it."""
    minx, miny, maxx, maxy = bounds
    lon0 = 0.5 * (minx + maxx)
    if maxx - minx > 180.0:
        # parts at both -180 and +180: take the box of longitudes shifted into [0, 360)
        lon = np.where(coords[:, 0] < 0, coords[:, 0] + 360.0, coords[:, 0])
        lon0 = 0.5 * (lon.min() + lon.max())
        if lon0 > 180.0:
            lon0 -= 360.0
    return float(lon0), float(0.5 * (miny + maxy))


def _project(geom, lon0: float, lat0: float):
    """``geom`` (lon/lat) in the LAEA frame centred on (lon0, lat0), and the transformer.

    Not repaired: projecting can make rings touch themselves at rounding level, which
    does not change a centroid (signed ring areas and moments), while make_valid on
    province outlines costs ~0.1 s each.
    """
    import shapely

    tr = _laea(lon0, lat0)

    def forward(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, forward), tr


def _area_centroid(geom) -> tuple[float, float]:
    """(lon, lat) of the area centroid of one polygonal region given in lon/lat degrees."""
    import shapely

    lon0, lat0 = _centre(np.asarray(geom.bounds), shapely.get_coordinates(geom))
    for _ in range(_MAX_PASSES):
        projected, tr = _project(geom, lon0, lat0)
        point = projected.centroid
        lon, lat = (float(v) for v in tr.transform(point.x, point.y, direction="INVERSE"))
        if np.hypot(point.x, point.y) < _FIXED_POINT_M:
            break  # the frame's centre is the centroid (to 0.5 m): a fixed point
        lon0, lat0 = lon, lat
    if abs(lon) > 180.0:
        lon = (lon + 180.0) % 360.0 - 180.0
    return lon, lat


def _largest_part(geom):
    """The part of a (multi)polygon with the largest area on the ellipsoid.

    Areas are compared in one LAEA frame on the region's bounding-box centre: LAEA is
    equal-area everywhere, so the frame's centre does not change the ranking.
    """
    import shapely

    parts = shapely.get_parts(geom)
    if len(parts) == 1:
        return geom
    lon0, lat0 = _centre(np.asarray(geom.bounds), shapely.get_coordinates(geom))
    projected, _ = _project(shapely.MultiPolygon(list(parts)), lon0, lat0)
    return parts[int(np.argmax(shapely.area(shapely.get_parts(projected))))]


def provincial_capitals() -> pd.DataFrame:
    """The 31 provincial capitals: ``code``, names, ``lon``, ``lat`` (WGS84), ``geonameid``, ``source``."""
    import pandas as pd

    from geoproc._paths import data_dir

    path = data_dir() / "boundaries" / "china_provincial_capitals.csv"
    return pd.read_csv(path, dtype={"code": "int64"}, encoding="utf-8")


def _capital_points(ids: list) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of the capital of each province id (6-digit code, as int or text)."""
    table = provincial_capitals().set_index("code")
    lon, lat, unknown = np.empty(len(ids)), np.empty(len(ids)), []
    for i, rid in enumerate(ids):
        try:
            row = table.loc[int(str(rid).strip())]
        except (ValueError, KeyError):
            unknown.append(str(rid))
            continue
        lon[i], lat[i] = row["lon"], row["lat"]
    if unknown:
        raise GeoprocInputError(
            f"centroids: how='capital' knows the 31 provincial capitals by 6-digit province "
            f"code (110000 ... 650000); no capital for {', '.join(unknown[:10])}"
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        )
    return lon, lat


def _documented(ids: list, outside: np.ndarray, geoms) -> np.ndarray:
    """Which of the ``outside`` positions are shipped regions documented as such (unchanged)."""
    import shapely

    from geoproc.boundaries import load_boundaries

    keep = np.zeros(outside.size, dtype=bool)
    for layer, codes in _DOCUMENTED_OUTSIDE.items():
        candidates = [k for k, i in enumerate(outside) if _as_code(ids[i]) in codes]
        if not candidates:
            continue
        shipped = load_boundaries(layer).set_index("code").geometry
        for k in candidates:
            ref = shipped.get(_as_code(ids[outside[k]]))
            # the shipped geometry itself (also after an export or a CRS round trip)
            keep[k] = ref is not None and bool(
                shapely.equals_exact(geoms.array[outside[k]], ref, tolerance=1e-6)
            )
    return keep


def _as_code(value) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def centroids(
    regions: gpd.GeoDataFrame | str | os.PathLike,
    how: Literal["area", "representative", "largest", "capital"] = "area",
    id: str | None = None,
) -> gpd.GeoDataFrame:
    """Centroid of each region as a point in lon/lat (EPSG:4326).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame, str or path
        Polygons or multipolygons (points pass through unchanged), in any CRS; a layer
        without a CRS is refused. Also a shipped layer name (``"china_provinces"``) or a
        vector file path, read by :func:`geoproc.boundaries.read_regions`.
    how : {"area", "representative", "largest", "capital"}
        ``"area"``: the area centroid, computed in a Lambert azimuthal equal-area
        projection centred on the centroid itself (see the module notes). It can fall outside
        a crescent-shaped region or in the sea between islands; a
        :class:`CentroidOutsideWarning` names those regions. ``"representative"``: a
        point guaranteed to lie inside the region (shapely's ``representative_point`` of
        the lon/lat geometry). ``"largest"``: the area centroid (as ``"area"``) of the
        region's largest polygon part by area, identical to ``"area"`` for single-part
        regions; the choice for archipelagic regions whose outlying islands or reefs
        would pull the area centroid out to sea (Hainan with Sansha's reefs: ``"area"``
        lies at 110.34°E, 17.84°N, at sea 67 km off the island's south coast;
        ``"largest"`` at 109.75°E, 19.19°N, on the island). ``"capital"``: the
        province's capital (:func:`provincial_capitals`), for layers whose ids are
        6-digit province codes.
    id : str, optional
        Column holding the region ids; default ``code`` if present, else the index.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per region, in input order and with the input's index: ``id``, ``lon``,
        ``lat`` (degrees), ``inside`` (the point lies within or on its region),
        ``method`` (``"area"``, ``"representative"``, ``"largest"`` or ``"point"`` for
        input points) or ``"capital"``,
        and point ``geometry`` in EPSG:4326. ``attrs["method"]`` holds ``how``.

    Raises
    ------
    GeoprocInputError
        No CRS, missing/duplicate ids, empty or invalid geometries, or geometries that
        are neither polygons nor points (naming the regions); an unknown layer name or a
        missing file.
    """
    import geopandas as gpd
    import shapely

    if how not in HOW:
        raise GeoprocInputError(f"centroids: how must be one of {', '.join(HOW)}, not {how!r}")
    if isinstance(regions, str | os.PathLike):
        from geoproc.boundaries import read_regions

        regions = read_regions(regions, id=id)
    if not isinstance(regions, gpd.GeoDataFrame):
        raise GeoprocInputError(
            f"centroids: expected a GeoDataFrame of regions, got {type(regions).__name__}"
        )
    require_crs(regions, "regions")
    ids = region_ids(regions, id)
    check_geometries(regions, ids)
    # before projecting: swapped lon/lat or metres labelled as degrees otherwise end in PROJ
    check_layer_coordinates(regions, "regions", ids)
    geoms = regions.geometry if regions.crs.to_epsg() == 4326 else regions.geometry.to_crs(4326)

    types = geoms.geom_type.to_numpy()
    wrong = [i for i, t in enumerate(types) if t not in _POLYGONAL and t != "Point"]
    if wrong:
        names = ", ".join(f"{ids[i]} ({types[i]})" for i in wrong[:10])
        raise GeoprocInputError(
            f"centroids: regions must be polygons or points; not for {names}"
        )

    n = len(geoms)
    cap_lon, cap_lat = _capital_points(ids) if how == "capital" else (None, None)
    lon = np.empty(n)
    lat = np.empty(n)
    inside = np.ones(n, dtype=bool)
    method = np.empty(n, dtype=object)
    for i, (geom, kind) in enumerate(zip(geoms.array, types, strict=True)):
        if kind == "Point":
            lon[i], lat[i], method[i] = geom.x, geom.y, "point"
        elif how == "capital":
            lon[i], lat[i], method[i] = cap_lon[i], cap_lat[i], how
            inside[i] = geom.covers(shapely.Point(lon[i], lat[i]))
        elif how in ("area", "largest"):
            lon[i], lat[i] = _area_centroid(geom if how == "area" else _largest_part(geom))
            # on the validated input geometry (projected copies may need repair)
            inside[i] = geom.covers(shapely.Point(lon[i], lat[i]))
            method[i] = how
        else:
            # any interior point will do, so no projection: shapely's point on surface
            point = geom.representative_point()
            lon[i], lat[i], inside[i] = point.x, point.y, True
            method[i] = how

    outside = np.flatnonzero(~inside)
    if outside.size and how in ("area", "largest"):  # Gansu's crescent is one part
        outside = outside[~_documented(ids, outside, geoms)]
    key = (how, tuple(map(str, (ids[i] for i in outside))),
           tuple(np.round(lon[outside], 6)), tuple(np.round(lat[outside], 6)))
    if outside.size and key not in _WARNED:
        _WARNED.add(key)
        names = ", ".join(map(str, (ids[i] for i in outside[:20])))
        more = f" and {outside.size - 20} more" if outside.size > 20 else ""
        point = {"capital": "capital", "largest": "largest part's centroid"}.get(how, "area centroid")
        warnings.warn(
            f"the {point} lies outside its region for {names}{more}; "
            + ("are the ids the province codes of this layer? " if how == "capital" else "")
            + "use how='representative' (CLI: --centroid representative) for a point "
            "inside each region, or how='largest' for the centroid of an archipelago's "
            "largest island",
            CentroidOutsideWarning,
            stacklevel=_caller_stacklevel(),
        )

    out = gpd.GeoDataFrame(
        {"id": ids, "lon": lon, "lat": lat, "inside": inside, "method": method},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
        index=regions.index.copy(),
    )
    out.attrs["method"] = how
    return out
