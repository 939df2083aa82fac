"""HTML maps: geoproc.maps vs the plain folium a user would write, by page size and time.

Baselines, in the same process:

* regions -- ``folium.GeoJson`` of the full-resolution outlines with a
  ``GeoJsonTooltip`` of the Chinese and English names and a per-class style function
  (what folium's documentation shows), against :func:`geoproc.maps.lisa_map`
  (coverage-simplified outlines, 5-decimal coordinates, escaped tooltips, legend);
* points -- one ``folium.CircleMarker`` with ``folium.Popup`` and tooltip per park in a
  ``MarkerCluster``, against :func:`geoproc.maps.points_map` (one JSON array).

Ratios: baseline / geoproc (> 1 means geoproc's page is smaller or faster).

    .venv/bin/python benchmarks/bench_maps.py               # 41 YRD cities, 390 parks
    .venv/bin/python benchmarks/bench_maps.py --parks 2000
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_of(f, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parks", type=int, default=390, help="synthetic parks (default 390, the YRD's count)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    args = ap.parse_args()

    import folium
    from folium.plugins import MarkerCluster

    import geoproc
    from geoproc import maps
    from geoproc.palettes import get_palette

    yrd = geoproc.load_boundaries("yrd_cities")
    labels = [c.value for c in get_palette("lisa").categories]
    yrd = yrd.assign(cluster=[labels[i % 5] for i in range(len(yrd))])
    colors = get_palette("lisa").color_map()
    rng = np.random.default_rng(0)
    b = yrd.total_bounds
    parks = pd.DataFrame({
        "name": [f"文化产业园{i}" for i in range(args.parks)],
        "lon": rng.uniform(b[0], b[2], args.parks),
        "lat": rng.uniform(b[1], b[3], args.parks),
        "level": rng.choice(["national", "provincial", "city"], args.parks),
        "year": rng.integers(2000, 2020, args.parks),
    })
    tmp = Path(tempfile.mkdtemp())

    def folium_regions() -> None:
        m = folium.Map(tiles=None)
        folium.GeoJson(
            yrd.to_json(),
            style_function=lambda f: {"fillColor": colors[f["properties"]["cluster"]],
                                      "color": "#636363", "weight": 1, "fillOpacity": 0.85},
            tooltip=folium.GeoJsonTooltip(fields=["name_zh", "name_en", "cluster"]),
        ).add_to(m)
        m.save(str(tmp / "folium_regions.html"))

    def geoproc_regions() -> None:
        maps.lisa_map(yrd, tmp / "geoproc_regions.html", overwrite=True)

    def folium_points() -> None:
        m = folium.Map(tiles=None, location=[31, 119], zoom_start=6, max_zoom=18)
        mc = MarkerCluster().add_to(m)
        for r in parks.itertuples():
            table = "".join(f"<tr><th>{k}</th><td>{html.escape(str(getattr(r, k)))}</td></tr>"
                            for k in ("name", "lon", "lat", "level", "year"))
            folium.CircleMarker([r.lat, r.lon], radius=5, popup=folium.Popup(f"<table>{table}</table>"),
                                tooltip=html.escape(r.name)).add_to(mc)
        m.save(str(tmp / "folium_points.html"))

    def geoproc_points() -> None:
        maps.points_map(None, parks, tmp / "geoproc_points.html", overwrite=True)

    rows = []
    for what, base, ours, bfile, ofile in [
        ("41 city polygons", folium_regions, geoproc_regions, "folium_regions", "geoproc_regions"),
        (f"{args.parks} parks", folium_points, geoproc_points, "folium_points", "geoproc_points"),
    ]:
        tb, tg = best_of(base, args.repeat), best_of(ours, args.repeat)
        sb = os.path.getsize(tmp / f"{bfile}.html")
        sg = os.path.getsize(tmp / f"{ofile}.html")
        rows.append((what, sb, sg, sb / sg, tb, tg, tb / tg))
    print(f"{'map':<18}{'folium KB':>11}{'geoproc KB':>12}{'size ratio':>12}"
          f"{'folium s':>10}{'geoproc s':>11}{'time ratio':>12}")
    for what, sb, sg, rs, tb, tg, rt in rows:
        print(f"{what:<18}{sb / 1e3:>11.0f}{sg / 1e3:>12.0f}{rs:>12.1f}{tb:>10.2f}{tg:>11.2f}{rt:>12.2f}")
    maps.lisa_map(yrd, tmp / "offline.html", offline=True)
    print(f"offline LISA map (Leaflet + jQuery inlined): {os.path.getsize(tmp / 'offline.html') / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
