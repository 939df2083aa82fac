"""The edge catalogue's machinery: bad inputs built in tmp_path, the CLI run in-process.

Each case (see ``test_catalogue.py``) names the input files it needs; :func:`make`
builds them in the case's folder from the shipped data (copies, never links, so that a
command that overwrote an input would be caught by the hash check). The runner calls
``geoproc.cli.main(argv)`` in this process, as the console script does, and returns the
exit code and what was printed on stderr.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
PANEL = DATA / "demo" / "provinces_panel_synthetic.csv"
YRD_PANEL = DATA / "demo" / "yrd_cities_panel_synthetic.csv"
PARKS = DATA / "demo" / "yrd_parks_synthetic.csv"
PROVINCES = DATA / "boundaries" / "china_provinces.gpkg"
YRD = DATA / "boundaries" / "yrd_cities.gpkg"


def _provinces():
    import geopandas as gpd

    return gpd.read_file(PROVINCES)


def _swap(gdf):
    import shapely

    out = gdf.copy()
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    return out


def _panel() -> pd.DataFrame:
    return pd.read_csv(PANEL, encoding="utf-8")


def _write_panel(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8")


def _gwt(path: Path, weight: str) -> None:
    """A GWT over the 31 provinces: each linked to the next two by code; one link's weight set."""
    codes = _panel()["code"].drop_duplicates().tolist()
    lines = [f"0 {len(codes)} provinces code"]
    for i, c in enumerate(codes):
        for j in (1, 2):
            w = "1"
            if i == 0 and j == 1:
                w = weight
            lines.append(f"{c} {codes[(i + j) % len(codes)]} {w}")
            lines.append(f"{codes[(i + j) % len(codes)]} {c} {w}")
    path.write_text("\n".join(lines) + "\n")


def _panel_with(update: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    return lambda path: _write_panel(update(_panel()), path)


def _set(df, column, value, rows=None):
    df = df.copy()
    if rows is None:
        df[column] = value
    else:
        df.loc[rows, column] = value
    return df


def _parks_with(update) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        df = update(pd.read_csv(PARKS, encoding="utf-8"))
        df.to_csv(path, index=False, encoding="utf-8")
    return build


def _layer(make_gdf) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_gdf().to_file(path)
    return build


def _no_prj(path: Path) -> None:
    gdf = _provinces()
    gdf.to_file(path)
    path.with_suffix(".prj").unlink()


def _two_regions(path: Path) -> None:
    gdf = _provinces()
    gdf[gdf["code"].isin([310000, 320000])].to_file(path)


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _copy(src: Path) -> Callable[[Path], None]:
    return lambda path: shutil.copyfile(src, path)


def _gbk_panel(path: Path) -> None:
    path.write_bytes(PANEL.read_text(encoding="utf-8").encode("gbk"))


def _bom_panel(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + PANEL.read_bytes())


def _xlsx_panel(path: Path) -> None:
    _panel().to_excel(path, index=False)


def _html_names(path: Path) -> None:
    gdf = _provinces()
    gdf["name_en"] = "<script>alert(1)</script>"
    gdf["cul"] = range(len(gdf))
    gdf.to_file(path)


def _map_swapped(path: Path) -> None:
    gdf = _swap(_provinces())
    gdf["cul"] = range(len(gdf))
    gdf.to_file(path)


# every input a case may name: file name in the case folder -> how to build it
BUILDERS: dict[str, Callable[[Path], None]] = {
    "panel.csv": _copy(PANEL),
    "yrd_panel.csv": _copy(YRD_PANEL),
    "parks.csv": _copy(PARKS),
    "prov.gpkg": _copy(PROVINCES),
    "yrd.gpkg": _copy(YRD),
    "prov_swapped.gpkg": _layer(lambda: _swap(_provinces())),
    "prov_metres.gpkg": _layer(lambda: _provinces().to_crs(3857).set_crs(4326, allow_override=True)),
    "prov_nocrs.shp": _no_prj,
    "prov_html.gpkg": _html_names,
    "map_swapped.gpkg": _map_swapped,
    "two.gpkg": _two_regions,
    "empty.csv": _bytes(b""),
    "blank.csv": _bytes(b"\n\n"),
    "header.csv": _bytes(PANEL.read_text(encoding="utf-8").splitlines()[0].encode() + b"\n"),
    "garbage.gpkg": _bytes(b"this is not a geopackage\n"),
    "garbage.tif": _bytes(b"id,year\n1,2\n"),
    "garbage.xlsx": _bytes(b"not a zip"),
    "not_stata.dta": _bytes(b"id,year\n1,2\n"),  # a CSV under a .dta name
    "panel_gbk.csv": _gbk_panel,
    "panel_bom.csv": _bom_panel,
    "panel.xlsx": _xlsx_panel,
    "panel_huge.csv": _panel_with(lambda d: _set(d, "cul", d["cul"] * 1e300)),
    "panel_nan.csv": _panel_with(lambda d: _set(d, "cul", np.nan, d.index[:5])),
    "panel_allnan.csv": _panel_with(lambda d: _set(d, "cul", np.nan)),
    "panel_const.csv": _panel_with(lambda d: _set(d, "cul", 1.0)),
    "panel_text.csv": _panel_with(lambda d: _set(d.astype({"cul": object}), "cul", "n/a", d.index[3])),
    "panel_dup.csv": _panel_with(lambda d: pd.concat([d, d.iloc[[0]]])),
    "panel_noid.csv": _panel_with(lambda d: _set(d, "code", d["code"].where(d.index != 7, 999999))),
    "panel_oneyear.csv": _panel_with(lambda d: d[d["year"] == 2021]),
    "panel_two.csv": _panel_with(lambda d: d[d["code"].isin([310000, 320000])]),
    "panel_missing_region.csv": _panel_with(lambda d: d[d["code"] != 110000]),
    "panel_neg.csv": _panel_with(lambda d: _set(d, "rd_staff", -5.0, d.index[:31])),
    "panel_mass_huge.csv": _panel_with(lambda d: _set(d, "rd_staff", 1e308)),
    "panel_inf.csv": _panel_with(lambda d: _set(d, "cul", np.inf, d.index[2])),
    "panel_blankid.csv": _panel_with(lambda d: _set(d.astype({"code": object}), "code", None, d.index[4])),
    "parks_swapped.csv": _parks_with(lambda d: d.rename(columns={"lon": "lat", "lat": "lon"})),
    "parks_nan.csv": _parks_with(lambda d: _set(d, "lon", np.nan, d.index[2])),
    "parks_metres.csv": _parks_with(lambda d: _set(_set(d, "lon", d["lon"] * 1e5), "lat", d["lat"] * 1e5)),
    "parks_text.csv": _parks_with(lambda d: _set(d.astype({"lat": object}), "lat", "北纬31度", d.index[1])),
    "parks_nolon.csv": _parks_with(lambda d: d.drop(columns=["lon"])),
    "parks_outside.csv": _parks_with(lambda d: _set(_set(d, "lon", 100.0), "lat", 40.0)),
    "parks_one.csv": _parks_with(lambda d: d.iloc[:1]),
    "w_neg.gwt": lambda p: _gwt(p, "-1"),
    "w_nan.gwt": lambda p: _gwt(p, "nan"),
    "w_inf.gwt": lambda p: _gwt(p, "inf"),
    "w_ok.gwt": lambda p: _gwt(p, "1"),
    "w_text.gwt": lambda p: _gwt(p, "heavy"),
    "w_garbage.gal": _bytes(b"this is not a gal file\nat all\n"),
    "w_empty.gal": _bytes(b""),
    "w_unknown.gal": _bytes(b"2\n999998 1\n999999\n999999 1\n999998\n"),
    "bad.toml": _bytes(b"[pipeline\ntitle = 'x'\n"),
    "d.csv": _copy(PANEL),
    # a panel d.csv beside a distances step d: the step's d.csv would be the panel
    "pipe_sacred.toml": _bytes(b"[pipeline]\ntitle = 'sacred'\n[steps.prov]\nkind = 'boundaries'\n"
                               b"source = 'china_provinces'\n[steps.p]\nkind = 'panel'\npath = 'd.csv'\n"
                               b"regions = 'prov'\n[steps.d]\nkind = 'distances'\nregions = 'prov'\n"),
}


def make(folder: Path, names: list[str]) -> dict[str, str]:
    """Build the named inputs in ``folder``; return their sha256 (for the unmodified check)."""
    for name in names:
        if name in BUILDERS:
            BUILDERS[name](folder / name)
        else:  # an existing output a case must not replace
            (folder / name).write_text("precious, do not replace\n")
    return digest(folder, names)


def digest(folder: Path, names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        base = folder / name
        for p in sorted(base.parent.glob(base.stem + ".*")) if name.endswith(".shp") else [base]:
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """``geoproc ARGV`` in this process: (exit code, stderr)."""
    from geoproc.cli import main

    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    err = capsys.readouterr().err
    return int(code or 0), err


@contextmanager
def address_space_cap(extra: int = 3 * 2**30):
    """Cap this process's virtual memory at its current size + ``extra`` bytes.

    Size-guard cases ask for terabytes; until every command refuses them up front, a
    lazily-committed ``np.zeros`` could otherwise eat the machine's memory before
    failing. Under the cap the allocation fails at once with MemoryError.
    """
    import resource

    with open("/proc/self/statm") as fh:
        size = int(fh.read().split()[0]) * resource.getpagesize()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + extra if hard == resource.RLIM_INFINITY else min(hard, size + extra)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture
def case_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["geoproc"])
    return tmp_path
