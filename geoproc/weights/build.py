"""One parser for the weights specs every command takes: ``queen``, ``knn:6``, ``gravity:COL``, a file."""

from __future__ import annotations

import os
from typing import Any

from geoproc.errors import GeoprocInputError
from geoproc.weights.base import SpatialWeights
from geoproc.weights.spec import WeightsSpec

__all__ = ["build_weight_set", "build_weights", "link_nearest"]



def _number(text: str, what: str, spec: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise GeoprocInputError(f"weights {spec!r}: {what} {text!r} is not a number") from None


def build_weights(
    spec: str | os.PathLike | WeightsSpec,
    regions: Any = None,
    data: Any = None,
    id: str | None = None,
    row_standardize: bool = False,
    *,
    islands: str = "warn",
    data_id: str | None = None,
    year_column: str | None = None,
    year: Any = None,
    method: str = "geodesic",
    centroid: str = "area",
) -> SpatialWeights:
    """Build weights from a spec string, the way every geoproc command does.

    Parameters
    ----------
    spec : str or path
        ``queen``, ``rook``, ``knn:K``, ``inverse-distance``, ``inverse-distance:POWER``,
        ``inverse-distance:POWER:CUTOFF_KM``, ``gravity:COLUMN``, ``nested:COLUMN[:POWER]``,
        or the path of a ``.csv``/``.gal``/``.gwt`` weights file.
    regions : GeoDataFrame, path or shipped boundary name
        The regions (not needed for a file, but if given the file is aligned to
        their ids and must match them).
    data : DataFrame, optional
        Table with the ``COLUMN`` of ``gravity:`` and ``nested:`` specs, keyed by
        an id column (``data_id``; default ``code``/``id``/the index) and
        optionally by year (its period mean is used).
    id : str, optional
        Id column of the regions.
    row_standardize : bool
        Row-standardise the result.
    islands : {"warn", "nearest", "keep"}
        For queen/rook, see :func:`~geoproc.weights.queen_weights`.
    data_id, year_column, year
        Id and year columns of ``data``, and the years to average.
    method : {"geodesic", "haversine"}
        Centroid distance for distance-based kinds.
    centroid : {"area", "representative", "largest"}
        The point standing for each polygon.

    Returns
    -------
    SpatialWeights
    """
    parsed = WeightsSpec.parse(spec, named=False)
    kind, args = parsed.kind, list(parsed.args)
    spec_text = parsed.text or parsed.body
    if kind == "file":
        from geoproc.weights.io import read_weights

        w = read_weights(args[0])
        if regions is not None:
            from geoproc.weights._inputs import load_regions

            _, ids, _ = load_regions(regions, id)
            w = w.align(ids, what=f"regions (weights file {args[0]})")
    elif regions is None:
        raise GeoprocInputError(f"weights {spec_text!r} are built from regions; give the regions")
    elif kind in ("queen", "rook"):
        from geoproc.weights.contiguity import queen_weights, rook_weights

        w = (queen_weights if kind == "queen" else rook_weights)(regions, id=id, islands=islands,
                                                                 method=method,
                                                                 centroid=centroid)
    elif kind == "knn":
        from geoproc.weights.distance_based import knn_weights

        k = _number(args[0], "k", spec_text)
        if not k.is_integer():
            raise GeoprocInputError(f"weights {spec_text!r}: k must be a whole number")
        w = knn_weights(regions, int(k), id=id, method=method, centroid=centroid)
    elif kind == "inverse-distance":
        from geoproc.weights.distance_based import inverse_distance_weights

        power = _number(args[0], "power", spec_text) if args else 1.0
        cutoff = _number(args[1], "cut-off (km)", spec_text) if len(args) > 1 else None
        w = inverse_distance_weights(regions, power=power, cutoff_km=cutoff, id=id, method=method,
                                     centroid=centroid)
    else:
        if data is None:
            raise GeoprocInputError(
                f"weights {spec_text!r} need a data table with the column {args[0]!r}"
            )
        if kind == "gravity":
            from geoproc.weights.gravity import gravity_weights

            w = gravity_weights(regions, data, id=id, mass_column=args[0], year=year,
                                mass_id=data_id, year_column=year_column, method=method,
                                centroid=centroid)
        else:
            from geoproc.weights.nested import nested_weights

            power = _number(args[1], "power", spec_text) if len(args) > 1 else 1.0
            w = nested_weights(regions, data, id=id, gdp_column=args[0], year=year, power=power,
                               gdp_id=data_id, year_column=year_column, method=method,
                               centroid=centroid)
    w.meta.setdefault("spec", spec_text)
    if row_standardize and w.transform != "R":
        w = w.row_standardize()
    return w


def build_weight_set(
    specs: str | os.PathLike | list,
    regions: Any = None,
    data: Any = None,
    *,
    id: str | None = None,
    data_id: str | None = "code",
    year_column: str | None = "year",
    islands: str = "raise",
    row_standardize: bool = False,
    centroid: str = "area",
    method: str = "geodesic",
) -> dict[str, SpatialWeights]:
    """Several named weights matrices from specs, as every geoproc command and QGIS tool builds them.

    Parameters
    ----------
    specs : str, path or list of them
        Each a spec of :func:`build_weights` (``queen``, ``knn:6``, ``gravity:COLUMN``,
        a weights file ...), optionally named ``NAME=SPEC`` (e.g. ``W1=gravity:rd_staff``;
        a file path containing ``=`` that exists is taken as a path).
    regions : GeoDataFrame, path or shipped boundary name, optional
        The regions the kinds are built from (and files aligned to); needed unless
        every spec is a file.
    data : DataFrame, optional
        Panel with the ``COLUMN`` of ``gravity:``/``nested:`` specs (period means).
    id : str, optional
        Id column of the regions.
    data_id, year_column : str
        Region and year columns of ``data``.
    islands : {"raise", "keep", "drop", "nearest"}
        How the statistic will treat regions without neighbours; ``"nearest"`` links each
        island of queen/rook weights and of a weights file to its nearest region by
        centroid distance here (a file needs ``regions`` for that), the others keep the
        islands in the weights (the statistic raises, keeps or drops them).
    row_standardize : bool
        Row-standardise each matrix.
    centroid : {"area", "representative", "largest"}
        The point standing for each region in distances (see :func:`geoproc.centroids`);
        recorded in each matrix's ``meta["centroid"]``.
    method : {"geodesic", "haversine"}
        Centroid distance; recorded in ``meta["distance"]``.

    Returns
    -------
    dict of str -> SpatialWeights
        In the order of ``specs``; an unnamed spec is named by its text (a file by its
        path). A file read with ``regions`` is aligned to their ids.

    Raises
    ------
    GeoprocInputError
        Naming the spec that needs regions or data that were not given, an unknown or
        malformed spec, and two specs with the same name.
    """
    if islands not in ("raise", "keep", "drop", "nearest"):
        raise GeoprocInputError(f"islands must be raise, keep, drop or nearest; got {islands!r}")
    if isinstance(specs, (str, os.PathLike)):
        specs = [specs]
    out: dict[str, SpatialWeights] = {}
    for spec in specs:
        parsed = WeightsSpec.parse(spec)
        name, body, kind = parsed.name, parsed.text or parsed.body, parsed.kind
        if kind != "file" and regions is None:
            raise GeoprocInputError(f"weights {body!r} are built from regions; give the regions")
        if name in out:
            raise GeoprocInputError(f"two weights are called {name!r}; name them NAME=SPEC")
        opts: dict[str, Any] = {}
        if kind in ("queen", "rook"):
            opts["islands"] = "nearest" if islands == "nearest" else "keep"
        if kind in ("gravity", "nested"):
            opts.update(data_id=data_id, year_column=year_column)
        if kind != "file":
            opts.update(centroid=centroid, method=method)
        w = build_weights(body, regions if kind != "file" else None,
                          data=data if kind in ("gravity", "nested") else None,
                          id=id, row_standardize=False, **opts)
        if kind == "file" and islands == "nearest" and w.islands:
            w = link_nearest(w, regions, id, centroid, method, what=f"weights file {body}")
        if kind not in ("file", "queen", "rook") or w.meta.get("islands_linked"):
            # centroids entered the matrix: say which (METHODS 1-2)
            w.meta.setdefault("centroid", centroid)
            w.meta.setdefault("distance", method)
        if row_standardize and w.transform != "R":
            w = w.row_standardize()
        out[name] = w
    return out


def link_nearest(w: SpatialWeights, regions: Any, id: str | None = None, centroid: str = "area",
                 method: str = "geodesic", what: str | None = None) -> SpatialWeights:
    """Link each island of ``w`` (a region without neighbours) to its nearest region by
    centroid distance; the matrix is aligned to the regions' ids.

    Parameters
    ----------
    w : SpatialWeights
    regions : GeoDataFrame, path or shipped boundary name
        The regions whose centroids give the distances.
    id : str, optional
        Id column of the regions.
    centroid : {"area", "representative", "largest"}
    method : {"geodesic", "haversine"}
    what : str, optional
        What ``w`` is, for the error message (default: its spec or file).

    Returns
    -------
    SpatialWeights
        With ``meta["islands_linked"]``, ``meta["islands_linked_names"]``, the centroid and
        distance method.

    Raises
    ------
    GeoprocInputError
        Without regions, naming the islands and the alternatives.
    """
    from geoproc.weights.contiguity import link_islands

    what = what or f"weights {w.meta.get('spec') or w.meta.get('source') or w.kind}"
    if regions is None:
        raise GeoprocInputError(
            f"{what} has {len(w.islands)} island(s) without neighbours: "
            f"{', '.join(map(str, w.islands[:20]))}; linking them to their nearest region needs "
            "the regions (give them; CLI: --regions), else keep them with zero spatial lag "
            "(islands='keep'; --islands keep) or leave them out (islands='drop'; --islands drop)"
        )
    from geoproc.weights._inputs import labels, load_regions
    from geoproc.weights.contiguity import _island_neighbours

    gdf, ids, field = load_regions(regions, id)
    w = w.align(ids, what=f"regions ({what})")
    # the islands' nearest regions from the k-d tree, as the dense matrix's stable argsort
    # picks them (ties by row order), without an N x N matrix
    pos = {k: i for i, k in enumerate(ids)}
    rows = [pos[k] for k in w.islands]
    nearest = _island_neighbours(gdf, ids, field, method, centroid, rows, 1)
    linked = link_islands(w, None, 1, labels(gdf, ids), nearest=nearest)
    linked.meta.update(centroid=centroid, distance=method)
    return linked
