"""What :func:`geoproc.kernel_density` wrote: :class:`KDEResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KDEResult"]


@dataclass
class KDEResult:
    """What :func:`kernel_density` wrote.

    Attributes
    ----------
    path : str
        The GeoTIFF.
    transform : affine.Affine
        Its geotransform (origin at the top-left corner).
    crs : pyproj.CRS
        Its (projected) CRS.
    shape : tuple of int
        (rows, cols).
    radius : float
        The radius used, in CRS units (metres).
    radius_rule : str or None
        How the radius was chosen when it was not given (Silverman's rule variant).
    pixel_size, kernel, output, decay
        The parameters used.
    n_points : int
        Points used.
    max_value : float
        Largest value in the raster.
    source : str or None
        Provenance of the points (their ``source`` column, e.g. "synthetic").
    """

    path: str
    transform: Any
    crs: Any
    shape: tuple[int, int]
    radius: float
    radius_rule: str | None
    pixel_size: float
    kernel: str
    output: str
    decay: float
    n_points: int
    max_value: float
    source: str | None = None
    crs_note: str = field(default="", repr=False)

    def read(self) -> np.ma.MaskedArray:
        """The raster values, masked where nodata."""
        import rasterio

        with rasterio.open(self.path) as ds:
            return ds.read(1, masked=True)

    def to_frame(self) -> pd.DataFrame:
        """The parameters and outcome as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "path": self.path,
                    "crs": self.crs.to_string(),
                    "rows": self.shape[0],
                    "cols": self.shape[1],
                    "pixel_size": self.pixel_size,
                    "radius": self.radius,
                    "radius_rule": self.radius_rule or "given",
                    "kernel": self.kernel,
                    "output": self.output,
                    "decay": self.decay,
                    "n_points": self.n_points,
                    "max_value": self.max_value,
                    "source": self.source,
                }
            ]
        )

    def summary(self) -> str:
        """A short human-readable report."""
        lines = [
            f"Kernel density ({self.kernel}, {self.output}) of {self.n_points} points"
            + (f" [{self.source}]" if self.source else ""),
            f"  raster   : {self.path} ({self.shape[0]} x {self.shape[1]} pixels of "
            f"{self.pixel_size:g} m)",
            f"  CRS      : {self.crs.name}" + (f" ({self.crs_note})" if self.crs_note else ""),
            f"  radius   : {self.radius:.6g} m"
            + (f" (default: {self.radius_rule})" if self.radius_rule else ""),
            f"  maximum  : {self.max_value:.6g}"
            + {"scaled": " per square metre (QGIS scaled)", "density": " points per km^2"}.get(
                self.output, " (kernel sum)"
            ),
        ]
        return "\n".join(lines)
