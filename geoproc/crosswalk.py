"""Panels that span administrative changes: old prefecture-level codes and names to today's.

China's prefecture-level units changed often after 2000: prefectures (地区) and leagues
(盟) became cities with new codes (毕节地区 522400 -> 毕节市 520500, 2011), cities were
renamed (襄樊 -> 襄阳, 2010), merged (莱芜 371200 into 济南 370100, 2019) or split
(巢湖 341400 among 合肥, 芜湖 and 马鞍山, 2011). A yearbook panel from 2005 to 2021
carries the old codes and names in its early years. :func:`crosswalk_panel` maps them
to today's units (those of the shipped ``china_cities`` layer) and returns every
mapping it made; :func:`aggregate_merged` sums additive columns where two old units
became one.

The changes are a data file, ``data/crosswalk/china_prefecture_changes.csv``
(columns ``old_code, old_name, new_code, new_name, year, change, note``; ``change`` is
``rename`` (same territory), ``upgrade`` (a prefecture, league or directly
administered county-level city became a prefecture-level city, usually with a new
code), ``merge`` (the old unit became part of the new one) or ``split`` (the old
unit's territory went to several units: no single target). Source: the Ministry of
Civil Affairs' yearly lists of administrative division codes (GB/T 2260) and the State
Council approvals named in the notes; see ``data/crosswalk/README.md``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from geoproc._paths import data_dir
from geoproc.errors import GeoprocInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["aggregate_merged", "crosswalk_panel", "load_crosswalk", "merged_codes"]

CHANGES = ("rename", "upgrade", "merge", "split")


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    import pandas as pd

    path = data_dir() / "crosswalk" / "china_prefecture_changes.csv"
    if not path.is_file():
        raise GeoprocInputError(f"crosswalk file {path} is missing; reinstall geoproc")
    df = pd.read_csv(path, dtype={"old_name": str, "new_name": str, "change": str, "note": str})
    bad = sorted(set(df["change"]) - set(CHANGES))
    if bad:
        raise GeoprocInputError(f"{path}: unknown change types {bad}")
    return df


def load_crosswalk() -> pd.DataFrame:
    """The table of prefecture-level changes since 2000 (a fresh copy).

    Returns
    -------
    pandas.DataFrame
        Columns ``old_code, old_name, new_code, new_name, year, change, note``; one row
        per (old unit, new unit) pair, so a split has one row per successor.
    """
    return _read().copy()


def _targets(cw: pd.DataFrame) -> tuple[dict, dict]:
    """old code -> crosswalk rows; name key -> set of old codes (old and new names)."""
    from geoproc.region_names import name_keys

    by_code: dict[int, list[dict]] = {}
    by_key: dict[str, set[int]] = {}
    for row in cw.to_dict("records"):
        by_code.setdefault(int(row["old_code"]), []).append(row)
        for k in name_keys(row["old_name"]):
            by_key.setdefault(k, set()).add(int(row["old_code"]))
    return by_code, by_key


def _old_code(value, by_code: dict, by_key: dict) -> int | None:
    """The crosswalk's old code a panel id (code or name) stands for, if any."""
    from geoproc.region_names import name_keys

    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and int(text) in by_code:
        return int(text)
    hits: set[int] = set()
    for k in name_keys(value):
        if k in by_key:
            hits = by_key[k]
            break
    # one old unit, or several old codes with one successor (铜仁地区/铜仁: both 520600)
    if len({r["new_code"] for c in hits for r in by_code[c]}) == 1 or len(hits) == 1:
        return min(hits) if hits else None
    return None


def crosswalk_panel(
    panel: pd.DataFrame,
    id: str = "code",
    year: str | None = "year",
    split: Literal["drop", "error", "keep"] = "drop",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a panel's old prefecture-level codes or names to today's units.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel, one row per unit and year.
    id : str
        Column holding codes (371200, "371200") or names (莱芜, 莱芜市, 襄樊市, 毕节地区).
        Ids that are not old units are left as they are (today's units and anything
        else: match those to a layer as usual).
    year : str or None
        Year column, used to flag merges (two old units in one new unit in the same
        year). ``None``: the whole panel is one period.
    split : {"drop", "error", "keep"}
        Rows of units that were split among several successors (巢湖 2011) have no
        single target: ``"drop"`` them (the report lists them), raise (``"error"``), or
        ``"keep"`` them unchanged.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The panel with ``id`` replaced by today's code for mapped rows (an integer, or
        its text where the panel's id was text: a name or a code read as text) and
        the original value kept in ``{id}_original``; and the report, one row per
        original id that was mapped or dropped: ``original``, ``old_code``,
        ``new_code``, ``new_name``, ``change``, ``changed_in``, ``rows``, ``merged``
        (True when the new unit gets rows from more than one original id in some
        year: use :func:`aggregate_merged`), ``action`` (``mapped``, ``dropped``, ``kept``).

    Raises
    ------
    GeoprocInputError
        No column ``id`` or ``year``; a split unit with ``split="error"`` (named).
    """
    import pandas as pd

    for col in (id, year):
        if col is not None and col not in panel.columns:
            raise GeoprocInputError(f"panel: no column {col!r}; columns are {', '.join(map(str, panel.columns))}")
    by_code, by_key = _targets(_read())
    out = panel.copy()
    out[f"{id}_original"] = out[id]
    new_ids = out[id].astype(object).copy()
    keep = pd.Series(True, index=out.index)
    records = []
    for value, idx in out.groupby(id, sort=False, dropna=True).groups.items():
        old = _old_code(value, by_code, by_key)
        if old is None:
            continue
        rows = by_code[old]
        if rows[0]["change"] == "split":
            succ = ", ".join(f"{r['new_name']} ({r['new_code']})" for r in rows)
            if split == "error":
                raise GeoprocInputError(
                    f"panel: {value!r} ({rows[0]['old_name']} {old}) was split in {rows[0]['year']} "
                    f"among {succ}; no single successor (split='drop' drops its rows)"
                )
            action = "dropped" if split == "drop" else "kept"
            if split == "drop":
                keep[idx] = False
            records.append({"original": value, "old_code": old, "new_code": None, "new_name": succ,
                            "change": "split", "changed_in": int(rows[0]["year"]), "rows": len(idx),
                            "action": action})
            continue
        # follow chains (思茅地区 -> 思茅市 530800 -> 普洱市): take the last change
        target = rows[0]
        while int(target["new_code"]) in by_code and int(target["new_code"]) != int(target["old_code"]):
            target = by_code[int(target["new_code"])][0]
        # today's code typed like the panel's ids (text codes stay text: "371200" -> "370100")
        new_ids[idx] = str(int(target["new_code"])) if isinstance(value, str) else int(target["new_code"])
        records.append({"original": value, "old_code": old, "new_code": int(target["new_code"]),
                        "new_name": target["new_name"], "change": rows[0]["change"],
                        "changed_in": int(rows[0]["year"]), "rows": len(idx), "action": "mapped"})
    out[id] = new_ids
    out = out[keep].copy()
    report = pd.DataFrame(records, columns=["original", "old_code", "new_code", "new_name", "change",
                                            "changed_in", "rows", "action"])
    merged_text = {str(c) for c in merged_codes(_as_successors(out, id, by_code), id, year)}
    report["merged"] = [str(c) in merged_text for c in report["new_code"]]
    return out, report


def _as_successors(df: pd.DataFrame, id: str, by_code: dict) -> pd.DataFrame:
    """``df`` with ids that name a crosswalk successor (济南, 济南市, "370100") as its code text,
    so that a merge is seen when the panel writes today's unit by name."""
    from geoproc.region_names import name_keys

    succ: dict[str, str] = {}
    for rows in by_code.values():
        for r in rows:
            code = str(int(r["new_code"]))
            succ[code] = code
            for k in name_keys(r["new_name"]):
                succ.setdefault(k, code)

    def unit(v):
        text = str(v).strip().removesuffix(".0")
        return succ.get(text) or next((succ[k] for k in name_keys(v) if k in succ), text)

    out = df[[c for c in df.columns if c != id]].copy()
    out[id] = df[id].map(unit)
    return out


def merged_codes(df: pd.DataFrame, id: str, year: str | None) -> set:
    """Today's codes that hold rows of more than one original id (``<id>_original``) in one year.

    Parameters
    ----------
    df : DataFrame
        A crosswalked panel with ``id`` and ``<id>_original`` columns.
    id, year : str
        Its id and year columns (``year=None``: over the whole panel).

    Returns
    -------
    set
    """
    keys = [id] if year is None else [id, year]
    n = df.groupby(keys, dropna=True)[f"{id}_original"].nunique()
    return {k[0] if isinstance(k, tuple) else k for k in n[n > 1].index}


def aggregate_merged(
    panel: pd.DataFrame, additive: list[str], id: str = "code", year: str | None = "year"
) -> pd.DataFrame:
    """Sum additive columns over units that were merged into one (after :func:`crosswalk_panel`).

    Parameters
    ----------
    panel : pandas.DataFrame
        A panel returned by :func:`crosswalk_panel` (several rows may share an id and year).
    additive : list of str
        Columns that add up over territory (GDP, population, revenue, counts). Summed,
        with missing values skipped (all missing stays missing).
    id, year : str
        Id and year columns (``year=None``: no year).

    Returns
    -------
    pandas.DataFrame
        One row per id and year. Other columns keep their value where the group has one
        row; where rows were merged they are set to missing (a ratio or an index of two
        former units cannot be recombined without their weights). ``{id}_original``
        lists the merged originals joined by ``+``.

    Raises
    ------
    GeoprocInputError
        A column of ``additive`` is missing or not numeric.
    """
    import pandas as pd

    for c in additive:
        if c not in panel.columns:
            raise GeoprocInputError(f"panel: no additive column {c!r}")
        if not pd.api.types.is_numeric_dtype(panel[c]):
            raise GeoprocInputError(f"panel: additive column {c!r} is not numeric")
    keys = [id] if year is None else [id, year]
    grouped = panel.groupby(keys, sort=False, dropna=False)
    size = grouped.size().rename("_n")
    sums = grouped[additive].sum(min_count=1)
    others = [c for c in panel.columns if c not in additive and c not in keys]
    first = grouped[others].first() if others else pd.DataFrame(index=size.index)
    orig = f"{id}_original"
    if orig in panel.columns:
        first[orig] = grouped[orig].agg(lambda s: "+".join(map(str, dict.fromkeys(s))))
    multi = size > 1
    for c in others:
        if c != orig:
            first.loc[multi, c] = pd.NA
    out = pd.concat([first, sums], axis=1).reset_index()
    return out[[c for c in panel.columns if c in out.columns]]
