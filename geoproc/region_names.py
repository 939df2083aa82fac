"""Matching region names to region codes, whatever the variant of the name.

Users' tables name regions as 江苏, 江苏省, Jiangsu, JIANGSU or "Jiangsu Sheng";
内蒙古, 内蒙古自治区, Inner Mongolia or "Nei Mongol Zizhiqu". Each name of a
region (every name column of the boundaries) is reduced to a few *keys*:
Unicode-normalised, case-folded, without spaces and punctuation, and without
administrative suffixes (省, 市, 自治区 with its ethnic part, "Province", "Shi",
"Autonomous Region", ...). A small alias table adds known exonyms (Tibet/Xizang,
Inner Mongolia/Nei Mongol). Nothing here knows a particular region: the keys are
built from whatever names the boundaries carry, so any layer with a name
column matches the same way.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from geoproc.errors import GeoprocInputError

__all__ = ["RegionMatcher", "match_in_context", "name_keys", "normalize_name"]

# Ethnic qualifiers of Chinese autonomous areas, longest first so that
# "维吾尔" is not cut in the middle; they are stripped only together with the
# 自治区/自治州/自治县/自治旗 that follows them.
_ZH_ETHNIC = sorted(
    ["维吾尔", "壮族", "回族", "藏族", "蒙古族", "朝鲜族", "土家族", "苗族", "彝族", "哈尼族",
     "傣族", "白族", "布依族", "侗族", "黎族", "羌族", "哈萨克", "柯尔克孜", "蒙古", "傈僳族",
     "景颇族", "瑶族", "畲族", "满族", "水族", "仫佬族", "毛南族", "土族", "撒拉族", "东乡族",
     "保安族", "裕固族", "纳西族", "拉祜族", "佤族", "仡佬族", "各族"],
    key=len,
    reverse=True,
)
_ZH_AUTONOMOUS = re.compile("自治(?:区|州|县|旗)$")
# Plain administrative suffixes, tried after the autonomous ones.
_ZH_SUFFIXES = ("特别行政区", "地区", "省", "市", "盟", "州", "县", "区", "旗")

# Trailing English / pinyin words that are administrative, not part of the name.
_EN_SUFFIX_WORDS = {
    "province", "sheng", "municipality", "city", "shi", "prefecture", "diqu", "region",
    "autonomous", "zizhiqu", "zizhizhou", "sar", "special", "administrative", "county",
    "xian", "district", "qu", "league", "meng", "state",
    # ethnic words of Chinese autonomous regions' English names
    "zhuang", "zhuangzu", "hui", "huizu", "uygur", "uyghur", "uighur", "weiwuer", "weiwuerzu",
    "tibetan", "zangzu",
}

# Groups of keys (already normalised) that name the same place. Small and
# generic: exonyms and romanisations that suffix stripping cannot derive.
ALIASES: tuple[frozenset[str], ...] = (
    frozenset({"tibet", "xizang", "西藏"}),
    frozenset({"innermongolia", "neimongol", "neimenggu", "neimonggol", "内蒙古", "内蒙"}),
    frozenset({"hongkong", "xianggang", "香港"}),
    frozenset({"macau", "macao", "aomen", "澳门"}),
    frozenset({"taiwan", "台湾"}),
)

_PUNCT = re.compile(r"[\s\-_'’‘`.,·•()（）\[\]/\\]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalize_name(name: Any) -> str:
    """Unicode NFKC, accents (pinyin tone marks) removed, case-folded, no spaces or punctuation."""
    s = unicodedata.normalize("NFKC", str(name)).strip()
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s).casefold()
    return _PUNCT.sub("", s)


def _strip_zh(s: str) -> list[str]:
    """Chinese name without its administrative suffix (several candidates, longest first)."""
    out = []
    t = _ZH_AUTONOMOUS.sub("", s)
    if t != s and len(t) >= 2:
        # then the ethnic part (土家族苗族...), unless it is the name itself (内蒙古)
        stripped = True
        while stripped:
            stripped = False
            for eth in _ZH_ETHNIC:
                if t.endswith(eth) and len(t) - len(eth) >= 2:
                    t = t[: -len(eth)]
                    stripped = True
                    break
        out.append(t)
    else:
        for suf in _ZH_SUFFIXES:
            # at least two characters must remain: one-character stems are ambiguous
            if s.endswith(suf) and len(s) - len(suf) >= 2:
                out.append(s[: -len(suf)])
                break
    return out


def _strip_en(raw: str) -> list[str]:
    """Latin-script name without trailing administrative words."""
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    words = [w for w in re.split(r"[\s\-_,.()（）]+", s.casefold()) if w]
    if len(words) < 2:
        return []
    end = len(words)
    while end > 1 and words[end - 1] in _EN_SUFFIX_WORDS:
        end -= 1
    if end == len(words):
        return []
    return ["".join(words[:end]).replace("'", "").replace("’", "")]


def name_keys(name: Any) -> list[str]:
    """Match keys of one name: normalised, suffix-stripped and alias forms (most specific first)."""
    if name is None or (isinstance(name, float) and name != name):
        return []
    full = normalize_name(name)
    if not full:
        return []
    keys = [full]
    if _CJK.search(full):
        keys += _strip_zh(full)
    else:
        keys += _strip_en(str(name))
    for group in ALIASES:
        if any(k in group for k in keys):
            keys += sorted(group - set(keys))
    seen: set[str] = set()
    return [k for k in keys if not (k in seen or seen.add(k))]


class RegionMatcher:
    """Match names (in any variant) to region codes.

    Parameters
    ----------
    codes : sequence
        Region codes, one per region.
    names : sequence of sequences
        For each name column, the names of the regions in the order of ``codes``
        (e.g. the ``name_zh``, ``short_zh`` and ``name_en`` columns).
    """

    def __init__(self, codes: Sequence, names: Iterable[Sequence]) -> None:
        self.codes = list(codes)
        columns = [list(c) for c in names]
        self.display: dict[Any, str] = {}
        self._key_codes: dict[str, set] = {}
        self._exact: dict[str, set] = {}
        for col in columns:
            for code, name in zip(self.codes, col, strict=True):
                keys = name_keys(name)
                if not keys:
                    continue
                self.display.setdefault(code, str(name))
                self._exact.setdefault(keys[0], set()).add(code)
                for k in keys:
                    self._key_codes.setdefault(k, set()).add(code)
        # codes themselves match too (as text: 320000, "320000")
        self._code_text = {normalize_name(c): c for c in self.codes}

    def add_qualified(self, parent_of: Sequence, parent_names: dict) -> None:
        """Also match names qualified by their parent region (江苏苏州, "Suzhou, Jiangsu").

        ``parent_of`` gives each region's parent code (in the order of ``codes``);
        ``parent_names`` maps a parent code to its names. Needed where two regions
        share a name (苏州/宿州 are both "Suzhou").
        """
        parent_keys = {p: {k for n in names for k in name_keys(n)} for p, names in parent_names.items()}
        own: dict = {}
        for k, codes in self._key_codes.items():
            for c in codes:
                own.setdefault(c, set()).add(k)
        for code, parent in zip(self.codes, parent_of, strict=True):
            for pk in parent_keys.get(parent, ()):
                for k in own.get(code, ()):
                    if k != pk:
                        self._key_codes.setdefault(pk + k, set()).add(code)
                        self._key_codes.setdefault(k + pk, set()).add(code)

    def match_one(self, name: Any) -> tuple[Any | None, list]:
        """``(code, [])`` if ``name`` matches one region, else ``(None, candidate codes)``."""
        if name is None or (isinstance(name, float) and name != name):
            return None, []
        text = normalize_name(name)
        if isinstance(name, float) and name.is_integer():
            text = normalize_name(int(name))
        if text in self._code_text:
            return self._code_text[text], []
        keys = name_keys(name)
        if not keys:
            return None, []
        # the full written form first: 泰州 and 台州 are both "Taizhou"
        exact = self._exact.get(keys[0])
        if exact and len(exact) == 1:
            return next(iter(exact)), []
        found: set = set()
        for k in keys:
            hit = self._key_codes.get(k)
            if hit:
                if len(hit) == 1:
                    return next(iter(hit)), []
                found |= hit
        return None, sorted(found, key=str)

    def suggestions(self, name: Any, n: int = 3) -> list[str]:
        """Closest region names by difflib (for error messages)."""
        keys = name_keys(name)
        pool = list(self._key_codes)
        best: list[str] = []
        for k in keys[:2]:
            best += difflib.get_close_matches(k, pool, n=n, cutoff=0.5)
        out: list[str] = []
        for k in best:
            for code in sorted(self._key_codes[k], key=str):
                label = f"{self.display.get(code, code)} ({code})"
                if label not in out:
                    out.append(label)
        return out[:n]

    def match(self, names: Sequence, what: str = "names") -> list:
        """Codes for all ``names``; raise listing every name that does not match one region."""
        uniq = list(dict.fromkeys(names))
        result: dict[Any, Any] = {}
        problems = []
        for name in uniq:
            code, cands = self.match_one(name)
            if code is not None:
                result[name] = code
            elif cands:
                labels = ", ".join(f"{self.display.get(c, c)} ({c})" for c in cands)
                problems.append(f"{name!r} is ambiguous: {labels}")
            else:
                sug = self.suggestions(name)
                hint = f" (closest: {', '.join(sug)})" if sug else ""
                problems.append(f"{name!r}{hint}")
        if problems:
            raise GeoprocInputError(
                f"{len(problems)} {what} match no single region: " + "; ".join(problems[:30])
                + ("; ..." if len(problems) > 30 else "")
            )
        return [result[n] for n in names]


def _all_candidates(matcher: RegionMatcher, name: Any) -> list:
    """Every code any key of ``name`` matches (full written form first)."""
    text = normalize_name(name)
    if text in matcher._code_text:
        return [matcher._code_text[text]]
    found: list = []
    for k in name_keys(name):
        for c in sorted(matcher._key_codes.get(k, ()), key=str):
            if c not in found:
                found.append(c)
        if found:  # the most specific key that matches decides (苏州 before "suzhou")
            break
    return found


def _context_codes(values: Sequence | None, layer: Any, what: str) -> list:
    """Codes of a context column (province or city names/codes) per row, None where empty."""
    if values is None:
        return []
    matcher = RegionMatcher(layer["code"].tolist(),
                            [layer[c].tolist() for c in ("name_zh", "short_zh", "name_en") if c in layer])
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
            out.append(None)
            continue
        code, cands = matcher.match_one(v)
        if code is None:
            hint = f" (could be {', '.join(map(str, cands))})" if cands else ""
            raise GeoprocInputError(f"{what} {v!r} matches no single {what}{hint}")
        out.append(code)
    return out


def match_in_context(
    names: Sequence,
    regions: Any,
    province: Sequence | None = None,
    city: Sequence | None = None,
    what: str = "names",
) -> list:
    """Match city or county names to codes, using each row's province/city to tell namesakes apart.

    China has several 鼓楼区 (Nanjing, Xuzhou, Fuzhou, Kaifeng) and 朝阳区 (Beijing,
    Changchun); pinyin collides more often (苏州/宿州 "Suzhou", 泰州/台州 "Taizhou").
    Each name is matched in any variant (鼓楼, 鼓楼区, Gulou, "Gulou District";
    恩施州, 恩施土家族苗族自治州; see :func:`name_keys`); where it fits several units, the
    row's ``province`` and ``city`` (names in any variant, or codes) pick the one
    inside them.

    Parameters
    ----------
    names : sequence
        Names (or codes) of cities or counties, one per row.
    regions : GeoDataFrame, DataFrame or str
        The layer (``"china_cities"``, ``"china_counties"`` or a frame with ``code``,
        name columns and ``province_code`` / ``city_code``).
    province, city : sequence, optional
        Each row's province / city, same length as ``names``.
    what : str
        What the names are, for the error message.

    Returns
    -------
    list
        The code of each name.

    Raises
    ------
    GeoprocInputError
        One message listing every name that matches no unit (with the closest names)
        or several (each candidate with its city and province), saying which context
        column would resolve it.
    """
    from geoproc.boundaries import load_boundaries

    layer = load_boundaries(regions) if isinstance(regions, str) else regions
    cols = [c for c in ("name_zh", "short_zh", "name_en", "name") if c in layer.columns]
    matcher = RegionMatcher(layer["code"].tolist(), [layer[c].tolist() for c in cols])
    names = list(names)
    for label, ctx in (("province", province), ("city", city)):
        if ctx is not None and len(ctx) != len(names):
            raise GeoprocInputError(f"{label} context has {len(ctx)} values for {len(names)} {what}")
    prov = _context_codes(province, _parent_layer(layer, "province"), "province")
    cty = _context_codes(city, _parent_layer(layer, "city"), "city")
    info = layer.set_index("code")
    parent_cols = [c for c in ("province_code", "city_code") if c in info.columns]
    result, problems = [], []
    for i, name in enumerate(names):
        cands = _all_candidates(matcher, name)
        for col, ctx in (("province_code", prov), ("city_code", cty)):
            if ctx and ctx[i] is not None and col in info.columns:
                cands = [c for c in cands if info.at[c, col] == ctx[i] or c == ctx[i]]
        if len(cands) == 1:
            result.append(cands[0])
            continue
        result.append(None)
        where = "".join(f" in {v!r}" for v in (province[i] if province is not None else None,
                                                city[i] if city is not None else None) if v is not None)
        if cands:
            labels = ", ".join(
                f"{info.at[c, cols[0]]} ({c}" + "".join(f", {k} {info.at[c, k]}" for k in parent_cols) + ")"
                for c in cands
            )
            need = "" if (province is not None and city is not None) else "; add a province or city column"
            problems.append(f"{name!r}{where} is ambiguous: {labels}{need}")
        else:
            sug = matcher.suggestions(name)
            problems.append(f"{name!r}{where}" + (f" (closest: {', '.join(sug)})" if sug else ""))
    if problems:
        raise GeoprocInputError(
            f"{len(problems)} {what} match no single region: " + "; ".join(problems[:20])
            + ("; ..." if len(problems) > 20 else "")
        )
    return result


def _parent_layer(layer: Any, level: str) -> Any:
    """The shipped layer of a layer's parents (provinces of cities, cities of counties)."""
    from geoproc.boundaries import load_boundaries

    return load_boundaries("china_provinces_cnmaps" if level == "province" else "china_cities")
