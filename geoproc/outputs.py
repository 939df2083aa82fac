"""Writing output files safely: never an input, never overwrite unless asked, never half a file.

Every output is written to a hidden partial file beside it (``.<stem>.part-<host>-<pid>-<rand><suffix>``)
and moved into place only when complete. What can go wrong, and what happens:

- the output is one of the run's inputs (same file after resolving links and case):
  refused, with or without overwrite -- inputs are never modified;
- an exception or Ctrl-C: the partial file is removed;
- SIGTERM (what ``timeout``, ``kill`` and batch schedulers send): while a partial file
  is open it is turned into the same cleanup as Ctrl-C (:func:`terminate_as_interrupt`);
- SIGKILL or a power cut cannot be caught: the next write into the same folder removes
  partial files whose process (same host, PID in the name) no longer runs, and partial
  files of older geoproc versions that carry no PID (``.<stem>.part-<8hex><suffix>``)
  once older than :data:`OLD_PART_AGE` (24 h, so a still-running old version keeps its file);
- a full disk or quota: one-line :class:`~geoproc.errors.GeoprocInputError` naming the file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from geoproc.errors import GeoprocInputError

__all__ = [
    "Terminated",
    "atomic_output",
    "check_not_input",
    "check_output",
    "command_inputs",
    "disk_full_error",
    "part_path",
    "protect_inputs",
    "remove_stale_parts",
    "same_file",
    "terminate_as_interrupt",
]

# How to ask for overwriting, as the caller's user interface spells it.
OVERWRITE_HINT = "give --overwrite (Python: overwrite=True) to replace it"

_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
# .<stem>.part-<host>-<pid>-<rand><suffix>; the host tag keeps a run on another machine
# sharing the folder (NFS, a cluster) from being taken for dead
_PART = re.compile(r"^\..*\.part-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}(\.[^.]*)?$")
# the older form (no host, no PID): judged by age only
_OLD_PART = re.compile(r"^\..*\.part-[0-9a-f]{8}(\.[^.]*)?$")
#: seconds after which a partial file without a PID (older geoproc) counts as abandoned
OLD_PART_AGE = 24 * 3600
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_FULL_TEXT = ("no space left on device", "disk quota exceeded", "file too large")


# inputs of the command or pipeline running now, registered once by its entry point so
# that every writer below refuses them without each call site listing them
_PROTECTED: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("geoproc_protected", default=())


@contextmanager
def protect_inputs(
    inputs: Mapping[str, str | os.PathLike | None] | Iterable | None,
) -> Iterator[None]:
    """Within the block, every :func:`check_output` / :func:`atomic_output` refuses these inputs.

    The CLI registers the files named on the command line, the pipeline the files its
    configuration reads, so that no writer has to be told which files are inputs.
    """
    token = _PROTECTED.set(_PROTECTED.get() + tuple(_named_inputs(inputs)))
    try:
        yield
    finally:
        _PROTECTED.reset(token)


# argparse destinations that name files a command writes (everything else it reads)
OUTPUT_OPTIONS = frozenset({"output", "json", "map", "kde", "scatter", "regions_output", "ellipse", "ann",
                            "ripley", "ripley_plot"})


def command_inputs(args: Any) -> list[tuple[str, str]]:
    """The existing files an ``argparse`` namespace names outside its output options.

    Values may be lists (repeated options) and ``NAME=PATH`` pairs (``--weights
    W=w.gal``); a role is the option's name (``panel``, ``regions``, ``mass`` ...).
    """
    found: list[tuple[str, str]] = []
    for dest, value in vars(args).items():
        if dest in OUTPUT_OPTIONS or callable(value):
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(v, str | os.PathLike):
                continue
            text = os.fspath(v)
            for candidate in dict.fromkeys((text, text.split("=", 1)[-1])):
                if os.path.isfile(candidate.split("|", 1)[0]):
                    found.append((dest.replace("_", " "), candidate))
    return found


class Terminated(KeyboardInterrupt):
    """SIGTERM received: cleaned up like Ctrl-C (a KeyboardInterrupt), exit status 143."""


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:  # pragma: no cover - every signal we install is named
        return str(signum)


def _raise_terminated(signum, frame):  # noqa: ARG001 - signal handler signature
    raise Terminated(f"stopped by {_signal_name(signum)}")


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` so ``finally`` clauses run.

    Only in the main thread and only when nobody installed a SIGTERM handler (an
    application that did keeps its own); elsewhere (QGIS worker threads) a no-op.
    Nested use is fine: the outermost block restores the previous handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):  # pragma: no cover - exotic embedding
        yield
        return
    if previous not in (signal.SIG_DFL, None):
        yield  # ours already (nested), or the application's own
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name the same file: one inode when both exist, else equal paths.

    Existing files are compared by device and inode (``os.path.samefile``), which sees
    through symbolic and hard links, ``..`` and case-insensitive file systems. When one
    does not exist the normalised absolute paths are compared (links resolved, case
    folded where the platform folds it).
    """
    try:
        return os.path.samefile(a, b)
    except OSError:
        pass

    def norm(p: str | os.PathLike) -> str:
        return os.path.normcase(os.path.realpath(os.path.expanduser(os.fspath(p))))

    return norm(a) == norm(b)


def _named_inputs(inputs) -> list[tuple[str, str]]:
    if inputs is None:
        return []
    if isinstance(inputs, Mapping):
        items = list(inputs.items())
    elif isinstance(inputs, str | os.PathLike):
        items = [("input", inputs)]
    else:
        items = [p if isinstance(p, tuple) and len(p) == 2 else ("input", p) for p in inputs]
    out = []
    for name, p in items:
        if p is None or not isinstance(p, str | os.PathLike):
            continue  # in-memory frames, shipped layer objects: nothing on disk to protect
        text = os.fspath(p)
        if "://" in text:
            continue  # URLs and /vsi paths are not files we could overwrite
        out.append((str(name), text.split("|", 1)[0]))  # QGIS "file.gpkg|layername=x"
    return out


def check_not_input(
    path: str | os.PathLike,
    inputs: Mapping[str, str | os.PathLike | None] | Iterable[str | os.PathLike | None] | None,
) -> None:
    """Refuse an output that is one of the inputs, whatever the overwrite setting.

    Parameters
    ----------
    path : str or path
        The output about to be written.
    inputs : mapping of role -> path, or iterable of paths
        The run's input files (e.g. ``{"panel": "panel.csv", "regions": "prov.gpkg"}``);
        ``None`` entries, in-memory objects and shipped layer names that are not files
        are skipped. A QGIS source ``file.gpkg|layername=x`` counts as ``file.gpkg``.
        Inputs registered with :func:`protect_inputs` are checked too.

    Raises
    ------
    GeoprocInputError
        Naming the output and the input (with its role). A GeoPackage counts as one
        file: writing another layer into the input GeoPackage is refused too.
    """
    for role, src in [*_named_inputs(inputs), *_PROTECTED.get()]:
        if same_file(path, src):
            shown = src if os.fspath(path) == src else f"{src} (the same file as {os.fspath(path)})"
            raise GeoprocInputError(
                f"output {os.fspath(path)} is the {role} {shown}; inputs are never modified, "
                "so write the output under another name"
            )


def check_output(
    path: str | os.PathLike,
    overwrite: bool = False,
    inputs: Mapping[str, str | os.PathLike | None] | Iterable | None = None,
    overwrite_hint: str = OVERWRITE_HINT,
) -> Path:
    """Refuse an output that is an input, a folder, or an existing file unless ``overwrite``.

    Call this before any computation so that a long job does not fail at the end.

    Parameters
    ----------
    path : str or path
        The output file.
    overwrite : bool
        Replace an existing file (never an input).
    inputs : mapping or iterable, optional
        The run's inputs, see :func:`check_not_input`.
    overwrite_hint : str
        How the caller's interface asks for overwriting (QGIS: "set OVERWRITE ...").

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    check_not_input(path, inputs)
    if path.is_dir():
        raise IsADirectoryError(f"output {path} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise FileExistsError(f"output {path} already exists; {overwrite_hint}")
    return path


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists under another user (or cannot tell): keep its file
    return True


def _older_than(entry: os.DirEntry, seconds: float) -> bool:
    try:
        return time.time() - entry.stat().st_mtime > seconds
    except OSError:
        return False


def remove_stale_parts(folder: str | os.PathLike) -> list[Path]:
    """Remove partial files left in ``folder`` by killed runs on this host; return them.

    A partial file is stale when the process named in it (same host tag) no longer
    runs. A PID reused by an unrelated live process keeps its file (safe side). Partial
    files of older geoproc versions carry no PID (``.<stem>.part-<8hex><suffix>``); they
    are removed once last modified more than :data:`OLD_PART_AGE` seconds ago.
    """
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _PART.match(entry.name)
        if m is None:
            if not _OLD_PART.match(entry.name) or not _older_than(entry, OLD_PART_AGE):
                continue
        elif m["host"] != _HOST or int(m["pid"]) == os.getpid() or _pid_alive(int(m["pid"])):
            continue
        try:
            Path(entry.path).unlink()
            removed.append(Path(entry.path))
        except FileNotFoundError:  # another run cleaned it first
            pass
        except IsADirectoryError:  # pragma: no cover - not one of ours
            pass
    return removed


def part_path(path: str | os.PathLike) -> Path:
    """The hidden partial name for ``path``: keeps the suffix so drivers infer the format."""
    path = Path(path)
    return path.with_name(
        f".{path.stem}.part-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}"
    )


def _is_disk_full(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return True
        if any(t in str(exc).lower() for t in _FULL_TEXT):  # GDAL/pyogrio wrap the errno
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full_error(path: str | os.PathLike, exc: BaseException) -> GeoprocInputError | None:
    """A one-line error naming ``path`` if ``exc`` is a full disk or quota, else None."""
    if not _is_disk_full(exc):
        return None
    folder = Path(path).resolve().parent
    try:
        import shutil

        free = f" ({shutil.disk_usage(folder).free / 2**20:,.0f} MB free there now)"
    except OSError:
        free = ""
    return GeoprocInputError(
        f"the disk is full (or over quota) while writing {os.fspath(path)}{free}; "
        "free space or write to another folder; the partial file was removed"
    )


@contextmanager
def atomic_output(
    path: str | os.PathLike,
    overwrite: bool = False,
    inputs: Mapping[str, str | os.PathLike | None] | Iterable | None = None,
    overwrite_hint: str = OVERWRITE_HINT,
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The temporary name keeps the suffix so that drivers (GDAL, pandas) infer the
    format from it. On any exception, Ctrl-C or SIGTERM the temporary file is removed
    and ``path`` is untouched; partial files of killed runs in the same folder are
    removed first. A full disk becomes a :class:`~geoproc.errors.GeoprocInputError`
    naming ``path``. ``inputs`` and ``overwrite_hint`` as in :func:`check_output`.
    """
    path = check_output(path, overwrite, inputs, overwrite_hint)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path.parent)
    tmp = part_path(path)
    with terminate_as_interrupt():
        try:
            yield tmp
            if not tmp.exists():
                raise RuntimeError(f"nothing was written to the temporary file for {path}")
            companions = _companions(tmp)
            os.replace(tmp, path)
            # a Shapefile is a set (.shp .shx .dbf .prj .cpg): every member moves with it
            for member in companions:
                os.replace(member, path.with_name(path.stem + member.name[len(tmp.stem):]))
        except Exception as exc:
            full = disk_full_error(path, exc)
            if full is not None:
                raise full from exc
            raise
        finally:
            _remove(tmp)
            for member in _companions(tmp):
                _remove(member)


def _companions(tmp: Path) -> list[Path]:
    """Files a driver wrote beside ``tmp`` under the same (unique) temporary stem."""
    prefix = tmp.stem + "."
    try:
        return [p for p in tmp.parent.iterdir() if p.name.startswith(prefix) and p != tmp]
    except OSError:  # pragma: no cover - the folder went away
        return []


def _remove(tmp: Path) -> None:
    try:
        if tmp.is_dir():  # some drivers (shapefile sets, zarr) write a folder
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
    except OSError:  # pragma: no cover - best effort on the way out
        pass
