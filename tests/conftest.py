"""Test-wide setup: no profile or cache lands in the real home; headless Qt; Agg plots."""

import os
import tempfile
from pathlib import Path

_home = Path(tempfile.mkdtemp(prefix="geoproc-test-home-"))
os.environ["HOME"] = str(_home)
os.environ["XDG_RUNTIME_DIR"] = str(_home / "runtime")
(_home / "runtime").mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
