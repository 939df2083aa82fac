"""Panel spatial Durbin model (and SAR, SEM, SLX) with fixed effects, Lee-Yu, effects and tests.

``geoproc.sdm`` is both this package and the public function :func:`geoproc.sdm.model.sdm`:
once any submodule (``geoproc.sdm.logdet``, ...) has been imported, Python binds the
attribute ``geoproc.sdm`` to the package, which would hide the function. The package is
therefore made callable, so ``geoproc.sdm(panel, weights, ...)`` works in every import order.
"""

import sys
import types

from geoproc.sdm.model import SDMResult, sdm

__all__ = ["SDMResult", "sdm"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs) -> SDMResult:
        return sdm(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
