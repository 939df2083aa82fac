"""Weights file formats (parsing and writing; :mod:`geoproc.weights.io` is the public side): full-matrix CSV, GAL (GeoDa/libpysal neighbour lists), GWT (weighted links).

Formats
-------
CSV
    First column ``id``, header row of the same ids in the same order, then the
    N x N values. Values are written with full precision (shortest repr that
    round-trips), so a read gives back the same floats.
GAL
    GeoDa header ``0 N name idvar``, then per region a line ``id k`` and a line
    of its k neighbour ids (an empty line for an island). Binary: it holds
    neighbours, not values. Readable by ``libpysal.io.open(path).read()``.
GWT
    Header ``0 N name idvar``, then one line ``i j w_ij`` per link. Islands have
    no line, so the format cannot carry them (a warning says so).

Ids keep their type: ids that are all whole numbers without leading zeros are
read back as ``int`` (administrative codes), everything else as ``str``.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from geoproc.errors import GeoprocInputError
from geoproc.outputs import atomic_output

if TYPE_CHECKING:
    from geoproc.weights.base import SpatialWeights

__all__ = ["FORMATS", "check_format", "read_file", "write_file"]

FORMATS = (".csv", ".gal", ".gwt")
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")


def check_format(path: Path) -> str:
    """The suffix of a weights file name, or an error naming the formats."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise GeoprocInputError(
            f"weights file {path}: unknown format {suffix or '(no suffix)'!r}; use {', '.join(FORMATS)}"
        )
    return suffix


def _typed_ids(ids: list[str]) -> list:
    """Whole numbers stay numbers (codes like 320000); "001" or "A1" stay strings."""
    if ids and all(_INT.match(s) for s in ids):
        return [int(s) for s in ids]
    return list(ids)


def _token_ids(w: SpatialWeights, fmt: str) -> list[str]:
    out = [str(i) for i in w.ids]
    bad = [s for s in out if not s or re.search(r"\s", s)]
    if bad:
        raise GeoprocInputError(
            f"{fmt} files separate ids by spaces; these ids contain blanks: "
            f"{', '.join(repr(b) for b in bad[:10])}; use .csv or another id column"
        )
    return out


def _blankless(s: str) -> str:
    return re.sub(r"\s+", "_", s) or "unnamed"


def _header_name(w: SpatialWeights, path: Path) -> str:
    return _blankless(str(w.meta.get("id_field", "id")))


# --- writing -------------------------------------------------------------------------
def write_file(w: SpatialWeights, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write weights as full-matrix CSV, GAL or GWT, chosen by the file suffix.

    Parameters
    ----------
    w : SpatialWeights, libpysal W or Graph
        The weights.
    path : str or path
        ``.csv``, ``.gal`` or ``.gwt``.
    overwrite : bool
        Replace an existing file (otherwise refused).

    Returns
    -------
    Path
        The file written. The file appears only when complete (atomic write).

    Raises
    ------
    GeoprocInputError
        Unknown suffix; non-binary weights to GAL (values would be lost); ids
        with blanks to GAL/GWT.
    """
    path = Path(path)
    fmt = check_format(path)
    if fmt == ".gal":
        _check_gal_values(w, path)
        tokens = _token_ids(w, "GAL")
    elif fmt == ".gwt":
        tokens = _token_ids(w, "GWT")
        if w.islands:
            warnings.warn(
                f"{path.name}: GWT has no way to list regions without neighbours; "
                f"{', '.join(map(str, w.islands))} will be missing when read back "
                "(use .csv or .gal to keep them)",
                UserWarning,
                stacklevel=2,
            )
    if fmt == ".csv":  # N x N cells: refuse before anything is written if it cannot fit
        from geoproc.resources import check_dense_weights_csv

        check_dense_weights_csv(w.n, w.sparse.nnz, path)
    with atomic_output(path, overwrite) as tmp:
        if fmt == ".csv":
            _write_csv(w, tmp)
        elif fmt == ".gal":
            _write_gal(w, tmp, tokens, _header_name(w, path), path.stem)
        else:
            _write_gwt(w, tmp, tokens, _header_name(w, path), path.stem)
    return path


def _check_gal_values(w: SpatialWeights, path: Path) -> None:
    """GAL keeps only who neighbours whom; refuse values that it would lose."""
    m = w.sparse
    if m.nnz == 0 or np.all(m.data == 1.0):
        return
    # Row-standardised binary weights are still fully described by the neighbour lists.
    rowmax = np.maximum.reduceat(m.data, m.indptr[:-1][np.diff(m.indptr) > 0])
    rowmin = np.minimum.reduceat(m.data, m.indptr[:-1][np.diff(m.indptr) > 0])
    if np.allclose(rowmax, rowmin, rtol=1e-12, atol=0):
        warnings.warn(
            f"{path.name}: GAL stores neighbours only; the row-standardised values are not "
            "written (row-standardise again after reading)",
            UserWarning,
            stacklevel=3,
        )
        return
    raise GeoprocInputError(
        f"{path.name}: {w.kind} weights have values (not just neighbours) and GAL would lose "
        "them; write .gwt or .csv instead"
    )


def _pyarrow_csv():
    """pyarrow's CSV module if installed (optional: ~10x faster, same exact floats)."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - depends on the environment
        return None, None
    return pa, pcsv


def _needs_quotes(texts: list[str]) -> bool:
    return any(any(c in t for c in ',"\n\r') for t in texts)


def _write_csv(w: SpatialWeights, tmp: Path) -> None:
    ids = [str(i) for i in w.ids]
    full = w.full()
    pa, pcsv = _pyarrow_csv()
    if pa is not None:
        # Arrow prints the shortest repr that reads back to the same double (like
        # Python's repr), ~10x faster than pandas for the dense 3,000 x 3,000 matrices.
        names = ["id"] + [f"c{k}" for k in range(len(ids))]
        table = pa.table([pa.array(ids, pa.string())] + [full[:, j] for j in range(len(ids))],
                         names=names)
        quoting = "needed" if _needs_quotes(ids) else "none"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(_csv_line(["id", *ids]))
        with open(tmp, "ab") as f:
            pcsv.write_csv(table, f, pcsv.WriteOptions(include_header=False, quoting_style=quoting))
        return
    frame = pd.DataFrame(full, index=pd.Index(ids, name="id"), columns=ids)
    frame.to_csv(tmp, encoding="utf-8", lineterminator="\n")


def _csv_line(cells: list[str]) -> str:
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _write_gal(w: SpatialWeights, tmp: Path, tokens: list[str], idvar: str, name: str) -> None:
    m = w.sparse
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"0 {w.n} {_blankless(name)} {idvar}\n")
        for i in range(w.n):
            nb = m.indices[m.indptr[i]:m.indptr[i + 1]]
            f.write(f"{tokens[i]} {nb.size}\n")
            f.write(" ".join(tokens[j] for j in nb) + "\n")


def _write_gwt(w: SpatialWeights, tmp: Path, tokens: list[str], idvar: str, name: str) -> None:
    m = w.sparse.tocoo()
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"0 {w.n} {_blankless(name)} {idvar}\n")
    tok = np.asarray(tokens, dtype=object)
    pa, pcsv = _pyarrow_csv()
    if pa is not None:
        table = pa.table([pa.array(tok[m.row], pa.string()), pa.array(tok[m.col], pa.string()),
                          pa.array(m.data, pa.float64())], names=["i", "j", "w"])
        with open(tmp, "ab") as f:
            pcsv.write_csv(table, f, pcsv.WriteOptions(include_header=False, delimiter=" ",
                                                       quoting_style="none"))
        return
    with open(tmp, "a", encoding="utf-8", newline="\n") as f:
        # repr(float) is the shortest string that reads back to the same float
        f.writelines(f"{a} {b} {v!r}\n" for a, b, v in zip(tok[m.row], tok[m.col], m.data.tolist(),
                                                          strict=True))


# --- reading -------------------------------------------------------------------------
def read_file(path: str | os.PathLike) -> tuple[Any, list, dict, str]:
    """Parse a weights file: ``(matrix, ids, meta, format)``, ids typed (see module doc)."""
    path = Path(path)
    fmt = check_format(path)
    if not path.exists():
        raise FileNotFoundError(f"weights file {path} does not exist")
    reader = {".csv": _read_csv, ".gal": _read_gal, ".gwt": _read_gwt}[fmt]
    m, ids, meta = reader(path)
    return m, _typed_ids(ids), {"source": str(path), **meta}, fmt


def _read_csv(path: Path) -> tuple[Any, list[str], dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        try:
            header = next(csv.reader(f))
        except StopIteration:
            raise GeoprocInputError(f"weights file {path} is empty") from None
    if not header or header[0].strip().lower() not in ("id", ""):
        raise GeoprocInputError(
            f"weights file {path}: the first column must be 'id' (the region ids), found {header[0]!r}"
        )
    col_ids = [h.strip() for h in header[1:]]
    # Our own column names: pandas would rename repeated or empty header cells.
    names = ["__id__"] + [f"c{k}" for k in range(len(col_ids))]
    fast = _read_csv_arrow(path, names)
    if fast is not None:
        row_ids, values = fast
        _check_square(path, row_ids, col_ids)
        return values, row_ids, {}
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", header=None, skiprows=1, names=names,
                         dtype={"__id__": str}, index_col=0, float_precision="round_trip")
    except pd.errors.ParserError as exc:
        raise GeoprocInputError(
            f"weights file {path}: rows do not all have {len(names)} cells like the header ({exc})"
        ) from None
    row_ids = [str(i).strip() for i in df.index]
    _check_square(path, row_ids, col_ids)
    values = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = bad[0]
        raw = df.iat[r, c]
        raise GeoprocInputError(
            f"weights file {path}: row {row_ids[r]!r}, column {col_ids[c]!r} is "
            f"{'empty' if pd.isna(raw) else repr(raw)}; every cell must be a number"
        )
    return values, row_ids, {}


def _check_square(path: Path, row_ids: list[str], col_ids: list[str]) -> None:
    if len(row_ids) != len(col_ids):
        raise GeoprocInputError(
            f"weights file {path}: {len(row_ids)} rows but {len(col_ids)} id columns in the header; "
            "a full matrix needs the same ids down the first column and across the header"
        )
    diff = [k for k, (a, b) in enumerate(zip(row_ids, col_ids, strict=True)) if a != b]
    if diff:
        k = diff[0]
        raise GeoprocInputError(
            f"weights file {path}: the header ids differ from the id column ({len(diff)} positions); "
            f"first at position {k + 1}: row id {row_ids[k]!r}, header id {col_ids[k]!r}"
        )


def _read_csv_arrow(path: Path, names: list[str]) -> tuple[list[str], np.ndarray] | None:
    """Fast exact read with pyarrow; ``None`` (use pandas, which names the bad cell) on any problem."""
    pa, pcsv = _pyarrow_csv()
    if pa is None:
        return None
    try:
        t = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pcsv.ConvertOptions(
                column_types={"__id__": pa.string(), **{c: pa.float64() for c in names[1:]}}),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if any(t.column(c).null_count for c in names):
        return None
    values = np.column_stack([t.column(c).to_numpy() for c in names[1:]]) if len(names) > 1 \
        else np.zeros((t.num_rows, 0))
    if not np.all(np.isfinite(values)):
        return None
    return [s.strip() for s in t.column("__id__").to_pylist()], values


def _lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig") as f:
        return f.read().splitlines()


def _header(path: Path, line: str) -> tuple[int, dict]:
    parts = line.split()
    try:
        if len(parts) == 1:
            return int(parts[0]), {}
        if len(parts) >= 2:
            meta = {"id_field": parts[3]} if len(parts) >= 4 else {}
            return int(parts[1]), meta
    except ValueError:
        pass
    raise GeoprocInputError(f"weights file {path}: cannot read the header line {line!r}")


def _read_gal(path: Path) -> tuple[Any, list[str], dict]:
    lines = _lines(path)
    if not lines:
        raise GeoprocInputError(f"weights file {path} is empty")
    n, meta = _header(path, lines[0])
    ids: list[str] = []
    nbrs: list[list[str]] = []
    k = 1
    while len(ids) < n:
        while k < len(lines) and not lines[k].strip():
            k += 1
        if k >= len(lines):
            raise GeoprocInputError(f"weights file {path}: header says {n} regions, found {len(ids)}")
        parts = lines[k].split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise GeoprocInputError(f"weights file {path}, line {k + 1}: expected 'id count', got {lines[k]!r}")
        count = int(parts[1])
        ids.append(parts[0])
        k += 1
        if count:
            got = lines[k].split() if k < len(lines) else []
            if len(got) != count:
                raise GeoprocInputError(
                    f"weights file {path}, line {k + 1}: region {parts[0]!r} should list {count} "
                    f"neighbours, found {len(got)}"
                )
            nbrs.append(got)
            k += 1
        else:
            nbrs.append([])
    pos = {s: i for i, s in enumerate(ids)}
    if len(pos) != len(ids):
        dup = pd.Index(ids)[pd.Index(ids).duplicated()]
        raise GeoprocInputError(f"weights file {path}: duplicate ids {', '.join(dup[:10])}")
    rows, cols = [], []
    for i, js in enumerate(nbrs):
        for j in js:
            if j not in pos:
                raise GeoprocInputError(
                    f"weights file {path}: region {ids[i]!r} lists neighbour {j!r}, which is not a region"
                )
            rows.append(i)
            cols.append(pos[j])
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return m, ids, meta


def _read_gwt(path: Path) -> tuple[Any, list[str], dict]:
    with open(path, encoding="utf-8-sig") as f:
        first = f.readline()
    if not first.strip():
        raise GeoprocInputError(f"weights file {path} is empty")
    n, meta = _header(path, first)
    links = _read_gwt_arrow(path)
    if links is None:
        links = _read_gwt_pandas(path)
    rows, cols, v, ids = links
    if len(ids) < n:
        warnings.warn(
            f"weights file {path}: header says {n} regions but only {len(ids)} have links; "
            "GWT cannot name regions without neighbours, so they are left out",
            UserWarning,
            stacklevel=3,
        )
    dup = pd.DataFrame({"r": rows, "c": cols}).duplicated().to_numpy() | (rows == cols)
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise GeoprocInputError(
            f"weights file {path}: repeated or self link {ids[rows[k]]} {ids[cols[k]]}"
        )
    m = sparse.csr_matrix((v, (rows, cols)), shape=(len(ids), len(ids)))
    return m, ids, meta


def _read_gwt_arrow(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list] | None:
    """Links of a single-space separated GWT (ours, libpysal's) with pyarrow; else ``None``."""
    pa, pcsv = _pyarrow_csv()
    if pa is None:
        return None
    try:
        t = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=["i", "j", "w"], skip_rows=1),
            parse_options=pcsv.ParseOptions(delimiter=" "),
            convert_options=pcsv.ConvertOptions(
                column_types={"i": pa.string(), "j": pa.string(), "w": pa.float64()}),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if any(t.column(c).null_count for c in ("i", "j", "w")):
        return None
    w = t.column("w").to_numpy()
    if not np.all(np.isfinite(w)):
        return None
    # dictionary encoding numbers the ids in order of first appearance, like pd.factorize
    both = pa.concat_arrays(t.column("i").chunks + t.column("j").chunks).dictionary_encode()
    codes = both.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes[: t.num_rows], codes[t.num_rows:], w, both.dictionary.to_pylist()


def _read_gwt_pandas(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Links of any whitespace-separated GWT, naming the first bad line."""
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, skiprows=1, names=["i", "j", "w"],
                         dtype={"i": str, "j": str}, float_precision="round_trip",
                         encoding="utf-8-sig")
    except pd.errors.ParserError as exc:
        raise GeoprocInputError(
            f"weights file {path}: expected lines 'id neighbour weight' ({exc})"
        ) from None
    except pd.errors.EmptyDataError:
        return np.array([], np.int64), np.array([], np.int64), np.array([], float), []
    v = df["w"] if pd.api.types.is_numeric_dtype(df["w"]) else pd.to_numeric(df["w"], errors="coerce")
    v = v.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(v) | df["j"].isna().to_numpy())
    if bad.size:
        r = df.iloc[bad[0]]
        raise GeoprocInputError(
            f"weights file {path}: the link {r['i']} -> {r['j']} has weight {r['w']!r}; "
            "expected lines 'id neighbour weight'"
        )
    codes, uniques = pd.factorize(np.concatenate([df["i"].to_numpy(dtype=object),
                                                  df["j"].to_numpy(dtype=object)]))
    return codes[: len(df)], codes[len(df):], v, [str(x) for x in uniques]
