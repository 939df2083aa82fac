"""Panel tables: long-format region-year data read from CSV or XLSX, checked, matched to regions.

One row per region and year. Regions are identified by a code column or by a
name column; names are matched to the codes of a boundary layer whatever their
variant (see :mod:`geoproc.region_names`).

- :class:`Panel` (:mod:`.model`): the validated panel with its provenance;
  :func:`as_panel` takes a Panel, a DataFrame or a file.
- :mod:`.checks`: every check and its message (columns, ids, years, duplicates,
  balance, numbers), shared with the indicator functions.
- :func:`read_table`, :func:`load_panel`, :func:`read_panel`, name matching (:mod:`._read`).
- :func:`panel_values`, :func:`year_values` (:mod:`.values`): checked values out of a frame.
"""

from geoproc.panel._read import (
    as_panel,
    as_regions,
    load_panel,
    match_regions,
    read_panel,
    read_table,
    region_matcher,
)
from geoproc.panel.model import Panel
from geoproc.panel.values import check_balanced, panel_values, year_values

__all__ = [
    "Panel",
    "as_panel",
    "as_regions",
    "check_balanced",
    "load_panel",
    "match_regions",
    "panel_values",
    "read_panel",
    "read_table",
    "region_matcher",
    "year_values",
]
