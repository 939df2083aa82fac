"""Point counts per region: geoproc.point_density against a plain geopandas sjoin + groupby.

    .venv/bin/python benchmarks/bench_density.py                      # 1,000,000 points, 3,000 regions
    .venv/bin/python benchmarks/bench_density.py --n 100000 --regions 500

The regions are Voronoi cells of random seeds in a 1,000 km square (Albers equal-area
metres, so neither side reprojects), each edge split every 2 km so a cell has ~40
vertices, like simplified county outlines; the points are uniform over a slightly larger
square, so some fall in no region. The baseline is what a user would write:
``geopandas.sjoin(points, regions, predicate="intersects")`` then ``groupby().size()``.
geoproc's time includes everything ``point_density`` does (checks, equal-area areas,
shares, densities, the outside points). Best of --repeat runs, CPU and wall time.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

ALBERS = "+proj=aea +lat_0=30 +lon_0=115 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"


def make_data(n_points: int, n_regions: int, seed: int = 0):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    side = 1_000_000.0
    frame = shapely.box(0, 0, side, side)
    seeds = shapely.multipoints(rng.uniform(0, side, (n_regions, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))
    cells = shapely.segmentize(shapely.intersection(cells, frame), 2_000.0)
    regions = gpd.GeoDataFrame({"code": np.arange(len(cells))}, geometry=cells, crs=ALBERS)
    xy = rng.uniform(-10_000, side + 10_000, (n_points, 2))
    points = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=ALBERS)
    return points, regions


def best(fn, repeat: int):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="points (default 1,000,000)")
    ap.add_argument("--regions", type=int, default=3_000, help="regions (default 3,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per method (default 3)")
    args = ap.parse_args(argv)

    import geopandas as gpd

    from geoproc.density import point_density

    points, regions = make_data(args.n, args.regions)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the outside points are reported by a warning
            return point_density(points, regions)

    def baseline():
        joined = gpd.sjoin(points, regions, predicate="intersects", how="inner")
        return joined.groupby("code").size().reindex(regions["code"], fill_value=0)

    res, g_wall, g_cpu = best(ours, args.repeat)
    ref, b_wall, b_cpu = best(baseline, args.repeat)
    same = np.array_equal(res["park_count"].to_numpy(), ref.to_numpy())
    print(
        f"{args.n:,} points in {len(regions):,} regions "
        f"(mean {regions.geometry.count_coordinates().mean():.0f} vertices); "
        f"{res.attrs['points_outside']:,} points in no region"
    )
    print(f"geoproc.point_density     : wall {g_wall:7.2f} s   cpu {g_cpu:7.2f} s")
    print(f"geopandas sjoin + groupby : wall {b_wall:7.2f} s   cpu {b_cpu:7.2f} s")
    print(f"ratio sjoin/geoproc       : wall {b_wall / g_wall:7.1f} x   cpu {b_cpu / g_cpu:7.1f} x")
    print(f"same counts: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
