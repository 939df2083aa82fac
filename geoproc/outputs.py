"""Writing output files safely: never overwrite unless asked, never leave half a file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_output", "check_output"]


def check_output(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Refuse an existing output file unless ``overwrite``; refuse a path that is a folder.

    Call this before any computation so that a long job does not fail at the end.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"output {path} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"output {path} already exists; give --overwrite (Python: overwrite=True) to replace it"
        )
    return path


@contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The temporary name keeps the suffix so that drivers (GDAL, pandas) infer the
    format from it. On any exception the temporary file is removed and ``path`` is
    untouched.
    """
    path = check_output(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part-{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"nothing was written to the temporary file for {path}")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
