"""The README runs as copied: every ```bash and ```python block, in order, in a fresh folder.

The blocks run as a new user would run them after ``make demo``: in a folder that holds
the checkout's tracked files (the shipped ``data/``, ``geoproc/pipelines/`` ...) and
nothing else, with ``geoproc`` on the PATH (the README says how: ``source
.venv/bin/activate`` or ``.venv/bin/geoproc``; here a ``geoproc`` that runs this
checkout's code). Later blocks may use files earlier ones wrote, as a reader going down
the page would.

A block that must not run here (it installs system packages, or runs the whole demo)
is preceded by the Markdown comment ``<!-- readme-test: skip -->`` (invisible when the
README is rendered), optionally followed by a reason. Sections added later are picked up
automatically.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = "<!-- readme-test: skip"
FENCE = re.compile(r"^```(bash|python)\s*\n(.*?)^```\s*$", re.M | re.S)


def readme_blocks(text: str) -> list[tuple[str, str, int, bool]]:
    """(language, code, line, skipped) of every fenced bash/python block, in order."""
    out = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip().splitlines()
        skipped = bool(before) and before[-1].strip().startswith(SKIP)
        out.append((m[1], m[2], line, skipped))
    return out


def test_extractor_finds_blocks_and_markers():
    text = "a\n```bash\necho 1\n```\n<!-- readme-test: skip (installs) -->\n```python\nx=1\n```\n```sh\nno\n```\n"
    assert readme_blocks(text) == [("bash", "echo 1\n", 2, False), ("python", "x=1\n", 6, True)]


def _fresh_checkout(dest: Path) -> None:
    """The checkout's tracked files (what a fresh clone has), without .git, out/ or .venv."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for rel in files.stdout.decode().split("\0"):
        if not rel:
            continue
        src = ROOT / rel
        if not src.exists() or src.is_dir():
            continue  # deleted in the work tree, or a submodule
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)


@pytest.mark.slow
def test_readme_runs_as_copied(tmp_path):
    work = tmp_path / "clone"
    _fresh_checkout(work)
    blocks = readme_blocks((work / "README.md").read_text(encoding="utf-8"))
    assert any(not skipped for *_, skipped in blocks), "no runnable block in README.md"

    # `geoproc` as the README's `source .venv/bin/activate` gives it, but running the copy
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "geoproc"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m geoproc "$@"\n')
    launcher.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(work), "PYTHONWARNINGS": "default", "MPLBACKEND": "Agg"}

    for lang, code, line, skipped in blocks:
        if skipped:
            continue
        cmd = ["bash", "-euo", "pipefail", "-c", code] if lang == "bash" else [sys.executable, "-c", code]
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=900)
        where = f"README.md line {line} ({lang})"
        assert proc.returncode == 0, f"{where} failed:\n{code}\n--- stderr ---\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr, f"{where}:\n{proc.stderr[-3000:]}"
        # the shipped data's defaults run without warnings (issue 13)
        assert "warning" not in proc.stderr.lower(), f"{where} warned:\n{proc.stderr[-3000:]}"

    lisa = work / "lisa.gpkg"
    if lisa.exists():  # the LISA example is seeded and finds clusters under FDR
        import geopandas as gpd

        clusters = gpd.read_file(lisa)["cluster"]
        assert (clusters != "Not significant").any(), "README's LISA example maps nothing"
    assert not list(work.rglob(".*.part-*")), "partial files left behind"
