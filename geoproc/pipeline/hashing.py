"""Content hashes of a pipeline's inputs and options (the keys of its cache).

A vector source is more than one file: a shapefile's attributes are in its ``.dbf``,
its index in ``.shx``, its CRS in ``.prj`` and its encoding in ``.cpg``, and a folder
source (a shapefile folder, a FileGDB) is every file under it. All of them enter the
hash, so editing any one reruns the steps that read it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["SHAPEFILE_SIDECARS", "digest", "file_hash", "source_files", "source_hashes"]

#: the files of a shapefile besides the ``.shp`` that change what is read
SHAPEFILE_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")

# No memo by (size, mtime): a file rewritten within the clock's tick at the same size (a
# shapefile's .dbf after an attribute edit) would keep its old hash; hashing the inputs
# again costs milliseconds.


def digest(obj: Any) -> str:
    """SHA-256 of ``obj`` as canonical JSON (sorted keys; other objects by ``str``)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_files(path: str | os.PathLike) -> list[Path]:
    """The files a source consists of: every file under a folder (sorted), a shapefile's
    ``.shp`` with its existing sidecars (any letter case), else the file itself."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.is_file())
    if p.suffix.lower() == ".shp":
        side = {f.suffix.lower(): f for f in p.parent.glob(f"{p.stem}.*")
                if f.stem == p.stem and f.suffix.lower() in SHAPEFILE_SIDECARS}
        return [p] + [side[s] for s in SHAPEFILE_SIDECARS if s in side]
    return [p]


def source_hashes(path: str | os.PathLike) -> dict[str, str]:
    """``{name: sha256}`` of each file of a source; names relative to the source's folder
    (so moving the whole input folder does not count as a change)."""
    p = Path(path)
    base = p if p.is_dir() else p.parent
    return {(f"{p.name}/" if p.is_dir() else "") + f.relative_to(base).as_posix(): file_hash(f)
            for f in source_files(p)}
