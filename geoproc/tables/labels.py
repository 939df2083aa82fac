"""Words of the tables in English and Chinese, and users' variable labels.

Chinese follows the usage of Chinese economics journals (直接效应/间接效应/总效应,
注：***、**、*分别代表在1%、5%、10%水平上显著).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from geoproc.errors import GeoprocInputError

__all__ = ["LANGS", "word", "read_labels", "parse_label_pairs", "stars_note", "stat_note"]

LANGS = ("en", "zh")

_WORDS: dict[str, tuple[str, str]] = {
    # key: (English, Chinese)
    "variable": ("Variable", "变量"),
    "year": ("Year", "年份"),
    "rho": ("ρ", "ρ"),
    "lambda": ("λ", "λ"),
    "tau": ("τ", "τ"),
    "psi": ("ψ", "ψ"),
    "sigma2": ("σ²", "σ²"),
    "controls": ("Controls", "控制变量"),
    "region_fe": ("Region FE", "地区固定效应"),
    "year_fe": ("Year FE", "时间固定效应"),
    "yes": ("Yes", "是"),
    "no": ("No", "否"),
    "nobs": ("N", "N"),
    "r2": ("R²", "R²"),
    "r2_within": ("Within R²", "组内R²"),
    "loglik": ("Log-likelihood", "对数似然值"),
    "aic": ("AIC", "AIC"),
    "direct": ("Direct effect", "直接效应"),
    "indirect": ("Indirect effect", "间接效应"),
    "total": ("Total effect", "总效应"),
    "lr_sar": ("LR test (SDM vs SAR)", "LR检验（SDM退化为SAR）"),
    "lr_sem": ("LR test (SDM vs SEM)", "LR检验（SDM退化为SEM）"),
    "wald_sar": ("Wald test (SDM vs SAR)", "Wald检验（SDM退化为SAR）"),
    "wald_sem": ("Wald test (SDM vs SEM)", "Wald检验（SDM退化为SEM）"),
    "hausman": ("Hausman test", "Hausman检验"),
    "lm_lag": ("LM lag", "LM-lag"),
    "lm_error": ("LM error", "LM-error"),
    "rlm_lag": ("Robust LM lag", "Robust LM-lag"),
    "rlm_error": ("Robust LM error", "Robust LM-error"),
    "regression_title": ("Spatial Durbin model estimates", "空间杜宾模型估计结果"),
    "effects_title": ("Direct, indirect and total effects", "直接效应、间接效应与总效应"),
    "tests_title": ("LR and Wald tests", "LR检验与Wald检验"),
    "moran_title": ("Global Moran's I", "全局Moran's I指数"),
    "bivariate_title": ("Global bivariate Moran's I", "双变量全局Moran's I指数"),
    "note": ("Note: ", "注："),
    "dep": ("Dependent variable: ", "被解释变量："),
    "I": ("Moran's I", "Moran's I"),
    "EI": ("E(I)", "E(I)"),
    "sd": ("sd", "sd"),
    "z": ("z", "z值"),
    "p": ("p", "p值"),
    "n_regions": ("n = {n} regions", "样本地区数为{n}"),
    "weights": ("Weights", "空间权重矩阵"),
}

_MODEL_NAMES = {"sdm": "SDM", "sar": "SAR", "sem": "SEM", "slx": "SLX", "dynamic_sdm": "Dynamic SDM"}


def _check_lang(lang: str) -> int:
    if lang not in LANGS:
        raise GeoprocInputError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    return LANGS.index(lang)


def word(key: str, lang: str = "en", **fmt: object) -> str:
    """The table word ``key`` in ``lang`` (``"en"`` or ``"zh"``); unknown keys as given.

    Parameters
    ----------
    key : str
        E.g. ``"direct"``, ``"region_fe"``, ``"lr_sar"``.
    lang : {"en", "zh"}
    **fmt
        Values for placeholders (``n_regions`` takes ``n``).

    Returns
    -------
    str
    """
    i = _check_lang(lang)
    if key in _WORDS:
        text = _WORDS[key][i]
        return text.format(**fmt) if fmt else text
    return _MODEL_NAMES.get(key, key)


def stars_note(lang: str = "en", what: str | None = "se") -> str:
    """The significance legend, with what the parentheses hold.

    Parameters
    ----------
    lang : {"en", "zh"}
    what : {"se", "t", "p", "z"} or None
        What is in parentheses (None: say nothing about parentheses).

    Returns
    -------
    str
    """
    i = _check_lang(lang)
    if i == 1:
        text = "***、**、*分别代表在1%、5%、10%水平上显著"
        paren = {"se": "括号内为标准误", "t": "括号内为t值", "p": "括号内为p值", "z": "括号内为z值"}
        return text + ("，" + paren[what] if what else "") + "。"
    text = "***, ** and * denote significance at the 1%, 5% and 10% levels"
    paren = {"se": "standard errors", "t": "t statistics", "p": "p-values", "z": "z statistics"}
    return text + (f"; {paren[what]} in parentheses" if what else "") + "."


def stat_note(what: str, lang: str = "en") -> str:
    """``"se"``/``"t"``/``"p"`` as a column word (for docs and CLI help)."""
    return {"se": ("standard error", "标准误"), "t": ("t statistic", "t值"),
            "p": ("p-value", "p值")}[what][_check_lang(lang)]


def parse_label_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["dig=数字技术", "cul=文化产业"]`` -> ``{"dig": "数字技术", "cul": "文化产业"}``.

    Raises
    ------
    GeoprocInputError
        For an item without ``=`` or with an empty name, naming the item.
    """
    out: dict[str, str] = {}
    for item in pairs:
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        name, sep, label = item.partition("=")
        if not sep or not name.strip():
            raise GeoprocInputError(f"label {item!r}: write name=label (e.g. dig=数字技术)")
        out[name.strip()] = label.strip()
    return out


def read_labels(source: str | os.PathLike | Mapping[str, str] | Iterable[str] | None
                ) -> dict[str, str]:
    """Variable labels from a dict, ``name=label`` pairs, or a file.

    Parameters
    ----------
    source : dict, sequence of "name=label", path, or None
        A file is ``.json`` (an object name -> label), ``.csv`` (two columns: name, label;
        a header row ``name,label`` or ``variable,label`` is skipped) or text with one
        ``name=label`` per line (``#`` starts a comment). UTF-8, with or without BOM.

    Returns
    -------
    dict of str -> str
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k): str(v) for k, v in source.items()}
    if isinstance(source, str | os.PathLike) and (Path(source).suffix.lower() in (".json", ".csv", ".txt")
                                                 or Path(source).exists()):
        return _read_label_file(Path(source))
    if isinstance(source, str):
        return parse_label_pairs(source.split(","))
    return parse_label_pairs(source)


def _read_label_file(path: Path) -> dict[str, str]:
    if not path.exists():
        raise GeoprocInputError(f"labels file {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GeoprocInputError(f"labels file {path}: not JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise GeoprocInputError(f"labels file {path}: expected an object name -> label")
        return {str(k): str(v) for k, v in doc.items()}
    if suffix == ".csv":
        out = {}
        for i, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or not row[0].strip():
                continue
            if len(row) < 2:
                raise GeoprocInputError(f"labels file {path}, row {i}: expected two columns name,label")
            if i == 1 and row[0].strip().lower() in ("name", "variable") and row[1].strip().lower() == "label":
                continue
            out[row[0].strip()] = row[1].strip()
        return out
    try:
        return parse_label_pairs(text.splitlines())
    except GeoprocInputError as exc:
        raise GeoprocInputError(f"labels file {path}: {exc}") from None
