"""The base of the point-pattern results: one table row per group, named attributes over it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geoproc.pattern._common import ALL

if TYPE_CHECKING:
    import pandas as pd


class GroupedResult:
    """A result holding one row per group in ``table`` (index: the group).

    Named attributes of subclasses read a column: a number when the points were not
    grouped (one row), else a Series indexed by group.
    """

    table: pd.DataFrame
    by: str | None

    def _column(self, name: str) -> Any:
        col = self.table[name]
        if self.by is None and len(col) == 1 and col.index[0] == ALL:
            return col.iloc[0]
        return col

    @property
    def groups(self) -> list:
        """The group values, in order (``["all"]`` without grouping)."""
        return list(self.table.index)

    def to_frame(self) -> pd.DataFrame:
        """The table with the group as a column (named after ``by``, else ``group``)."""
        return self.table.reset_index(names=self.by or "group")
