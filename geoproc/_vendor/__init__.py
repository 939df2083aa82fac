"""JavaScript and CSS inlined into offline HTML maps (see ``NOTICE`` for sources and licences).

:func:`inline_html` replaces the ``<script src>`` / ``<link href>`` tags folium writes
with the vendored files' contents, so the map needs no network.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

__all__ = ["VENDORED", "DROPPED", "inline_html"]

HERE = Path(__file__).resolve().parent

#: folium's CDN link (matched by its library and file name) -> vendored file.
VENDORED: dict[str, str] = {
    "leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "leaflet.markercluster/1.1.0/leaflet.markercluster.js": "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet.markercluster/1.1.0/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/1.1.0/MarkerCluster.Default.css": "leaflet.markercluster/MarkerCluster.Default.css",
}

#: folium defaults that geoproc's maps do not use: left out of offline maps.
DROPPED: tuple[str, ...] = (
    "bootstrap",
    "fontawesome",
    "Leaflet.awesome-markers",
    "leaflet.awesome.rotate",
)

_SCRIPT = re.compile(r'<script\s+src="(?P<url>[^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def _vendored_file(url: str) -> Path | None:
    for key, rel in VENDORED.items():
        if url.endswith(key):
            return HERE / rel
    return None


def _js(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # the source map is not shipped; "</script" would end the inline block early
    text = re.sub(r"//# sourceMappingURL=\S+\s*$", "", text)
    return text.replace("</script", "<\\/script")


def _css(path: Path) -> str:
    text = path.read_text(encoding="utf-8")

    def data_uri(m: re.Match) -> str:
        png = (path.parent / m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    return _CSS_URL.sub(data_uri, text).replace("</style", "<\\/style")


def inline_html(html: str) -> str:
    """Inline every external script and stylesheet of a folium page.

    Raises
    ------
    RuntimeError
        If the page links a script or stylesheet that is neither vendored nor known
        to be unused (a map feature was added without vendoring its library).
    """

    def script(m: re.Match) -> str:
        url = m.group("url")
        path = _vendored_file(url)
        if path is None:
            if any(d in url for d in DROPPED):
                return ""
            raise RuntimeError(f"offline map: no vendored copy of script {url}")
        return f"<script>/* {path.relative_to(HERE)} (see geoproc/_vendor/NOTICE) */\n{_js(path)}\n</script>"

    def link(m: re.Match) -> str:
        url = m.group("url")
        path = _vendored_file(url)
        if path is None:
            if any(d in url for d in DROPPED):
                return ""
            raise RuntimeError(f"offline map: no vendored copy of stylesheet {url}")
        return f"<style>/* {path.relative_to(HERE)} (see geoproc/_vendor/NOTICE) */\n{_css(path)}\n</style>"

    html = _SCRIPT.sub(script, html)
    return _LINK.sub(link, html)
