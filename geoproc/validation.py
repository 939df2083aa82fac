"""Checks shared by every entry point: CRS, lon/lat ranges, ids, geometries.

Each raises :class:`~geoproc.errors.GeoprocInputError` naming the offending
region, row or column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "PointLabels",
    "check_geographic_points",
    "check_geometries",
    "check_ids",
    "check_layer_coordinates",
    "check_lonlat",
    "check_point_geometries",
    "check_points_frame",
    "is_dask_frame",
    "lonlat_problems",
    "region_ids",
    "require_crs",
    "standardize",
    "to_lonlat",
]

# columns that name a point (a park, a firm) in messages, tried in order
POINT_NAME_COLUMNS = ("name", "name_zh", "名称", "园区名称")
_SHOWN = 20  # rows listed in a message before "and N more"



def _label(labels: Sequence | None, i: int) -> str:
    return f"row {i}" if labels is None else f"{labels[i]!s} (row {i})"


def require_crs(gdf: gpd.GeoDataFrame, what: str = "layer") -> None:
    """Raise if ``gdf`` has no CRS (naming a sample feature and a guess at the CRS)."""
    if gdf.crs is None:
        if len(gdf) and getattr(gdf, "geometry", None) is not None:
            check_layer_coordinates(gdf, what)  # raises, with a sample feature
        raise GeoprocInputError(
            f"{what} has no coordinate reference system; set one (e.g. gdf.set_crs('EPSG:4326'))"
        )


def _lonlat_out_of_range(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, str]:
    """Positions of finite coordinates outside the lon/lat ranges, and what they look like."""
    with np.errstate(invalid="ignore"):
        far = np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))
    kind = ""
    if far.size:
        if np.all(np.abs(lon[far]) <= 90) and np.all(np.abs(lat[far]) <= 180):
            kind = "swapped"
        elif np.any(np.abs(lon[far]) > 360):
            kind = "metres"
    return far, kind


def check_lonlat(
    lon: np.ndarray, lat: np.ndarray, labels: Sequence | None = None, what: str = "points"
) -> None:
    """Raise on NaN, out-of-range or swapped longitude/latitude, naming the rows."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
    if bad.size:
        rows = ", ".join(_label(labels, i) for i in bad[:10])
        raise GeoprocInputError(f"{what}: missing coordinates at {rows}")
    far, kind = _lonlat_out_of_range(lon, lat)
    if far.size:
        rows = ", ".join(_label(labels, i) for i in far[:10])
        hint = {
            "swapped": " (longitude and latitude look swapped)",
            "metres": " (these look like projected coordinates in metres, not lon/lat degrees)",
        }.get(kind, "")
        raise GeoprocInputError(f"{what}: coordinates out of lon/lat range at {rows}{hint}")


def _listed(items: list[str], total: int) -> str:
    return ", ".join(items) + (f" and {total - len(items)} more" if total > len(items) else "")


def lonlat_problems(
    lon: np.ndarray,
    lat: np.ndarray,
    labels: Sequence[str],
    skip: np.ndarray | None = None,
    metres_hint: str = "read it as a layer with a CRS",
) -> list[str]:
    """Every problem with these longitudes/latitudes, as message parts (empty if none).

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Coordinates in degrees; NaN where a cell is empty.
    labels : sequence of str
        A label per position (e.g. :class:`PointLabels`), used for the rows named.
    skip : numpy.ndarray of bool, optional
        Positions already reported otherwise (e.g. text in a coordinate cell).
    metres_hint : str
        Advice when the values look like projected metres.

    Returns
    -------
    list of str
        "missing coordinates at ..." and "coordinates out of lon/lat range at ..."
        (with a hint when longitude and latitude look swapped or look like metres),
        each listing up to 20 rows.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    missing = ~np.isfinite(lon) | ~np.isfinite(lat)
    if skip is not None:
        missing &= ~skip
    out = []
    pos = np.flatnonzero(missing)
    if pos.size:
        out.append(
            f"missing coordinates at {pos.size} row(s): "
            + _listed([labels[i] for i in pos[:_SHOWN]], pos.size)
        )
    far, kind = _lonlat_out_of_range(lon, lat)
    if far.size:
        rows = _listed([f"{labels[i]} ({lon[i]:g}, {lat[i]:g})" for i in far[:_SHOWN]], far.size)
        hint = {
            "swapped": "; longitude and latitude look swapped",
            "metres": f"; these look like projected metres, not degrees ({metres_hint})",
        }.get(kind, "")
        out.append(f"coordinates out of lon/lat range at {far.size} row(s): {rows}{hint}")
    return out


class PointLabels(Sequence):
    """A label per row of a points frame, for messages: "<name> (line N)" or "row N".

    The name comes from the first of the columns ``name``, ``name_zh``, ``名称``,
    ``园区名称`` present; the place is the file line when the frame came from a
    table read by :func:`geoproc.read_points` (``attrs["first_line"]``, the line of
    index label 0, header = line 1), else the index label. Labels follow the index,
    so they stay right after the rows are filtered or reprojected. Built lazily: a
    million-row table costs nothing until a message names a row.
    """

    def __init__(self, frame: Any, first_line: int | None = None) -> None:
        self._index = frame.index
        attrs = getattr(frame, "attrs", None) or {}
        self._first = first_line if first_line is not None else attrs.get("first_line")
        col = next((c for c in POINT_NAME_COLUMNS if c in frame.columns), None)
        self._names = None if col is None else frame[col]

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        label = self._index[i]
        if self._first is not None and isinstance(label, int | np.integer):
            where = f"line {int(label) + int(self._first)}"
        else:
            where = f"row {label}"
        name = None if self._names is None else self._names.iat[i]
        return f"{name} ({where})" if isinstance(name, str) else where


def is_dask_frame(obj: Any) -> bool:
    """Whether ``obj`` is a dask (or dask-geopandas) DataFrame."""
    import sys

    if "dask.dataframe" not in sys.modules:  # no dask frame exists yet: skip a 1-2 s import
        return False
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask is a dependency
        return False
    return isinstance(obj, dd.DataFrame)


def check_points_frame(points: Any, what: str = "points") -> bool:
    """Raise unless ``points`` is a (dask-)GeoDataFrame with a CRS; return whether it is dask.

    An in-memory frame must also have rows.
    """
    import geopandas as gpd

    dask = is_dask_frame(points)
    if not dask and not isinstance(points, gpd.GeoDataFrame):
        raise GeoprocInputError(
            f"{what} must be a GeoDataFrame (see geoproc.read_points), not {type(points).__name__}"
        )
    if points.crs is None:
        raise GeoprocInputError(
            f"{what} have no coordinate reference system; set one (e.g. .set_crs('EPSG:4326'))"
        )
    if not dask and len(points) == 0:
        raise GeoprocInputError(f"{what}: the point set is empty")
    return dask


def check_point_geometries(
    geoms: np.ndarray,
    labels: Sequence[str] | None = None,
    what: str = "points",
    multipoint: bool = False,
) -> None:
    """Raise on missing, empty or non-point geometries, naming the rows.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
    labels : sequence of str, optional
        A label per position (:class:`PointLabels`); default "row <position>".
    what : str
        What the points are, for messages.
    multipoint : bool
        Accept MultiPoint geometries too.
    """
    import shapely

    def name(i: int) -> str:
        return f"row {i}" if labels is None else str(labels[i])

    geoms = np.asarray(geoms, dtype=object)
    empty = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if empty.size:
        rows = _listed([name(i) for i in empty[:_SHOWN]], empty.size)
        raise GeoprocInputError(f"{what}: missing or empty geometry at {rows}")
    kinds = shapely.get_type_id(geoms)
    ok = (kinds == 0) | ((kinds == 4) if multipoint else False)  # 0 Point, 4 MultiPoint
    bad = np.flatnonzero(~ok)
    if bad.size:
        rows = _listed([f"{name(i)} ({geoms[i].geom_type})" for i in bad[:_SHOWN]], bad.size)
        kind = "point geometries" if multipoint else "single points"
        raise GeoprocInputError(f"{what}: not {kind} at {rows}")


def check_geographic_points(points: gpd.GeoDataFrame, what: str = "points") -> None:
    """In a geographic CRS, raise on coordinates outside the lon/lat ranges, naming the rows.

    The check :func:`geoproc.read_points` makes, for points given directly as a
    GeoDataFrame: swapped longitude/latitude, or metres labelled as degrees, would
    otherwise only surface as infinite coordinates (or silently wrong places) after
    projection. A projected CRS is left alone.
    """
    import shapely
    from pyproj import CRS

    if not CRS.from_user_input(points.crs).is_geographic:
        return
    xy, owner = shapely.get_coordinates(points.geometry.to_numpy(), return_index=True)
    labels = PointLabels(points)
    problems = lonlat_problems(
        xy[:, 0], xy[:, 1], _Owned(labels, owner),
        metres_hint="set the layer's real CRS",
    )
    if problems:
        raise GeoprocInputError(f"{what}: " + "; ".join(problems))


class _Owned(Sequence):
    """Labels of coordinates: those of the geometry each coordinate belongs to."""

    def __init__(self, labels: Sequence[str], owner: np.ndarray) -> None:
        self._labels, self._owner = labels, owner

    def __len__(self) -> int:
        return len(self._owner)

    def __getitem__(self, i):  # type: ignore[override]
        return self._labels[int(self._owner[i])]


_SWAP_HINT = (
    "longitude and latitude look swapped (x holds the latitude); swap them in the source "
    "(GeoPandas: gdf.geometry.map(lambda g: shapely.ops.transform(lambda x, y: (y, x), g)))"
)
_METRES_HINT = (
    "these look like projected metres labelled as degrees; set the layer's real CRS "
    "(GeoPandas: gdf.set_crs(..., allow_override=True); QGIS: Assign Projection)"
)
_DEGREES_HINT = (
    "these look like lon/lat degrees labelled as a projected CRS; set EPSG:4326 "
    "(GeoPandas: gdf.set_crs(4326, allow_override=True); QGIS: Assign Projection)"
)


def _sample(geoms: np.ndarray, i: int, bad=None) -> str:
    """One vertex of feature ``i`` as "(x, y)": the first failing ``bad(xy)`` if given."""
    import shapely

    xy = shapely.get_coordinates(geoms[i])
    if xy.size == 0:
        return "(empty)"
    j = 0
    if bad is not None:
        hits = np.flatnonzero(bad(xy))
        j = int(hits[0]) if hits.size else 0
    return f"({xy[j, 0]:.6g}, {xy[j, 1]:.6g})"


def check_layer_coordinates(
    gdf: gpd.GeoDataFrame, what: str = "regions", labels: Sequence | None = None
) -> None:
    """Raise when a layer's coordinates contradict its CRS, naming the layer and a feature.

    The checks :func:`geoproc.read_points` makes for points, for any layer (polygons,
    lines, points): no CRS at all; a geographic CRS (EPSG:4326...) with coordinates
    beyond ±180°/±90° -- longitude and latitude swapped, or projected metres labelled
    as degrees; a projected CRS whose coordinates all look like degrees (an extent of
    under 360 units around the origin); non-finite coordinates. Without this check such
    layers end deep inside PROJ (``|lat_0| should be <= 90°``) or give silently wrong
    distances.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
    what : str
        The layer as the user knows it (file name, layer name, QGIS parameter).
    labels : sequence, optional
        A label per feature (region ids); default "row <position>".

    Raises
    ------
    GeoprocInputError
        One line: the layer, how many features are affected, one sample feature with a
        coordinate, and what to do.
    """
    import shapely
    from pyproj import CRS

    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    n = len(geoms)
    if n == 0:
        return

    def name(i: int) -> str:
        return _label(labels, i)

    with np.errstate(invalid="ignore"):
        b = shapely.bounds(geoms)  # NaN for missing/empty geometries: check_geometries' job
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    nonfinite = np.flatnonzero(present & ~np.isfinite(b).all(axis=1))
    if nonfinite.size:
        i = int(nonfinite[0])
        raise GeoprocInputError(
            f"{what}: non-finite coordinates (inf or NaN) in {nonfinite.size} of {n} features, "
            f"e.g. {name(i)} at {_sample(geoms, i, lambda xy: ~np.isfinite(xy).all(axis=1))}; "
            "repair or drop those features"
        )
    ok = np.flatnonzero(present)
    if ok.size == 0:
        return
    ax, ay = np.maximum(np.abs(b[:, 0]), np.abs(b[:, 2])), np.maximum(np.abs(b[:, 1]), np.abs(b[:, 3]))
    if gdf.crs is None:
        i = int(ok[0])
        degrees = bool(np.all(ax[ok] <= 180) and np.all(ay[ok] <= 90))
        guess = ("they look like lon/lat degrees: set EPSG:4326" if degrees
                 else "they look projected: set the layer's projected CRS")
        raise GeoprocInputError(
            f"{what} has no coordinate reference system (a shapefile without its .prj?); "
            f"e.g. {name(i)} at {_sample(geoms, i)}: {guess} "
            "(GeoPandas: gdf.set_crs(...); QGIS: Assign Projection)"
        )
    crs = CRS.from_user_input(gdf.crs)
    label = crs.to_string() if crs.to_epsg() is None else f"EPSG:{crs.to_epsg()}"
    if crs.is_geographic:
        far = ok[(ax[ok] > 180) | (ay[ok] > 90)]
        if not far.size:
            return
        i = int(far[0])
        if np.all(ax[far] <= 90) and np.all(ay[far] <= 180):
            hint = _SWAP_HINT
        elif np.any(ax[far] > 360) or np.any(ay[far] > 360):
            hint = _METRES_HINT
        else:
            hint = "fix the coordinates or the layer's CRS"
        raise GeoprocInputError(
            f"{what}: the layer is labelled {label} (lon/lat degrees) but {far.size} of {n} "
            f"features lie outside ±180°/±90°, e.g. {name(i)} at "
            f"{_sample(geoms, i, lambda xy: (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90))}; "
            f"{hint}"
        )
    x0, y0 = np.nanmin(b[ok, 0]), np.nanmin(b[ok, 1])
    x1, y1 = np.nanmax(b[ok, 2]), np.nanmax(b[ok, 3])
    extent = max(x1 - x0, y1 - y0)
    # a real projected layer spans more than 360 m or sits away from the origin's degree
    # box; a layer around the origin itself (test grids, local engineering frames) is left
    off_origin = x0 > 1 or x1 < -1 or y0 > 1 or y1 < -1
    if np.all(ax[ok] <= 180) and np.all(ay[ok] <= 90) and extent < 360 and off_origin and _metric(crs):
        i = int(ok[0])
        raise GeoprocInputError(
            f"{what}: the layer is labelled {label} (projected, metres) but all {n} features "
            f"lie within {extent:.3g} m of each other near the origin, e.g. {name(i)} at "
            f"{_sample(geoms, i)}; {_DEGREES_HINT}"
        )


def _metric(crs) -> bool:
    try:
        return all(a.unit_name in ("metre", "meter") for a in crs.axis_info[:2])
    except Exception:  # pragma: no cover - unusual CRS definitions
        return False


def to_lonlat(gdf: gpd.GeoDataFrame, what: str = "layer") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, raising if it has no CRS or coordinates that contradict it."""
    check_layer_coordinates(gdf, what)
    require_crs(gdf, what)
    if gdf.crs.to_epsg() == 4326:
        return gdf
    return gdf.to_crs(4326)


def check_ids(ids: pd.Series | Sequence, what: str = "regions", column: str = "id") -> None:
    """Raise on missing or duplicate ids, listing them."""
    import pandas as pd

    s = pd.Series(list(ids))
    missing = np.flatnonzero(s.isna().to_numpy())
    if missing.size:
        raise GeoprocInputError(
            f"{what}: column {column!r} is empty at rows {', '.join(map(str, missing[:10]))}"
        )
    dup = s[s.duplicated(keep=False)]
    if len(dup):
        vals = ", ".join(map(str, sorted(set(dup.astype(str)))[:10]))
        raise GeoprocInputError(f"{what}: duplicate {column!r} values: {vals}")


def check_geometries(gdf: gpd.GeoDataFrame, labels: Sequence | None = None, what: str = "regions") -> None:
    """Raise on missing, empty or invalid geometries, naming the regions."""
    geom = gdf.geometry
    labels = list(labels) if labels is not None else None
    empty = np.flatnonzero((geom.isna() | geom.is_empty).to_numpy())
    if empty.size:
        names = ", ".join(_label(labels, i) for i in empty[:10])
        raise GeoprocInputError(f"{what}: empty or missing geometry for {names}")
    invalid = np.flatnonzero(~geom.is_valid.to_numpy())
    if invalid.size:
        names = ", ".join(_label(labels, i) for i in invalid[:10])
        raise GeoprocInputError(
            f"{what}: invalid geometry for {names}; repair it (shapely.make_valid) first"
        )


def region_ids(gdf: gpd.GeoDataFrame, id: str | None = None, what: str = "regions") -> list:
    """The ids of ``gdf``: column ``id`` if given, else ``code``, else the index. Checked."""
    if id is not None:
        if id not in gdf.columns:
            raise GeoprocInputError(
                f"{what}: no column {id!r}; columns are {', '.join(map(str, gdf.columns))}"
            )
        ids = gdf[id].tolist()
        column = id
    elif "code" in gdf.columns:
        ids = gdf["code"].tolist()
        column = "code"
    else:
        ids = gdf.index.tolist()
        column = "index"
    check_ids(ids, what, column)
    return ids


def standardize(y: np.ndarray, what: str = "values") -> np.ndarray:
    """z-scores ``(y - mean) / sd`` (population sd) that do not overflow.

    Moran's I, Gi*, LISA and PCA are scale-free, so the values are first divided by their
    largest magnitude (exact up to rounding): values near 1e300, whose sums and squares
    overflow to inf in double precision, then give the same z-scores as any rescaling.

    Raises
    ------
    GeoprocInputError
        Non-finite values (naming ``what`` and the first position) or constant values.
    """
    y = np.asarray(y, dtype=float)
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise GeoprocInputError(f"{what}: {bad.size} value(s) are NaN or infinite (first at position {bad[0]})")
    scale = float(np.max(np.abs(y))) if y.size else 0.0
    if scale == 0.0:
        raise GeoprocInputError(f"{what}: every value is 0; the statistic is undefined")
    y = y / scale
    sd = float(y.std())
    if sd == 0.0:
        raise GeoprocInputError(f"{what} is constant ({y[0] * scale:g}): zero variance")
    return (y - y.mean()) / sd
