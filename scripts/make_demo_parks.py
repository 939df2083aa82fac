"""Build the SYNTHETIC demo cluster parks, data/demo/yrd_parks_synthetic.csv (fixed seed).

    .venv/bin/python scripts/make_demo_parks.py              # refuses to overwrite
    .venv/bin/python scripts/make_demo_parks.py --overwrite

390 invented cultural-industry parks in the 41 Yangtze River Delta cities of the
shipped boundaries (``geoproc.load_boundaries("yrd_cities")``), with the provincial
totals of the users' study: Shanghai 65, Jiangsu 174, Zhejiang 111, Anhui 40.
Nothing else here is real: names ("... 虚拟文创园 NN (synthetic)"), types, levels,
years and positions are drawn at random, and every row has ``source = synthetic``.

How the positions are made to look like real park clusters:

- each province's total is split among its cities in proportion to a weight: 4 for
  the provincial capital, 2.5 for the other large cultural-industry centres
  (Suzhou, Wuxi, Changzhou, Ningbo, Wenzhou, Jiaxing, Shaoxing, Jinhua, Wuhu), 1 for
  the rest (largest-remainder rounding, so the totals are exact);
- within a city, 75 % of its parks fall around the city centre (a 2-D normal with a
  standard deviation of 6 % of the square root of the city's area, so about 4 km for a
  large city) and 25 % anywhere in the city (county towns); every point is drawn
  again until it lies inside the city polygon;
- the centre is the known city-centre coordinate for the capitals and the largest
  cities (rounded, WGS84), else the polygon's representative point.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

import geoproc
from geoproc.density import equal_area_crs
from geoproc.outputs import atomic_output

SEED = 20240613
OUT = Path(__file__).resolve().parents[1] / "data" / "demo" / "yrd_parks_synthetic.csv"
PROVINCE_TOTALS = {"310000": 65, "320000": 174, "330000": 111, "340000": 40}
CAPITALS = {"310000", "320100", "330100", "340100"}
LARGE = {"320500", "320200", "320400", "330200", "330300", "330400", "330600", "330700", "340200"}
# approximate city-centre coordinates (WGS84, rounded to 0.01 degree)
CENTRES = {
    "310000": (121.47, 31.23),
    "320100": (118.80, 32.06),
    "320200": (120.30, 31.57),
    "320400": (119.97, 31.81),
    "320500": (120.59, 31.30),
    "330100": (120.16, 30.27),
    "330200": (121.55, 29.87),
    "340100": (117.23, 31.82),
    "340200": (118.38, 31.33),
}
TYPES = [
    "creative design",
    "film and media",
    "digital content",
    "arts and crafts",
    "heritage tourism",
    "publishing",
]
LEVELS = ["national", "provincial", "municipal"]
LEVEL_P = [0.1, 0.3, 0.6]
CLUSTERED_SHARE = 0.75
SPREAD = 0.06  # sd of the central cluster, as a fraction of sqrt(city area)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    raw = total * weights / weights.sum()
    n = np.floor(raw).astype(int)
    rest = total - n.sum()
    order = np.argsort(-(raw - n), kind="stable")
    n[order[:rest]] += 1
    return n


def draw_in(polygon, centre, n_parks, sd_deg, rng) -> np.ndarray:
    """``n_parks`` points inside ``polygon``: clustered around ``centre`` or uniform."""
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    out = []
    while len(out) < n_parks:
        if rng.random() < CLUSTERED_SHARE:
            # degrees of longitude shrink with latitude: keep the cluster round on the ground
            x = rng.normal(centre[0], sd_deg / math.cos(math.radians(centre[1])))
            y = rng.normal(centre[1], sd_deg)
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        x, y = round(x, 6), round(y, 6)
        if shapely.intersects_xy(polygon, x, y):
            out.append((x, y))
    return np.array(out)


def build() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    cities = geoproc.load_boundaries("yrd_cities").sort_values("code").reset_index(drop=True)
    cities["code"] = cities["code"].astype(str)
    cities["province_code"] = cities["province_code"].astype(str)
    area_km2 = cities.geometry.to_crs(equal_area_crs(cities)).area / 1e6
    weights = np.where(
        cities["code"].isin(CAPITALS), 4.0, np.where(cities["code"].isin(LARGE), 2.5, 1.0)
    )
    counts = np.zeros(len(cities), dtype=int)
    for prov, total in PROVINCE_TOTALS.items():
        idx = np.flatnonzero(cities["province_code"] == prov)
        counts[idx] = allocate(total, weights[idx])
    rows = []
    for i, city in cities.iterrows():
        poly = city.geometry
        centre = CENTRES.get(city["code"])
        if centre is None or not shapely.intersects_xy(poly, *centre):
            p = poly.representative_point()
            centre = (p.x, p.y)
        sd_km = SPREAD * math.sqrt(area_km2.iat[i])
        xy = draw_in(poly, centre, counts[i], sd_km / 111.32, rng)
        for k, (x, y) in enumerate(xy, start=1):
            rows.append(
                {
                    "name": f"{city['short_zh']}虚拟文创园{k:02d} (synthetic)",
                    "lon": x,
                    "lat": y,
                    "type": TYPES[rng.integers(len(TYPES))],
                    "level": LEVELS[rng.choice(3, p=LEVEL_P)],
                    "year": int(rng.integers(2004, 2023)),
                    "city_code": city["code"],
                    "source": "synthetic",
                }
            )
    parks = pd.DataFrame(rows)
    by_province = parks["city_code"].str[:2].value_counts()
    assert by_province.to_dict() == {"32": 174, "33": 111, "31": 65, "34": 40}, by_province
    return parks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(OUT), help="CSV to write")
    parser.add_argument("--overwrite", action="store_true", help="replace the CSV if it exists")
    args = parser.parse_args(argv)
    parks = build()
    with atomic_output(args.output, args.overwrite) as tmp:
        parks.to_csv(tmp, index=False, encoding="utf-8")
    print(f"wrote {len(parks)} synthetic parks to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
