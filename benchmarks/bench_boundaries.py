"""China's counties and cities: load, queen weights, gravity matrix; geoproc vs the plain route.

Targets (issue 16): load the 2,848 counties < 2 s, queen weights for them < 2 s, a
gravity matrix for the cities < 1 s. Each geoproc call is timed against the plain
geopandas / libpysal route a user would write:

- load: ``geoproc.load_boundaries("china_counties")`` (first call: reads the file; the
  process caches it, a second call is a copy) vs ``geopandas.read_file`` (pyogrio);
- queen: ``geoproc.build_weights("queen", counties)`` vs
  ``libpysal.weights.Queen.from_dataframe``; both find the same neighbours (checked);
- gravity: ``geoproc.build_weights("gravity:gdp", cities, data)`` (geodesic distances
  between area centroids, period-mean masses, row-standardised) vs the textbook route:
  centroids in an equal-area projection, a scipy ``cdist`` of projected distances and
  M_i M_j / d^2 in numpy (planar, so not the same numbers; same size of work).

    .venv/bin/python benchmarks/bench_boundaries.py            # best of 3
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def best_of(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import geopandas as gpd
    import pandas as pd
    from libpysal.weights import Queen

    import geoproc
    from geoproc.boundaries import BOUNDARIES, _path, _read_cached

    path = _path("china_counties")
    spec = BOUNDARIES["china_counties"]

    def geoproc_load():
        _read_cached.cache_clear()
        return geoproc.load_boundaries("china_counties")

    t_load, counties = best_of(geoproc_load, args.repeat)
    t_cached, _ = best_of(lambda: geoproc.load_boundaries("china_counties"), args.repeat)
    t_gpd, _ = best_of(lambda: gpd.read_file(path, layer=spec.layer, engine="pyogrio"), args.repeat)
    print(f"load china_counties ({len(counties)} units): geoproc {t_load:.3f} s (cached copy "
          f"{t_cached:.4f} s); geopandas.read_file {t_gpd:.3f} s; ratio {t_gpd / t_load:.2f}")

    t_q, w = best_of(lambda: geoproc.build_weights("queen", counties, islands="keep"), args.repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_lq, lw = best_of(lambda: Queen.from_dataframe(counties, ids=counties["code"].tolist(),
                                                          use_index=False), args.repeat)
    same = all(set(lw.neighbors[c]) == set(np.asarray(w.ids)[w.sparse[i].indices])
               for i, c in enumerate(w.ids))
    print(f"queen weights, counties: geoproc {t_q:.3f} s; libpysal Queen.from_dataframe {t_lq:.3f} s; "
          f"ratio {t_lq / t_q:.2f}; same neighbours: {same}; links {w.sparse.nnz}")

    cities = geoproc.load_boundaries("china_cities")
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"code": cities["code"], "gdp": rng.lognormal(7, 1, len(cities))})
    t_g, _ = best_of(lambda: geoproc.build_weights("gravity:gdp", cities, data, row_standardize=True),
                     args.repeat)

    def plain_gravity():
        from scipy.spatial.distance import cdist

        pts = cities.to_crs("EPSG:6933").centroid
        xy = np.column_stack([pts.x, pts.y]) / 1000
        d = cdist(xy, xy)
        m = data["gdp"].to_numpy()
        with np.errstate(divide="ignore"):
            g = np.outer(m, m) / d**2
        np.fill_diagonal(g, 0)
        return g / g.sum(axis=1, keepdims=True)

    t_pg, _ = best_of(plain_gravity, args.repeat)
    print(f"gravity weights, {len(cities)} cities: geoproc {t_g:.3f} s (geodesic); plain "
          f"projected-centroid numpy {t_pg:.3f} s; ratio {t_pg / t_g:.2f}")


if __name__ == "__main__":
    main()
