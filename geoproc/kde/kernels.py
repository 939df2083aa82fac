"""The kernels: names, codes and the constants that scale them (QGIS's and ours).

See :mod:`geoproc.kde` for the formulas and where each constant comes from.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["KERNELS", "KERNEL_CODE", "OUTPUTS", "Kernel", "density_constant", "kernel_constant"]

Kernel = Literal["quartic", "triangular", "uniform", "epanechnikov", "triweight", "gaussian"]
KERNELS: tuple[str, ...] = (
    "quartic",
    "triangular",
    "uniform",
    "epanechnikov",
    "triweight",
    "gaussian",
)
KERNEL_CODE = {name: i for i, name in enumerate(KERNELS)}
OUTPUTS: tuple[str, ...] = ("raw", "scaled", "density")  # see kernel_density's docstring


def kernel_constant(kernel: int, scaled: bool, radius: float, decay: float) -> float:
    """QGIS's normalising constant times the kernel's own factor (1 for "raw").

    Computed in qgskde.cpp's operation order (``k * const``), so that the products
    below are the same doubles as QGIS's.
    """
    pi = math.pi  # M_PI
    if not scaled:
        return 1.0
    if kernel == 0:  # quartic
        return 116.0 / (5.0 * pi * radius**2) * (15.0 / 16.0)
    if kernel == 1:  # triangular; QGIS leaves a negative decay ("coolmap") unscaled
        return 3.0 / ((1.0 + 2.0 * decay) * pi * radius**2) if decay >= 0 else 1.0
    if kernel == 2:  # uniform
        return 2.0 / (pi * radius) * (0.5 / radius)
    if kernel == 3:  # epanechnikov
        return 8.0 / (3.0 * pi * radius**2) * (3.0 / 4.0)
    if kernel == 4:  # triweight
        return 128.0 / (35.0 * pi * radius**2) * (35.0 / 32.0)
    # gaussian (ours): sigma = radius / 3, truncated at the radius
    return 1.0 / (2.0 * pi * (radius / 3.0) ** 2 * (1.0 - math.exp(-4.5)))


def density_constant(kernel: int, radius: float, decay: float) -> float:
    """Per-km^2 constant making the raw kernel integrate to 1 over the plane.

    ``1e6 / (2 pi r^2 int_0^1 K(u) u du)``, worked out per kernel in the module
    docstring; ``radius`` in metres. ``decay`` must be >= 0 for the triangular kernel.
    """
    pi = math.pi
    per_km2 = 1e6  # m^2 in a km^2
    if kernel == 0:  # quartic: 2 pi r^2 * 1/6
        return per_km2 * 3.0 / (pi * radius**2)
    if kernel == 1:  # triangular: 2 pi r^2 * (1/2 - (1 - a)/3) = pi r^2 (1 + 2a) / 3
        return per_km2 * 3.0 / ((1.0 + 2.0 * decay) * pi * radius**2)
    if kernel == 2:  # uniform: the disc's area
        return per_km2 / (pi * radius**2)
    if kernel == 3:  # epanechnikov: 2 pi r^2 * 1/4
        return per_km2 * 2.0 / (pi * radius**2)
    if kernel == 4:  # triweight: 2 pi r^2 * 1/8
        return per_km2 * 4.0 / (pi * radius**2)
    # gaussian truncated at r = 3 s: 2 pi s^2 (1 - exp(-r^2 / (2 s^2)))
    return per_km2 / (2.0 * pi * (radius / 3.0) ** 2 * (1.0 - math.exp(-4.5)))

