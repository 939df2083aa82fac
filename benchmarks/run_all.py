"""Run every benchmark at a size that finishes in minutes; each prints its own ratio.

    .venv/bin/python benchmarks/run_all.py [--full]

``--full`` uses the sizes recorded in RESULTS.md (10,000 points, 1,000,000 KDE points,
N = 3,000 SDM, 300,000 LISA regions, 10^7 counted points...), which take much longer
(an hour or more on 2 cores). Each benchmark runs in its own process so
one's warm caches do not flatter another.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (benchmark, quick arguments, full arguments); None: not run at that size. The scale
# ratios of issue 18 (weights vs libpysal, LISA vs pygeoda/esda warm and cold, KDE vs
# qgis_process, counts vs geopandas sjoin) are the bench_scale / bench_kde_cli /
# bench_density lines; the biggest sizes (300,000 regions, 10^7 points) need --full.
BENCHMARKS: list[tuple[str, list[str] | None, list[str] | None]] = [
    ("bench_distances.py", ["--n", "2000"], ["--n", "10000"]),
    ("bench_weights.py", ["--n", "1000"], ["--io", "1500"]),
    ("bench_indices.py", [], []),
    ("bench_lisa.py", [], []),
    ("bench_scale.py", ["--sizes", "3000", "30000"], ["--sizes", "3000", "30000"]),
    ("bench_scale.py", None, ["--sizes", "300000", "--no-esda", "--once"]),
    ("bench_density.py", ["--n", "1000000"], ["--n", "10000000"]),
    ("bench_kde.py", ["--n", "50000"], []),
    ("bench_kde_cli.py", ["--n", "100000", "--repeat", "3"], ["--n", "100000", "--repeat", "3"]),
    ("bench_kde_cli.py", ["--n", "1000000", "--repeat", "3"], ["--n", "1000000", "--repeat", "5"]),
    ("bench_sdm.py", ["--n", "500"], []),
    ("bench_maps.py", [], []),
    ("bench_pipeline.py", [], []),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the sizes recorded in RESULTS.md")
    args = parser.parse_args()
    failed = []
    for script, quick, full in BENCHMARKS:
        argv = full if args.full else quick
        if argv is None:
            continue
        print(f"\n=== {script} {' '.join(argv)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *argv]).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
