"""The weights spec every command, QGIS tool and pipeline takes: ``queen``, ``knn:6``,
``inverse-distance:2:500``, ``gravity:COLUMN``, ``nested:COLUMN``, a weights file, each
optionally named ``NAME=SPEC``.

:class:`WeightsSpec` is the one owner of that grammar (parse, text, help); building
the matrix a spec describes is :func:`geoproc.weights.build_weights`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from geoproc.errors import GeoprocInputError

__all__ = ["HELP", "ISLANDS", "KINDS", "FILE_SUFFIXES", "WeightsSpec"]

#: What a statistic does with regions without neighbours
#: (:func:`geoproc.weights.prepare_weights`): raise, keep, drop, nearest.
ISLANDS = ("raise", "keep", "drop", "nearest")

#: The help text of every ``--weights`` option, QGIS weights field and pipeline doc.
HELP = (
    "weights: queen, rook, knn:K, inverse-distance[:POWER[:CUTOFF_KM]], gravity:COLUMN, "
    "nested:COLUMN[:POWER] (COLUMN from the data table; period mean over its years), "
    "or a weights file (.csv full matrix, .gal, .gwt)"
)

#: Kinds built from regions, with (min, max) arguments and an example.
KINDS: dict[str, tuple[int, int, str]] = {
    "queen": (0, 0, "queen"),
    "rook": (0, 0, "rook"),
    "knn": (1, 1, "knn:6"),
    "inverse-distance": (0, 2, "inverse-distance:2:500"),
    "gravity": (1, 1, "gravity:rd_staff"),
    "nested": (1, 2, "nested:gdp"),
}
FILE_SUFFIXES = (".csv", ".gal", ".gwt")
_ALIASES = {"inverse_distance": "inverse-distance", "idw": "inverse-distance", "distance": "inverse-distance"}


@dataclass(frozen=True)
class WeightsSpec:
    """A parsed weights spec.

    Attributes
    ----------
    kind : str
        ``"file"`` or one of :data:`KINDS`.
    args : tuple of str
        The kind's arguments (``("6",)`` for ``knn:6``); the path for a file.
    name : str
        ``NAME`` of ``NAME=SPEC``, else the spec's own text.
    text : str
        The spec without its name, as written (stripped).

    Examples
    --------
    >>> s = WeightsSpec.parse("W1=gravity:rd_staff")
    >>> s.kind, s.args, s.name, str(s), s.needs_data
    ('gravity', ('rd_staff',), 'W1', 'W1=gravity:rd_staff', True)
    >>> WeightsSpec.parse("inverse-distance:2:800.5").is_file
    False
    """

    kind: str
    args: tuple = ()
    name: str = ""
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, spec: str | os.PathLike | WeightsSpec, *, named: bool = True) -> WeightsSpec:
        """Parse ``spec``, checking the kind and the number of its arguments.

        Parameters
        ----------
        spec : str, path or WeightsSpec
            A spec text, ``NAME=SPEC`` (when ``named``; a path containing ``=`` that exists is
            a path), or the path of a ``.csv``/``.gal``/``.gwt`` file.
        named : bool
            Whether ``NAME=`` prefixes are understood.

        Returns
        -------
        WeightsSpec

        Raises
        ------
        GeoprocInputError
            An empty, unknown or malformed spec, with :data:`HELP`.
        """
        if isinstance(spec, WeightsSpec):
            return spec
        if isinstance(spec, os.PathLike):
            path = os.fspath(spec)
            return cls("file", (path,), path, path)
        if not isinstance(spec, str) or not spec.strip():
            raise GeoprocInputError(f"weights spec must be a text like 'queen' or 'knn:6'; {HELP}")
        text = spec.strip()
        name = ""
        if named and "=" in text and not Path(text).exists():
            name, _, text = (part.strip() for part in text.partition("="))
        if Path(text).suffix.lower() in FILE_SUFFIXES:
            return cls("file", (text,), name or text, text)
        kind, *args = text.split(":")
        kind = _ALIASES.get(kind.lower(), kind.lower())
        if kind not in KINDS:
            raise GeoprocInputError(f"unknown weights {text!r}; {HELP}")
        low, high, example = KINDS[kind]
        if not low <= len(args) <= high or any(not a.strip() for a in args):
            raise GeoprocInputError(f"weights {text!r}: wrong arguments, e.g. {example!r}; {HELP}")
        return cls(kind, tuple(a.strip() for a in args), name or text, text)

    @property
    def is_file(self) -> bool:
        """A weights file (read, not built)."""
        return self.kind == "file"

    @property
    def path(self) -> str | None:
        """The file's path, or None for a kind."""
        return self.args[0] if self.is_file else None

    @property
    def needs_regions(self) -> bool:
        """Built from region geometries (every kind; a file only to link its islands)."""
        return not self.is_file

    @property
    def needs_data(self) -> bool:
        """Needs a data table column (``gravity:COLUMN``, ``nested:COLUMN``)."""
        return self.kind in ("gravity", "nested")

    @property
    def column(self) -> str | None:
        """The data column of a gravity/nested spec."""
        return self.args[0] if self.needs_data else None

    @property
    def body(self) -> str:
        """The spec without its name: ``gravity:rd_staff``, ``knn:6``, a path."""
        if self.is_file:
            return self.args[0]
        return ":".join((self.kind, *self.args))

    def __str__(self) -> str:
        body = self.text or self.body
        return body if not self.name or self.name == body else f"{self.name}={body}"
