"""Global bivariate Moran's I: x against the spatial lag of y (esda's ``Moran_BV``).

Computed from the sparse matrix with esda's permutation draws, as
:mod:`geoproc.moran` computes the univariate statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.formatting import PERMUTATIONS, stars
from geoproc.ids import values_by_region
from geoproc.moran import check_global_permutations, check_moran_values, norm_sf
from geoproc.permutation import permutation_blocks, pseudo_p
from geoproc.weights.prepare import prepare_weights

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BivariateMoran", "bivariate_moran"]


@dataclass
class BivariateMoran:
    """Global bivariate Moran's I: x against the spatial lag of y (esda's ``Moran_BV``).

    Attributes
    ----------
    I : float
        zx' W zy / (n - 1), zx and zy standardised with ddof=1.
    sim : ndarray
        Permutation values (y permuted), empty without permutations.
    p_sim, EI_sim, z_sim, p_z_sim : float
        Pseudo p-value (esda's rule), mean of ``sim``, (I - EI_sim)/sd(sim) and its
        one-sided normal p-value, as esda.
    n, permutations, seed
    """

    I: float  # noqa: E741
    sim: np.ndarray
    p_sim: float
    EI_sim: float
    z_sim: float
    p_z_sim: float
    n: int
    permutations: int
    seed: int | None
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The statistic as a one-row table.

        Returns
        -------
        pandas.DataFrame
            Columns ``I, EI_sim, z_sim, p_sim, p_z_sim, n, permutations`` (esda's names).
        """
        import pandas as pd

        return pd.DataFrame([dict(I=self.I, EI_sim=self.EI_sim, z_sim=self.z_sim,
                                  p_sim=self.p_sim, p_z_sim=self.p_z_sim, n=self.n,
                                  permutations=self.permutations)])

    def summary(self) -> str:
        """One line: I with stars (from the pseudo p), n, the pseudo p and z_sim.

        Returns
        -------
        str
        """
        return (f"Bivariate Moran's I = {self.I:.4f}{stars(self.p_sim)} (n = {self.n}); "
                f"pseudo p = {self.p_sim:.4f} from {self.permutations} permutations, z_sim = {self.z_sim:.3f}")


def bivariate_moran(
    x: Any,
    y: Any,
    weights: Any,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
    transform: str = "R",
    islands: str = "raise",
) -> BivariateMoran:
    """Global bivariate Moran's I of ``x`` against the spatial lag of ``y``.

    Parameters
    ----------
    x, y : Series indexed by region id, or arrays in the weights' order
    weights : SpatialWeights, libpysal W/Graph or weights file
    permutations : int
        Permutations of ``y`` for the pseudo p-value.
    seed : int, optional
        ``RandomState(seed)`` draws the permutations esda's ``Moran_BV`` would
        draw after ``np.random.seed(seed)``.
    transform, islands
        As :func:`moran_table`.
    """
    from geoproc.weights.base import as_weights

    w0 = as_weights(weights)
    ids = list(w0.ids)
    xa = values_by_region(x, ids, "x")
    ya = values_by_region(y, ids, "y")
    w, kept, notes = prepare_weights(w0, ids, transform, islands)
    if len(kept) != len(ids):
        pos = {k: i for i, k in enumerate(ids)}
        idx = [pos[k] for k in kept]
        xa, ya = xa[idx], ya[idx]
    n = xa.size
    for arr, name in ((xa, "x"), (ya, "y")):
        check_moran_values(arr, name, None, n)
    zx = (xa - xa.mean()) / xa.std(ddof=1)
    zy = (ya - ya.mean()) / ya.std(ddof=1)
    I = float(zx @ (w.sparse @ zy)) / (n - 1.0)  # noqa: E741
    sims = np.empty(0)
    p_sim = EI_sim = z_sim = p_z_sim = np.nan
    if permutations:
        check_global_permutations(permutations, n, w.sparse.nnz)
        # streamed a block of permutations at a time: memory O(n x block), not O(n x P)
        sims = np.concatenate([(w.sparse @ zp.T).T @ zx / (n - 1.0)
                               for zp in permutation_blocks(zy, permutations, seed)])
        p_sim = pseudo_p(I, sims)
        EI_sim = float(sims.sum() / permutations)
        sd = float(sims.std())
        z_sim = (I - EI_sim) / sd if sd > 0 else np.nan
        p_z_sim = float(norm_sf(abs(z_sim))) if np.isfinite(z_sim) else np.nan
        notes.append(f"p_sim from {permutations} permutations of y, seed {seed}")
    return BivariateMoran(I, sims, p_sim, EI_sim, z_sim, p_z_sim, n, int(permutations), seed, notes)
