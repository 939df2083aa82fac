"""Conversions between QGIS features and pandas / geopandas tables. No science here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qgis.core import (
    NULL,
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant


class Canceled(QgsProcessingException):
    """Raised when the user cancels; Processing reports it as a cancelled run."""

    def __init__(self) -> None:
        super().__init__("Canceled by the user")


def _py(value: Any) -> Any:
    """A QGIS attribute value as plain Python (NULL and null QVariants as None)."""
    if value == NULL or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toPyDateTime()
    if isinstance(value, QDate):
        return value.toPyDate()
    return value


def source_to_frame(source: Any, feedback: Any, with_geometry: bool = True,
                    progress: tuple[int, int] = (0, 100)) -> Any:
    """Read a feature source into a GeoDataFrame (or a DataFrame for tables).

    Parameters
    ----------
    source : QgsFeatureSource
        The source, e.g. from ``parameterAsSource``.
    feedback : QgsProcessingFeedback
        Progress runs from ``progress[0]`` to ``progress[1]`` percent; cancel is checked on
        every feature.
    with_geometry : bool
        Read the geometries too (a layer without geometry always gives a DataFrame).
    progress : tuple of int
        Start and end of the progress range, in percent.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        One row per feature, columns named as the fields; NULL values as None; the CRS as
        its authority id (or WKT).

    Raises
    ------
    Canceled
        When the user cancels.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    names = source.fields().names()
    total = max(source.featureCount(), 1)
    rows, wkbs = [], []
    start, stop = progress
    for i, feature in enumerate(source.getFeatures()):
        if feedback.isCanceled():
            raise Canceled()
        rows.append([_py(v) for v in feature.attributes()])
        if with_geometry:
            g = feature.geometry()
            wkbs.append(bytes(g.asWkb()) if not g.isNull() else None)
        if i % 1000 == 0:
            feedback.setProgress(start + (stop - start) * i / total)
    frame = pd.DataFrame(rows, columns=names)
    if not with_geometry or source.wkbType() == QgsWkbTypes.Type.NoGeometry:
        return frame
    crs = source.sourceCrs()
    geoms = shapely.from_wkb([w if w is not None else None for w in wkbs])
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=_crs_string(crs))


def _crs_string(crs: QgsCoordinateReferenceSystem) -> str | None:
    """The CRS as "EPSG:4326" (or WKT without an authority id); None when invalid."""
    if not crs.isValid():
        return None
    return crs.authid() or crs.toWkt()


# Field types by kind: (QMetaType.Type name, QVariant name). QGIS >= 3.38 takes
# QMetaType.Type in QgsField (and QGIS 4 / Qt6 only that: PyQt6 has no QVariant.Type);
# QGIS 3.22-3.36 only the unscoped QVariant constants. Picked once at run time.
_FIELD_TYPES = {
    "bool": ("Bool", "Bool"),
    "int": ("LongLong", "LongLong"),
    "double": ("Double", "Double"),
    "datetime": ("QDateTime", "DateTime"),
    "string": ("QString", "String"),
}
_USE_QMETATYPE = Qgis.QGIS_VERSION_INT >= 33800


def field_type(kind: str) -> Any:
    """The field type constant ``QgsField`` takes in this QGIS, for one kind of value.

    Parameters
    ----------
    kind : {"bool", "int", "double", "datetime", "string"}
        The kind of value (``int`` is a 64-bit integer).

    Returns
    -------
    QMetaType.Type or QVariant.Type
        ``QMetaType.Type.X`` in QGIS >= 3.38 (and QGIS 4), else ``QVariant.X``.
    """
    metatype_name, variant_name = _FIELD_TYPES[kind]
    if _USE_QMETATYPE:
        from qgis.PyQt.QtCore import QMetaType

        return getattr(QMetaType.Type, metatype_name)
    return getattr(QVariant, variant_name)


def _field_for(name: str, series: Any) -> QgsField:
    """A field for a pandas column: bool, 64-bit integer, double, date-time, else string."""
    import pandas as pd

    kind = series.dtype.kind
    if kind == "b":
        return QgsField(name, field_type("bool"))
    if kind in "iu":
        return QgsField(name, field_type("int"))
    if kind == "f":
        return QgsField(name, field_type("double"))
    if pd.api.types.is_datetime64_any_dtype(series):
        return QgsField(name, field_type("datetime"))
    return QgsField(name, field_type("string"))


def frame_fields(frame: Any) -> QgsFields:
    """The QGIS fields of a (Geo)DataFrame's columns, geometry column left out.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table to write.

    Returns
    -------
    QgsFields
        One field per column, typed by the column's dtype (see ``_field_for``).
    """
    fields = QgsFields()
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None):
            continue
        fields.append(_field_for(str(col), frame[col]))
    return fields


def _value(v: Any) -> Any:
    """A pandas/numpy cell as a value QGIS stores (NaN, None and NaT as NULL)."""
    import numpy as np
    import pandas as pd

    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return NULL
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (dt.date, dt.datetime, str, int, float, bool)):
        return v
    return str(v)


def wkb_type_of(frame: Any) -> int:
    """One QGIS geometry type for the whole layer (single parts promoted to multi).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table to write.

    Returns
    -------
    QgsWkbTypes.Type
        NoGeometry for a plain DataFrame; Point when every geometry is a point; else
        MultiPoint, MultiLineString or (polygons and mixtures) MultiPolygon.
    """
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return QgsWkbTypes.Type.NoGeometry
    kinds = set(frame.geom_type.dropna())
    if kinds <= {"Point"}:
        return QgsWkbTypes.Type.Point
    if kinds <= {"Point", "MultiPoint"}:
        return QgsWkbTypes.Type.MultiPoint
    if kinds <= {"LineString", "MultiLineString"}:
        return QgsWkbTypes.Type.MultiLineString
    return QgsWkbTypes.Type.MultiPolygon


def sink_params(frame: Any) -> tuple[QgsFields, int, QgsCoordinateReferenceSystem]:
    """The fields, geometry type and CRS that ``parameterAsSink`` needs for ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table to write.

    Returns
    -------
    tuple
        ``(QgsFields, QgsWkbTypes.Type, QgsCoordinateReferenceSystem)``; the CRS is invalid
        (none) for a DataFrame or a GeoDataFrame without a CRS.
    """
    import geopandas as gpd

    crs = QgsCoordinateReferenceSystem()
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        epsg = frame.crs.to_epsg()
        crs = QgsCoordinateReferenceSystem(f"EPSG:{epsg}") if epsg else QgsCoordinateReferenceSystem.fromWkt(frame.crs.to_wkt())
    return frame_fields(frame), wkb_type_of(frame), crs


def write_frame(sink: Any, frame: Any, feedback: Any, progress: tuple[int, int] = (90, 100)) -> None:
    """Add every row of ``frame`` to ``sink``; polygons and lines are written as multi-part.

    Parameters
    ----------
    sink : QgsFeatureSink
        The sink from ``parameterAsSink`` created with :func:`sink_params` of ``frame``.
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The rows to write (not modified).
    feedback : QgsProcessingFeedback
        Progress from ``progress[0]`` to ``progress[1]`` percent; cancel checked on every row.
    progress : tuple of int
        Start and end of the progress range, in percent.

    Raises
    ------
    Canceled
        When the user cancels.
    """
    import geopandas as gpd
    import shapely

    is_geo = isinstance(frame, gpd.GeoDataFrame)
    fields = frame_fields(frame)
    columns = [c for c in frame.columns if not (is_geo and c == frame.geometry.name)]
    wkb_type = wkb_type_of(frame)
    geoms = None
    if is_geo:
        g = frame.geometry.values
        if wkb_type == QgsWkbTypes.Type.MultiPolygon:
            g = [shapely.MultiPolygon([x]) if x is not None and x.geom_type == "Polygon" else x for x in g]
        elif wkb_type == QgsWkbTypes.Type.MultiLineString:
            g = [shapely.MultiLineString([x]) if x is not None and x.geom_type == "LineString" else x for x in g]
        elif wkb_type == QgsWkbTypes.Type.MultiPoint:
            g = [shapely.MultiPoint([x]) if x is not None and x.geom_type == "Point" else x for x in g]
        # output_dimension=3: inside QGIS the shapely wheel may bind to QGIS's older GEOS
        # (global symbols), which rejects the default dimension 4 of newer shapely.
        geoms = shapely.to_wkb(list(g), output_dimension=3)
    total = max(len(frame), 1)
    start, stop = progress
    values = frame[columns].itertuples(index=False, name=None)
    for i, row in enumerate(values):
        if feedback.isCanceled():
            raise Canceled()
        feature = QgsFeature(fields)
        feature.setAttributes([_value(v) for v in row])
        if geoms is not None and geoms[i] is not None:
            geom = QgsGeometry()
            geom.fromWkb(bytes(geoms[i]))
            feature.setGeometry(geom)
        sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        if i % 1000 == 0:
            feedback.setProgress(start + (stop - start) * i / total)
    feedback.setProgress(stop)
