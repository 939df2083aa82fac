"""The set of tables a regional-science paper on knowledge spillovers prints.

Moran's I by year under the main matrices; the SDM under each main matrix side by side; its
direct/indirect/total effects; the LR/Wald tests; the SDM again under other matrices as
robustness. The default specification is the seed study's (R&D-staff and R&D-capital
gravity matrices; inverse distance, inverse distance squared and the economic-geographic
nested matrix as robustness); ``geoproc demo`` writes it for the synthetic province panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geoproc.tables.base import Table
from geoproc.tables.labels import read_labels
from geoproc.tables.moran import moran_paper_table
from geoproc.tables.regression import effects_table, regression_table, tests_table

__all__ = ["paper_tables", "SEED_X", "SEED_LABELS_ZH", "SEED_MAIN_WEIGHTS", "SEED_ROBUSTNESS_WEIGHTS"]

SEED_X = ("dig", "cultural_demand", "resource_endowment", "policy_support", "fiscal_support",
          "gdp_per_capita", "urbanisation")
SEED_MAIN_WEIGHTS = {"rd_staff": "gravity:rd_staff", "rd_capital": "gravity:rd_capital"}
SEED_ROBUSTNESS_WEIGHTS = {"inverse_distance": "inverse-distance:1",
                           "inverse_distance2": "inverse-distance:2",
                           "nested": "nested:gdp_per_capita"}
SEED_LABELS_ZH = {
    "cul": "文化产业集聚", "dig": "数字技术", "cultural_demand": "文化消费需求",
    "resource_endowment": "文化资源禀赋", "policy_support": "政策支持", "fiscal_support": "财政支持",
    "gdp_per_capita": "人均GDP", "urbanisation": "城镇化率",
    "rd_staff": "R&D人员知识溢出矩阵", "rd_capital": "R&D资本知识溢出矩阵",
    "inverse_distance": "地理距离倒数矩阵", "inverse_distance2": "地理距离平方倒数矩阵",
    "nested": "经济地理嵌套矩阵",
}
SEED_LABELS_EN = {
    "rd_staff": "R&D staff gravity", "rd_capital": "R&D capital gravity",
    "inverse_distance": "Inverse distance", "inverse_distance2": "Inverse distance squared",
    "nested": "Economic-geographic nested",
}


def paper_tables(
    panel: Any,
    regions: Any = "china_provinces",
    *,
    y: str = "cul",
    x: Sequence[str] = SEED_X,
    moran_variables: Sequence[str] = ("cul", "dig"),
    main_weights: Mapping[str, Any] = SEED_MAIN_WEIGHTS,
    robustness_weights: Mapping[str, Any] | None = SEED_ROBUSTNESS_WEIGHTS,
    id: str = "code",
    year: str = "year",
    lang: str = "zh",
    labels: Mapping[str, str] | str | Sequence[str] | None = None,
    stat: str = "se",
    draws: int = 1000,
    seed: int | None = 12345,
    permutations: int = 0,
    decimals: int = 3,
    note: str | None = None,
    centroid: str = "area",
) -> list[Table]:
    """Fit and tabulate: Moran's I, SDM, effects, tests under the main matrices, robustness.

    Parameters
    ----------
    panel : DataFrame or path
        Long panel with ``y``, ``x``, the Moran variables and the columns the weights
        specs need (``gravity:rd_staff`` needs ``rd_staff``).
    regions : GeoDataFrame, path or shipped boundary name
        The regions the matrices are built from.
    y, x : str, sequence of str
        The SDM's dependent variable and regressors (two-way fixed effects).
    moran_variables : sequence of str
    main_weights, robustness_weights : dict of name -> weights spec or SpatialWeights
        Specs as :func:`geoproc.build_weights` takes them; each is row-standardised.
        ``robustness_weights=None`` (or empty) leaves out the robustness table.
    id, year : str
    lang : {"en", "zh"}
    labels : dict, "name=label" pairs or a labels file, optional
        Added to (and overriding) the built-in labels of the seed study's variables and
        matrices.
    stat : {"se", "t", "p"}
    draws, seed
        Of the effects' simulated standard errors (:func:`geoproc.sdm`).
    permutations : int
        Moran permutations (0: the analytic normal test only, as most papers print).
    decimals : int
    note : str, optional
        A last note line under every table (e.g. that the data are synthetic).
    centroid : {"area", "representative", "largest"}
        The point standing for each region in the matrices' distances.

    Returns
    -------
    list of Table
        Moran's I; SDM under the main matrices; effects; tests; SDM under the robustness
        matrices (when given). Write them with :func:`geoproc.write_tables`.
    """
    import geoproc
    from geoproc.panel import read_panel

    df = read_panel(panel, id=id, year=year)
    lab = dict(SEED_LABELS_ZH if lang == "zh" else SEED_LABELS_EN)
    lab.update(read_labels(labels))
    zh = lang == "zh"

    def build(specs: Mapping[str, Any]) -> dict:
        out = {}
        for name, spec in specs.items():
            if isinstance(spec, str):
                spec = geoproc.build_weights(spec, regions, data=df, data_id=id, year_column=year,
                                             row_standardize=True, centroid=centroid)
            out[str(name)] = spec
        return out

    main = build(main_weights)
    names = [lab.get(k, k) for k in main]
    mt = geoproc.moran_table(df, main, list(moran_variables), id=id, year=year,
                             permutations=permutations, seed=seed)
    tables = [moran_paper_table(mt, ("I", "z"), lang, lab, decimals=decimals)]
    fits = [geoproc.sdm(df, w, y=y, x=list(x), id=id, year=year, draws=draws, seed=seed)
            for w in main.values()]
    tables.append(regression_table(fits, names, stat, lang, lab, decimals=decimals))
    tables.append(effects_table(fits, names, stat, lang, lab, decimals=decimals))
    tables.append(tests_table(fits, names, lang, decimals=decimals))
    if robustness_weights:
        rob = build(robustness_weights)
        rfits = [geoproc.sdm(df, w, y=y, x=list(x), id=id, year=year, draws=draws, seed=seed, tests=False)
                 for w in rob.values()]
        tables.append(regression_table(rfits, [lab.get(k, k) for k in rob], stat, lang, lab,
                                       decimals=decimals,
                                       title="稳健性检验：替换空间权重矩阵" if zh else
                                       "Robustness: other spatial weights matrices"))
    if note:
        for t in tables:
            t.notes.append(note)
    return tables
