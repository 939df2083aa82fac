"""Who to credit: the boundaries' source (recognising geoproc's shipped ones) and others."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from geoproc.errors import GeoprocInputError
from geoproc.maps.html import esc

if TYPE_CHECKING:
    import folium

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "SHIPPED_BOUNDS_TOL_DEG",
    "add_attribution",
    "attribution_for",
    "boundary_attribution",
    "shipped_boundaries_of",
]

#: Attribution of the boundaries shipped with geoproc.
BOUNDARY_ATTRIBUTION = (
    "Boundaries: Apache ECharts 4.9.0 map data (Apache-2.0), converted to WGS84 by geoproc"
)

#: Largest difference, in degrees, between a region's bounds and those of the shipped
#: region with the same code for the layer to count as geoproc's boundaries (about
#: 10 m: survives a round trip through another CRS, not a different source's outline).
SHIPPED_BOUNDS_TOL_DEG = 1e-4


def _codes(values: Any) -> list[int] | None:
    """Administrative codes as ints (a file may hold them as text or floats); None if not codes."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(f) or f != int(f):
            return None
        out.append(int(f))
    return out


def shipped_boundaries_of(gdf: Any) -> str | None:
    """The name of the shipped boundary layer ``gdf`` comes from, or None.

    ``geoproc.load_boundaries`` sets no marker on its frames and a file written from
    them keeps none, so the layer is recognised by its content: its ``code`` values are
    codes of one shipped layer (all of them or a subset, e.g. one province's cities)
    and every region's bounds are within :data:`SHIPPED_BOUNDS_TOL_DEG` of the shipped
    region's. Codes alone would credit any other source of Chinese boundaries that
    uses the same official codes.
    """
    if "code" not in getattr(gdf, "columns", ()) or len(gdf) == 0:
        return None
    codes = _codes(gdf["code"])
    if codes is None or len(set(codes)) != len(codes):
        return None
    from geoproc.boundaries import BOUNDARIES, load_boundaries
    from geoproc.validation import to_lonlat

    bounds = None
    for name in BOUNDARIES:
        try:
            ref = load_boundaries(name)
        except GeoprocInputError:  # data file missing from this install
            continue
        pos = {c: i for i, c in enumerate(_codes(ref["code"]) or [])}
        if not all(c in pos for c in codes):
            continue
        if bounds is None:  # reprojected only once the codes match
            try:
                bounds = to_lonlat(gdf).geometry.bounds.to_numpy(float)
            except Exception:  # noqa: BLE001 - no CRS or an odd geometry: then it is not ours
                return None
        ref_bounds = ref.geometry.bounds.to_numpy(float)[[pos[c] for c in codes]]
        if np.all(np.abs(bounds - ref_bounds) <= SHIPPED_BOUNDS_TOL_DEG):
            return name
    return None


def boundary_attribution(gdf: Any) -> str:
    """Attribution for a region layer: ``gdf.attrs["attribution"]`` if set, the shipped
    boundaries' (:data:`BOUNDARY_ATTRIBUTION`) if the layer is one of them (see
    :func:`shipped_boundaries_of`), else ``""`` (unknown source: credit nobody rather
    than the wrong one)."""
    given = getattr(gdf, "attrs", {}).get("attribution")
    if given:
        return str(given)
    return BOUNDARY_ATTRIBUTION if shipped_boundaries_of(gdf) else ""


def attribution_for(gdf: Any, attribution: str | None) -> str:
    """``attribution`` if given ("" for none), else :func:`boundary_attribution` of the layer."""
    if attribution is not None:
        return attribution
    return boundary_attribution(gdf)


def add_attribution(m: folium.Map, text: str | None) -> None:
    """Show ``text`` (escaped) in the map's attribution control."""
    if not text:
        return
    from branca.element import MacroElement
    from jinja2 import Template

    class _Attribution(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
            "{% endmacro %}"
        )

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "GeoprocAttribution"
            self.text = text

    m.add_child(_Attribution(esc(text)))
