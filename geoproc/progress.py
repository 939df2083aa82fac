"""Progress reporting and cancellation inside long library calls.

A long function accepts ``progress=callback``; it calls ``callback(fraction)`` with
a fraction of the work done (0 to 1, non-decreasing, ending at 1) between blocks
of work. A callback that returns ``False`` asks the function to stop: it raises
:class:`Cancelled` before writing anything. ``None`` (or any other return value)
means "carry on", so a plain progress bar (``lambda f: bar.update(...)``) works.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Cancelled", "ProgressCallback", "report"]

ProgressCallback = Callable[[float], "bool | None"]


class Cancelled(Exception):
    """Raised when a progress callback returned ``False`` (the caller asked to stop)."""


def report(progress: ProgressCallback | None, fraction: float) -> None:
    """Report ``fraction`` of the work done to ``progress``; stop if it says so.

    Parameters
    ----------
    progress : callable or None
        The callback (``None``: nothing to do).
    fraction : float
        Share of the work done, clipped to [0, 1].

    Raises
    ------
    Cancelled
        If the callback returned ``False``.
    """
    if progress is None:
        return
    if progress(min(1.0, max(0.0, float(fraction)))) is False:
        raise Cancelled("cancelled by the progress callback")
