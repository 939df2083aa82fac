"""Gravity (knowledge-spillover) weights: w_ij = M_i M_j / d_ij^2 (METHODS §2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.weights._inputs import distances_km, labels, load_regions
from geoproc.weights._masses import region_values
from geoproc.weights.base import SpatialWeights
from geoproc.weights.distance_based import check_dense_size

__all__ = ["gravity_weights", "gravity_matrix"]


def gravity_matrix(d: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Dense ``M_i M_j / d_ij**2`` with a zero diagonal (d in km, no zeros off the diagonal).

    Vectorised over the N x N matrix (see benchmarks/bench_weights.py for the
    ratio to a Python double loop).
    """
    m = np.asarray(masses, dtype=float)
    d = np.asarray(d, dtype=float)
    w = np.multiply.outer(m, m)
    # two in-place divisions by d instead of building d**2: no second N x N array
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(w, d, out=w)
        np.divide(w, d, out=w)
    np.fill_diagonal(w, 0.0)  # d_ii = 0: w_ii is defined as 0
    return w


def gravity_weights(
    regions: Any,
    masses: Any,
    id: str | None = None,
    mass_column: str | None = None,
    year: Any = None,
    per_year: bool = False,
    mass_id: str | None = None,
    year_column: str | None = None,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights | dict[Any, SpatialWeights]:
    """Gravity / knowledge-spillover weights ``w_ij = M_i M_j / d_ij^2``.

    ``M`` is a region's mass (R&D staff 研发人员 or R&D capital stock 研发资本存量),
    ``d_ij`` the great-circle distance in km between area centroids.

    Parameters
    ----------
    regions : GeoDataFrame, path or shipped boundary name
        Polygons (or points) with a CRS.
    masses : Series, dict or DataFrame
        Masses keyed by region id, or a table with an id column (``mass_id``,
        default ``code``/``id``/the index) and, for a panel, a year column.
    id : str, optional
        Id column of the regions (default ``code``, else the index).
    mass_column : str, optional
        Mass column of a DataFrame (needed when there are several numeric columns).
    year : int or sequence of int, optional
        Use only these years (the study period).
    per_year : bool
        With a panel: ``True`` gives ``{year: SpatialWeights}``, one matrix per
        year; ``False`` (default) one matrix on the period mean of M. Which one
        is recorded in ``meta["masses"]``.
    mass_id, year_column : str, optional
        Id and year columns of the mass table.
    method : {"geodesic", "haversine"}
        Centroid distance.
    centroid : {"area", "representative", "largest"}
        The point standing for a polygon: its area centroid (default) or a point
        guaranteed inside it (see :func:`geoproc.centroids`).

    Returns
    -------
    SpatialWeights or dict
        Not row-standardised (call ``.row_standardize()``).

    Raises
    ------
    GeoprocInputError
        Missing, NaN or non-positive mass (naming region and year); mass ids not
        matching the regions (listing both sides); coincident centroids (naming
        the pair).
    """
    gdf, ids, field = load_regions(regions, id)
    names = labels(gdf, ids)
    vals = region_values(masses, ids, column=mass_column, id_column=mass_id, year_column=year_column,
                         year=year, what="mass", region_labels=names)
    if per_year and vals.years == [None]:
        raise GeoprocInputError(
            "per_year=True needs masses by year (a year column); the mass table has none"
        )
    # N x N distances, masses products and the result: refuse before any of them
    check_dense_size(len(ids), "gravity weights",
                     "gravity weights are dense by definition; use fewer regions, or sparse "
                     "weights (knn:K, inverse-distance:POWER:CUTOFF_KM)")
    d = distances_km(gdf, ids, field, method, centroid)
    base_meta = {"id_field": field, "mass_column": vals.column, "distance": method,
                 "centroid": centroid, "units": "mass^2 / km^2"}
    if per_year:
        return {
            y: SpatialWeights(_finite(gravity_matrix(d, m), m, vals.column, y), ids, "gravity", "O",
                              {**base_meta, "masses": f"year {y}", "year": y})
            for y, m in vals.by_year.items()
        }
    if vals.years == [None]:
        how = "as given (no year column)"
    elif len(vals.years) == 1:
        how = f"year {vals.years[0]}"
    else:
        how = f"period mean {vals.years[0]}-{vals.years[-1]} ({len(vals.years)} years)"
    meta = {**base_meta, "masses": how}
    if vals.years != [None]:
        meta["years"] = vals.years
    m = vals.period_mean()
    return SpatialWeights(_finite(gravity_matrix(d, m), m, vals.column), ids, "gravity", "O", meta)


def _finite(w: np.ndarray, m: np.ndarray, column: Any, year: Any = None) -> np.ndarray:
    """``w`` if finite, else an error naming the mass column: M_i M_j overflowed."""
    if np.isfinite(w).all():
        return w
    where = f" in {year}" if year is not None else ""
    raise GeoprocInputError(
        f"gravity weights: mass column {column!r}{where} has values up to "
        f"{float(np.nanmax(np.abs(m))):.3g}, whose products M_i x M_j overflow double precision; "
        "give the masses in larger units (e.g. 10,000 persons)"
    )
