"""Economic-geographic nested weights: W_nest = W_d diag(Ybar_i / Ybar), row-standardised."""

from __future__ import annotations

from typing import Any

import numpy as np

from geoproc.weights._inputs import check_positive, distances_km, labels, load_regions
from geoproc.weights._masses import region_values
from geoproc.weights.base import SpatialWeights
from geoproc.weights.distance_based import inverse_distance_matrix

__all__ = ["nested_weights", "nested_matrix"]


def nested_matrix(d: np.ndarray, gdp_mean: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Row-standardised ``(1/d**power) @ diag(Ybar_j / Ybar)`` (dense).

    Column j of the inverse-distance matrix is scaled by region j's share of the
    mean GDP, so that richer neighbours weigh more.
    """
    y = np.asarray(gdp_mean, dtype=float)
    w = inverse_distance_matrix(d, power)
    w *= (y / y.mean())[np.newaxis, :]
    w /= w.sum(axis=1, keepdims=True)
    return w


def nested_weights(
    regions: Any,
    gdp: Any,
    id: str | None = None,
    gdp_column: str | None = None,
    year: Any = None,
    power: float = 1,
    gdp_id: str | None = None,
    year_column: str | None = None,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """Economic-geographic nested weights (METHODS §2).

    ``W_nest = W_d diag(Ybar_1/Ybar, ..., Ybar_N/Ybar)``, then row-standardised,
    with ``W_d`` the inverse-distance matrix ``1/d_ij**power`` on great-circle
    centroid distance (km), ``Ybar_i`` region i's mean GDP (per capita) over the
    period and ``Ybar`` the mean of ``Ybar_i`` over all regions.

    Parameters
    ----------
    regions : GeoDataFrame, path or shipped boundary name
        Polygons (or points) with a CRS.
    gdp : Series, dict or DataFrame
        GDP keyed by region id, or a table with an id column and optionally a
        year column (the period mean is used).
    id : str, optional
        Id column of the regions (default ``code``, else the index).
    gdp_column : str, optional
        GDP column of a DataFrame.
    year : int or sequence of int, optional
        The study period (default: every year in the table).
    power : float
        Distance decay exponent of ``W_d``.
    gdp_id, year_column : str, optional
        Id and year columns of the GDP table.
    method : {"geodesic", "haversine"}
        Centroid distance.
    centroid : {"area", "representative", "largest"}
        The point standing for a polygon: its area centroid (default) or a point
        guaranteed inside it (see :func:`geoproc.centroids`).

    Returns
    -------
    SpatialWeights
        Row-standardised (``transform == "R"``).
    """
    power = check_positive(power, "power")
    gdf, ids, field = load_regions(regions, id)
    vals = region_values(gdp, ids, column=gdp_column, id_column=gdp_id, year_column=year_column,
                         year=year, what="GDP", region_labels=labels(gdf, ids))
    d = distances_km(gdf, ids, field, method, centroid)
    ybar = vals.period_mean()
    if vals.years == [None]:
        how = "as given (no year column)"
    else:
        how = f"period mean {vals.years[0]}-{vals.years[-1]} ({len(vals.years)} years)"
    meta = {"id_field": field, "gdp_column": vals.column, "gdp": how, "power": power,
            "distance": method, "centroid": centroid}
    if vals.years != [None]:
        meta["years"] = vals.years
    return SpatialWeights(nested_matrix(d, ybar, power), ids, "nested", "R", meta)
