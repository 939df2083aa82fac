"""The demo pipeline: first run vs an unchanged rerun (content-hash cache), same process.

The baseline is the first run of the shipped demo into an empty folder (every step
computed, the GeoPackage, report and QGIS project written); the rerun checks the input
files' hashes and the cache and skips every step. Also timed: a rerun with one LISA
option changed (only that step, its map, the GeoPackage, report and project redone).

Ratio: first run / unchanged rerun (the issue asks for >= 10).

From the shell (a fresh ``python -m geoproc run`` process each time, as a user reruns):
an unchanged rerun with the panels' columns cached in ``.geoproc/state.json`` against
the same rerun with that cache removed (every panel read again to validate, as before).

    .venv/bin/python benchmarks/bench_pipeline.py            # shipped demo (999 permutations, 1000 draws)
    .venv/bin/python benchmarks/bench_pipeline.py --light    # 99 permutations, 200 draws
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--light", action="store_true", help="99 permutations and 200 SDM draws")
    ap.add_argument("--no-project", action="store_true", help="leave out the QGIS project")
    args = ap.parse_args()
    from geoproc.pipeline import demo_pipeline_path, parse_pipeline, run_pipeline

    text = demo_pipeline_path().read_text(encoding="utf-8")
    if args.light:
        text = text.replace("permutations = 999", "permutations = 99").replace("draws = 1000", "draws = 200")
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        toml = Path(tmp) / "demo.toml"
        toml.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        project = not args.no_project

        def timed(t: str, **kw) -> tuple[float, object]:
            toml.write_text(t, encoding="utf-8")
            p = parse_pipeline(t, toml)
            t0 = time.perf_counter()
            res = run_pipeline(p, out, log=None, project=project, **kw)
            return time.perf_counter() - t0, res

        first, r1 = timed(text)
        rerun, r2 = timed(text)
        assert not r2.ran, r2.ran
        changed = text.replace("seed = 12345\nlayer = \"yrd_lisa_lq_2018\"", "seed = 54321\nlayer = \"yrd_lisa_lq_2018\"")
        assert changed != text
        one, r3 = timed(changed, overwrite=True)

        def shell(no_column_cache: bool) -> float:
            if no_column_cache:
                state = out / ".geoproc" / "state.json"
                doc = json.loads(state.read_text(encoding="utf-8"))
                doc.pop("columns", None)
                state.write_text(json.dumps(doc), encoding="utf-8")
            cmd = [sys.executable, "-m", "geoproc", "run", str(toml), "-o", str(out), "-q"]
            cmd += ["--no-project"] if not project else []
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True)
            dt = time.perf_counter() - t0
            assert r.returncode == 0 and " 0 ran," in r.stdout, (r.stdout, r.stderr)
            return dt

        shell(False)  # warm the file cache (and record the columns of the changed pipeline)
        cold = min(shell(True) for _ in range(3))
        warm = min(shell(False) for _ in range(3))
        start = min(_python_start() for _ in range(3))
    print(f"demo pipeline ({'light' if args.light else 'shipped'}): {len(r1.ran)} steps and outputs")
    print(f"  first run          {first:8.3f} s")
    print(f"  unchanged rerun    {rerun:8.3f} s  (skipped {len(r2.skipped)})  ratio first/rerun = {first / rerun:.0f}x")
    print(f"  one option changed {one:8.3f} s  (reran: {', '.join(r3.ran)})")
    print("from the shell, unchanged rerun (fresh process, best of 3):")
    print(f"  panels re-read to validate (before)   {cold:6.3f} s")
    print(f"  columns cached in state.json          {warm:6.3f} s  ratio = {cold / warm:.1f}x; "
          f"first run / shell rerun = {first / warm:.0f}x")
    print(f"  (python -c 'import geoproc' alone     {start:6.3f} s)")


def _python_start() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import geoproc"], check=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
