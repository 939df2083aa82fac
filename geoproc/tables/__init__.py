"""Publication tables: several fits side by side, effects, tests and Moran's I by year,
written as three-line DOCX tables, XLSX, LaTeX (booktabs), Markdown, HTML or CSV.

>>> import geoproc
>>> t = geoproc.regression_table([fit1, fit2], names=["rd_staff", "rd_capital"],
...                              lang="zh", labels={"dig": "数字技术"})  # doctest: +SKIP
>>> t.write("table2.docx")  # doctest: +SKIP

See ``docs/tables.md``.
"""

from geoproc.tables.base import FORMATS, Cell, Row, Table, write_tables
from geoproc.tables.labels import parse_label_pairs, read_labels
from geoproc.tables.moran import MORAN_COLUMNS, bivariate_moran_table, moran_paper_table
from geoproc.tables.paper import paper_tables
from geoproc.tables.regression import STATS, effects_table, fit_dict, regression_table, tests_table

__all__ = ["FORMATS", "MORAN_COLUMNS", "STATS", "Cell", "Row", "Table", "bivariate_moran_table",
           "effects_table", "fit_dict", "moran_paper_table", "paper_tables", "parse_label_pairs", "read_labels",
           "regression_table", "tests_table", "write_tables"]
