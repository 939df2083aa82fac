"""The weights container every geoproc analysis takes: a sparse N x N matrix with ids."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from geoproc.errors import GeoprocInputError

__all__ = ["SpatialWeights", "as_weights"]


class SpatialWeights:
    """N x N spatial weights labelled by region ids, stored as a scipy CSR matrix.

    libpysal's ``W`` builds Python dicts of every link, which is slow for the
    dense gravity matrices of thousands of regions; this container keeps the
    matrix sparse (or dense-in-sparse) and converts to ``W``/``Graph`` on demand.

    Parameters
    ----------
    matrix : array_like or scipy.sparse matrix
        N x N weights; the diagonal must be zero.
    ids : sequence
        Region ids in the order of the rows.
    kind : str
        What built it (``"queen"``, ``"gravity"``, ...), for reports.
    transform : {"O", "R"}
        ``"O"`` original values, ``"R"`` row-standardised.
    meta : dict, optional
        Build options worth reporting (distance method, power, mass column, ...).

    Attributes
    ----------
    ids : list
    n : int
    sparse : scipy.sparse.csr_matrix
    islands : list
        Ids of regions with no neighbour (an all-zero row).
    """

    def __init__(
        self,
        matrix: Any,
        ids: Sequence,
        kind: str = "custom",
        transform: str = "O",
        meta: dict | None = None,
    ) -> None:
        m = _to_csr(matrix)
        ids = list(ids)
        if m.shape[0] != m.shape[1]:
            raise GeoprocInputError(f"weights must be square, got shape {m.shape}")
        if len(ids) != m.shape[0]:
            raise GeoprocInputError(f"{len(ids)} ids for a {m.shape[0]} x {m.shape[0]} weights matrix")
        dup = pd.Index(ids)[pd.Index(ids).duplicated()]
        if len(dup):
            raise GeoprocInputError(f"duplicate weights ids: {', '.join(map(str, dup[:10]))}")
        if not np.all(np.isfinite(m.data)):
            raise GeoprocInputError("weights contain NaN or infinite values")
        diag = m.diagonal()
        if np.any(diag != 0):
            i = int(np.flatnonzero(diag)[0])
            raise GeoprocInputError(f"weights diagonal must be zero; region {ids[i]!r} has w_ii = {diag[i]}")
        if not m.data.all():  # the scan costs 50 ms at N = 3,000; skip it when nothing is zero
            m.eliminate_zeros()
        m.sort_indices()
        self.sparse: sparse.csr_matrix = m
        self.ids: list = ids
        self.kind = kind
        self.transform = transform
        self.meta: dict = dict(meta or {})

    # --- basic properties -------------------------------------------------
    @property
    def n(self) -> int:
        return self.sparse.shape[0]

    @property
    def cardinalities(self) -> pd.Series:
        """Number of neighbours of each region."""
        return pd.Series(np.diff(self.sparse.indptr), index=self.ids, name="cardinality")

    @property
    def islands(self) -> list:
        return [i for i, c in zip(self.ids, np.diff(self.sparse.indptr), strict=True) if c == 0]

    @property
    def s0(self) -> float:
        """Sum of all weights."""
        return float(self.sparse.sum())

    def full(self) -> np.ndarray:
        """Dense N x N array."""
        return self.sparse.toarray()

    def to_frame(self) -> pd.DataFrame:
        """Dense matrix as a DataFrame with ids as index and columns."""
        return pd.DataFrame(self.full(), index=pd.Index(self.ids, name="id"), columns=self.ids)

    def is_row_standardized(self, tol: float = 1e-10) -> bool:
        rs = np.asarray(self.sparse.sum(axis=1)).ravel()
        nonzero = np.diff(self.sparse.indptr) > 0
        return bool(np.all(np.abs(rs[nonzero] - 1.0) < tol))

    # --- transformations --------------------------------------------------
    def row_standardize(self) -> SpatialWeights:
        """A new, row-standardised copy (rows of islands stay zero)."""
        rs = np.asarray(self.sparse.sum(axis=1)).ravel()
        inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs != 0)
        m = sparse.diags(inv) @ self.sparse
        meta = {k: v for k, v in self.meta.items() if k != "units"}  # shares now, not km or mass
        return SpatialWeights(m, self.ids, self.kind, "R", meta)

    def lag(self, x: Any) -> np.ndarray:
        """Spatial lag W @ x."""
        return self.sparse @ np.asarray(x, dtype=float)

    def align(self, ids: Sequence, what: str = "data") -> SpatialWeights:
        """Reorder to ``ids``; ids that differ only in type (320000, "320000") match.

        The result carries ``ids`` as given. Raises listing the ids present on one side
        only (:func:`geoproc.ids.match_ids`).
        """
        from geoproc.ids import match_ids

        ids = list(ids)
        if ids == self.ids:
            return self
        order = match_ids(ids, self.ids, what_wanted=what, what_available="weights")
        m = self.sparse[order][:, order]
        return SpatialWeights(m, ids, self.kind, self.transform, self.meta)

    def subset(self, ids: Sequence) -> SpatialWeights:
        """The rows and columns of ``ids`` only (e.g. without dropped islands), in their order."""
        from geoproc.ids import match_ids

        idx = match_ids(ids, self.ids, what_wanted="subset", what_available="weights", extra="ignore")
        return SpatialWeights(self.sparse[idx][:, idx], list(ids), self.kind, self.transform, self.meta)

    # --- libpysal interop -------------------------------------------------
    def to_W(self):  # noqa: N802 - libpysal's name
        """libpysal ``W`` (islands kept, with a libpysal warning silenced)."""
        import warnings

        from libpysal.weights import WSP

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = WSP(self.sparse, id_order=list(self.ids)).to_W(silence_warnings=True)
            # The stored values are already transformed; W keeps them as its
            # "original" weights, and re-standardising them changes nothing.
            w.transform = self.transform
        return w

    def to_graph(self):
        """libpysal ``Graph``."""
        from libpysal.graph import Graph

        g = Graph.from_sparse(self.sparse, ids=np.asarray(self.ids, dtype=object))
        if self.transform == "R":
            g = Graph(g.adjacency, transformation="R", is_sorted=True)
        return g

    @classmethod
    def from_W(cls, w, kind: str = "custom") -> SpatialWeights:  # noqa: N802
        """From a libpysal ``W``, kept sparse (``W.sparse`` is in ``W.id_order``): never an
        N x N dense array, so a W of 50,000 regions costs its links, not 20 GB."""
        return cls(w.sparse, list(w.id_order), kind,
                   "R" if str(getattr(w, "transform", "O")).upper() == "R" else "O")

    @classmethod
    def from_graph(cls, g, kind: str = "custom") -> SpatialWeights:
        ids = g.unique_ids.tolist()
        return cls(g.sparse, ids, kind, "R" if str(getattr(g, "transformation", "O")).upper() == "R" else "O")

    @classmethod
    def from_dense(cls, matrix: Any, ids: Sequence, kind: str = "custom", **kw) -> SpatialWeights:
        return cls(np.asarray(matrix, dtype=float), ids, kind, **kw)

    # --- files -------------------------------------------------------------
    def write(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write as full-matrix CSV, GAL or GWT, by the file's suffix."""
        from geoproc.weights._formats import write_file

        write_file(self, path, overwrite)

    @classmethod
    def read(cls, path: str | os.PathLike) -> SpatialWeights:
        """Read a full-matrix CSV, GAL or GWT file (see :func:`geoproc.weights.read_weights`)."""
        from geoproc.weights._formats import read_file

        m, ids, meta, fmt = read_file(path)
        w = cls(m, ids, "file", "O", meta)
        if fmt != ".gal" and w.sparse.nnz and w.is_row_standardized():
            w.transform = "R"
        return w

    def summary(self) -> str:
        card = self.cardinalities
        lines = [
            f"SpatialWeights: {self.kind}, {self.n} regions, transform {self.transform}",
            f"  links {self.sparse.nnz}, neighbours per region min {card.min()} "
            f"mean {card.mean():.2f} max {card.max()}",
        ]
        if self.islands:
            lines.append(f"  islands: {', '.join(map(str, self.islands))}")
        for k, v in self.meta.items():
            lines.append(f"  {k}: {v}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<SpatialWeights {self.kind!r} n={self.n} links={self.sparse.nnz} "
                f"transform={self.transform!r} islands={len(self.islands)}>")


def _to_csr(matrix: Any) -> sparse.csr_matrix:
    """CSR from a sparse matrix, DataFrame or array.

    For a dense array the CSR arrays are built directly with numpy: scipy's
    ``csr_matrix(dense)`` takes ~3x longer on the 3,000 x 3,000 gravity matrix.
    """
    if sparse.issparse(matrix):
        return sparse.csr_matrix(matrix, dtype=float)
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2:
        raise GeoprocInputError(f"weights must be a 2-D matrix, got {a.ndim} dimension(s)")
    n_rows, n_cols = a.shape
    nz = a != 0
    itype = np.int32 if nz.size < 2**31 else np.int64  # scipy's own index type
    indptr = np.zeros(n_rows + 1, dtype=itype)
    np.cumsum(nz.sum(axis=1), out=indptr[1:])
    # boolean indexing walks each row left to right: indices come out sorted
    indices = np.broadcast_to(np.arange(n_cols, dtype=itype), a.shape)[nz]
    m = sparse.csr_matrix((a[nz], indices, indptr), shape=a.shape)
    m.has_sorted_indices = True
    return m


def as_weights(obj: Any, ids: Sequence | None = None) -> SpatialWeights:
    """Coerce ``obj`` to :class:`SpatialWeights`.

    Accepts a SpatialWeights, a libpysal ``W`` or ``Graph``, a scipy sparse
    matrix or 2-D array together with ``ids``, or the path of a weights file
    (full-matrix CSV, GAL, GWT) written by ``geoproc weights``.
    """
    if isinstance(obj, SpatialWeights):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return SpatialWeights.read(obj)
    mod = type(obj).__module__
    if mod.startswith("libpysal.weights"):
        return SpatialWeights.from_W(obj)
    if mod.startswith("libpysal.graph"):
        return SpatialWeights.from_graph(obj)
    if isinstance(obj, tuple) and len(obj) == 2 and ids is None:
        return as_weights(obj[0], ids=obj[1])  # (matrix, ids)
    if sparse.issparse(obj) or isinstance(obj, np.ndarray):
        if ids is None:
            raise GeoprocInputError("a weights matrix needs its ids (ids=[...]) in row order")
        return SpatialWeights(obj, ids)
    raise TypeError(
        f"weights must be SpatialWeights, libpysal W/Graph, a matrix with ids, or a file path; got {type(obj).__name__}"
    )
