"""The HTML legend box of every map (categories, line widths, colour ramps)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from geoproc.maps.html import esc

if TYPE_CHECKING:
    import folium

__all__ = ["LEGEND_CSS", "Legend"]

LEGEND_CSS = """
<style>
.leaflet-container { background: #ffffff !important; }
.geoproc-legend { position: absolute; z-index: 1000; bottom: 28px; right: 10px;
  background: rgba(255,255,255,0.92); padding: 6px 9px; border: 1px solid #999;
  border-radius: 4px; font: 12px/1.35 "Helvetica Neue", Arial, "Noto Sans CJK SC", sans-serif;
  max-height: 70%; overflow-y: auto; }
.geoproc-legend-title { font-weight: bold; margin: 4px 0 2px 0; }
.geoproc-legend-item { white-space: nowrap; }
.geoproc-legend-swatch { display: inline-block; width: 16px; height: 12px;
  margin-right: 6px; vertical-align: middle; border: 1px solid #636363; }
.geoproc-legend-ramp { width: 180px; height: 12px; border: 1px solid #636363; }
.geoproc-legend-ramp-labels { display: flex; justify-content: space-between; width: 182px; }
.geoproc-popup th { text-align: left; padding-right: 6px; vertical-align: top; }
.geoproc-legend-note { color: #555; font-size: 11px; max-width: 240px; white-space: normal; }
.geoproc-legend-circle { border-radius: 50%; width: 12px; height: 12px; }
.geoproc-datum-note { position: absolute; z-index: 1000; top: 10px; left: 54px; max-width: 340px;
  background: rgba(255,255,224,0.95); padding: 4px 8px; border: 1px solid #b8a000; border-radius: 4px;
  font: 12px/1.35 "Helvetica Neue", Arial, "Noto Sans CJK SC", sans-serif; }
.geoproc-label { font: 11px/1.1 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #222; white-space: nowrap; pointer-events: none; text-align: center;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; transform: translate(-50%, -50%); }
</style>
"""


class Legend:
    """One HTML legend box (bottom right) holding sections; every text is escaped."""

    def __init__(self) -> None:
        self.sections: list[str] = []

    def categories(self, title: str, items: Sequence[tuple], line: bool = False,
                   widths_px: Sequence[float] | None = None, note: str | None = None,
                   circle: bool = False) -> None:
        """A section of swatches: ``items`` are ``(label, fill)`` or ``(label, fill, border)``;
        ``line`` draws line widths, ``circle`` round markers (point symbols)."""
        rows = [f'<div class="geoproc-legend-title">{esc(title)}</div>']
        for k, (label, color, *rest) in enumerate(items):
            if circle:
                border = rest[0] if rest else "#636363"
                sw = (f'<span class="geoproc-legend-swatch geoproc-legend-circle" style="background:{esc(color)};'
                      f'border:3px solid {esc(border)}"></span>')
            elif line:
                h = max(1.0, float(widths_px[k])) if widths_px else 3.0
                sw = (f'<span class="geoproc-legend-swatch" style="border:0;height:{h:.1f}px;'
                      f'background:{esc(color)}"></span>')
            else:
                sw = f'<span class="geoproc-legend-swatch" style="background:{esc(color)}"></span>'
            rows.append(f'<div class="geoproc-legend-item">{sw}{esc(label)}</div>')
        if note:
            rows.append(f'<div class="geoproc-legend-note">{esc(note)}</div>')
        self.sections.append("".join(rows))

    def ramp(self, title: str, stops: Sequence[tuple[float, str]], labels: Sequence[str],
             note: str | None = None) -> None:
        grad = ", ".join(f"{esc(c)} {100 * a:.1f}%" for a, c in stops)
        lab = "".join(f"<span>{esc(x)}</span>" for x in labels)
        html = (f'<div class="geoproc-legend-title">{esc(title)}</div>'
                f'<div class="geoproc-legend-ramp" style="background:linear-gradient(to right, {grad})"></div>'
                f'<div class="geoproc-legend-ramp-labels">{lab}</div>')
        if note:
            html += f'<div class="geoproc-legend-note">{esc(note)}</div>'
        self.sections.append(html)

    def add_to(self, m: folium.Map) -> None:
        from branca.element import Element

        if self.sections:
            body = "".join(f"<div>{s}</div>" for s in self.sections)
            m.get_root().html.add_child(
                Element(f'<div class="geoproc-legend" id="geoproc-legend">{body}</div>'),
                name="geoproc_legend",
            )
