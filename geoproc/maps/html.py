"""Text in map pages: escaping user data, formatting values, region labels, script JSON."""

from __future__ import annotations

import html as _html
import math
from typing import Any

import numpy as np

__all__ = ["NAME_FIELDS", "esc", "fmt_value", "region_label", "script_json"]

#: Name fields shown in tooltips when present (Chinese, then English).
NAME_FIELDS = ("name_zh", "name_en")


def esc(value: Any) -> str:
    """HTML-escape text from user data so it displays as text and runs nothing.

    Besides ``& < > " '``, the characters a JavaScript template literal would act on
    (backtick, ``$``, backslash) become character references too: folium pastes
    popup and tooltip HTML into backtick strings.
    """
    s = _html.escape(str(value), quote=True)
    return s.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def fmt_value(v: Any) -> str:
    """A cell value for a tooltip or popup: numbers shortened, missing as "no data"."""
    if v is None:
        return "no data"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "no data"
        return f"{v:,.1f}" if abs(v) >= 10_000 else f"{v:.4g}"
    try:
        import pandas as pd

        if pd.isna(v):
            return "no data"
    except (TypeError, ValueError):
        pass
    return str(v)


def region_label(row: Any, fallback: Any = None) -> str:
    """Escaped "name_zh name_en" of a region (either alone if only one is present)."""
    parts = []
    for f in NAME_FIELDS:
        if f in row and row[f] is not None and fmt_value(row[f]) != "no data":
            parts.append(esc(row[f]))
    if not parts and "name" in row and row["name"] is not None:
        parts.append(esc(row["name"]))
    if not parts and fallback is not None:
        parts.append(esc(fallback))
    if len(parts) == 2:
        return f"<b>{parts[0]}</b> {parts[1]}"
    return f"<b>{parts[0]}</b>" if parts else ""


def script_json(obj: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` block, UTF-8 kept (half the size of \\u escapes)."""
    import json

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text
