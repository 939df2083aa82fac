"""The edge catalogue: bad inputs and faults, one case per row, each with a clean outcome.

A row is one command line (run in-process through ``geoproc.cli.main``) or one Python
API call, the inputs it builds in its own folder (``conftest.BUILDERS``), and what must
happen: exit code 2 and a single error line matching a regex that names the culprit, or
exit 0 with a result the row checks. For every row, whatever the outcome: no traceback,
every input byte-for-byte unchanged (sha256 before and after), no partial
``.*.part-*`` file left.

Rows that fail today are marked ``xfail(strict=True)`` with the reason, so that the work
that fixes them turns them green (and a fix that lands unnoticed fails the run until the
mark goes). Issue 13 asks for none at the end.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from geoproc.errors import GeoprocInputError

from .conftest import address_space_cap, digest, make, run_cli


@dataclass(frozen=True)
class Case:
    id: str
    inputs: tuple[str, ...]
    argv: tuple[str, ...] | None = None
    api: Callable[[Path], Any] | None = None
    error: str | None = None
    check: Callable[[Path], None] | None = None
    xfail: str | None = None
    env: dict = field(default_factory=dict)


CASES: list[Case] = []


def cli(id: str, inputs: str, command: str, *, error: str | None = None,
        check: Callable[[Path], None] | None = None, xfail: str | None = None, **env) -> None:
    CASES.append(Case(id, tuple(inputs.split()), tuple(shlex.split(command)), None, error,
                      check, xfail, env))


def api(id: str, inputs: str, call: Callable[[Path], Any], *, error: str | None = None,
        check: Callable[[Path], None] | None = None, xfail: str | None = None, **env) -> None:
    CASES.append(Case(id, tuple(inputs.split()), None, call, error, check, xfail, env))


def exists(*names: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        for n in names:
            assert (folder / n).is_file() and (folder / n).stat().st_size > 0, n
    return check


def missing(*names: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        for n in names:
            assert not (folder / n).exists(), f"{n} was written"
    return check


# ---------------------------------------------------------------------------------------
# 1. Inputs are sacred: an output that is an input is refused, with or without --overwrite
# ---------------------------------------------------------------------------------------
SACRED = r"output .*{0} is the .*inputs are never modified"
LISA = "--variable cul --year 2021 --weights queen --islands nearest --seed 1"
HOT = "--variable cul --year 2021 --weights knn:6 --seed 1"
SDM = "--weights gravity:rd_staff --y cul --x dig --draws 50 --seed 1 --no-tests"
cli("sacred-indices-panel-overwrite", "panel.csv",
    "indices panel.csv --id code --year year --pca rd_staff,rd_capital -o panel.csv --overwrite",
    error=SACRED.format("panel.csv"))
cli("sacred-indices-panel-no-overwrite", "panel.csv",
    "indices panel.csv --id code --year year --pca rd_staff,rd_capital -o panel.csv",
    error=r"panel\.csv(?!.*--overwrite)")
cli("sacred-lisa-regions-overwrite", "prov.gpkg panel.csv",
    f"lisa prov.gpkg panel.csv {LISA} -o prov.gpkg --overwrite",
    error=SACRED.format("prov.gpkg"))
cli("sacred-lisa-panel-overwrite", "prov.gpkg panel.csv",
    f"lisa prov.gpkg panel.csv {LISA} -o panel.csv --overwrite",
    error=r"panel\.csv")
cli("sacred-lisa-dotdot", "prov.gpkg panel.csv",
    f"lisa prov.gpkg panel.csv {LISA} -o sub/../prov.gpkg --overwrite",
    error=r"prov\.gpkg.*inputs are never modified")
cli("sacred-hotspots-regions", "prov.gpkg panel.csv",
    f"hotspots prov.gpkg panel.csv {HOT} -o prov.gpkg --overwrite",
    error=SACRED.format("prov.gpkg"))
cli("sacred-moran-panel", "panel.csv",
    "moran panel.csv --variables cul --weights queen --islands nearest --regions china_provinces "
    "--regions-id code -o panel.csv --overwrite",
    error=SACRED.format("panel.csv"))
cli("sacred-sdm-panel", "panel.csv",
    f"sdm panel.csv {SDM} -o panel.csv --overwrite",
    error=r"output panel\.csv")  # refused for its suffix first: also clean
cli("sacred-sdm-json-panel", "panel.csv",
    f"sdm panel.csv {SDM} -o sdm.html --json panel.csv --overwrite",
    error=r"panel\.csv.*inputs are never modified")
cli("sacred-density-parks", "parks.csv",
    "density parks.csv --regions yrd_cities -o parks.csv --overwrite",
    error=SACRED.format("parks.csv"))
cli("sacred-density-kde-regions", "parks.csv yrd.gpkg",
    "density parks.csv --regions yrd.gpkg -o d.gpkg --kde yrd.gpkg --radius 20000 --pixel 2000 --overwrite",
    error=r"yrd\.gpkg")
cli("sacred-weights-regions", "prov.gpkg",
    "weights prov.gpkg --kind queen -o prov.gpkg --overwrite",
    error=r"prov\.gpkg")  # refused for its suffix first: also clean
cli("sacred-weights-mass", "prov.gpkg panel.csv",
    "weights prov.gpkg --kind gravity --mass panel.csv --mass-column rd_staff -o panel.csv --overwrite",
    error=SACRED.format("panel.csv"))
cli("sacred-distances-regions", "prov.gpkg",
    "distances prov.gpkg -o prov.gpkg --overwrite",
    error=SACRED.format("prov.gpkg"))
cli("sacred-map-layer", "prov.gpkg",
    "map prov.gpkg --column code -o prov.gpkg --overwrite",
    error=r"prov\.gpkg")
cli("sacred-pipeline-step-over-its-panel", "d.csv pipe_sacred.toml",
    "run pipe_sacred.toml -o . --overwrite --no-project",
    error=r"output .*d\.csv is the input of step 'p' \(path\)")
api("sacred-api-write-distance-matrix", "prov.gpkg",
    lambda t: __import__("geoproc").write_distance_matrix(str(t / "prov.gpkg"), t / "prov.gpkg",
                                                          overwrite=True, id="code"),
    error=r"prov\.gpkg.*never modified")

# ---------------------------------------------------------------------------------------
# 2. Geometry checks: every region layer like points (swapped, metres as degrees, no CRS)
# ---------------------------------------------------------------------------------------
SWAP = r"prov_swapped\.gpkg.*110000 \(row 0\) at .*look swapped"
METRES = r"prov_metres\.gpkg.*projected metres labelled as degrees"
NOCRS = r"prov_nocrs\.shp has no coordinate reference system.*look like lon/lat degrees"
for cmd, extra in [("distances {0} -o D.csv", ""),
                   ("weights {0} --kind knn --k 4 -o W.gal", ""),
                   ("weights {0} --kind queen -o W.gal", ""),
                   ("lisa {0} panel.csv " + LISA + " -o l.gpkg", " panel.csv"),
                   ("hotspots {0} panel.csv " + HOT + " -o h.gpkg", " panel.csv"),
                   ("moran panel.csv --variables cul --weights knn:4 --regions {0} --regions-id code -o m.md",
                    " panel.csv")]:
    name = cmd.split()[0]
    for layer, rx in [("prov_swapped.gpkg", SWAP), ("prov_metres.gpkg", METRES), ("prov_nocrs.shp", NOCRS)]:
        cli(f"geometry-{name}-{layer.split('.')[0].split('_')[1]}-{extra.strip() and 'p' or 'r'}"
            f"{cmd.count('knn')}", layer + extra, cmd.format(layer), error=rx)
cli("geometry-density-regions-swapped", "parks.csv prov_swapped.gpkg",
    "density parks.csv --regions prov_swapped.gpkg -o d.gpkg", error=SWAP)
cli("geometry-density-regions-metres", "parks.csv prov_metres.gpkg",
    "density parks.csv --regions prov_metres.gpkg -o d.gpkg", error=METRES)
cli("geometry-map-swapped", "map_swapped.gpkg",
    "map map_swapped.gpkg --column cul -o m.html", error=r"map_swapped\.gpkg.*swapped")


def _api_regions(fn: str, layer: str, **kw):
    def call(t: Path):
        import geoproc

        return getattr(geoproc, fn)(str(t / layer), **kw)
    return call


for layer, rx in [("prov_swapped.gpkg", r"look swapped"), ("prov_metres.gpkg", r"projected metres"),
                  ("prov_nocrs.shp", r"no coordinate reference system")]:
    tag = layer.split(".")[0].split("_")[1]
    api(f"geometry-api-distance_matrix-{tag}", layer, _api_regions("distance_matrix", layer, id="code"),
        error=rx)
    api(f"geometry-api-centroids-{tag}", layer, _api_regions("centroids", layer), error=rx)
    api(f"geometry-api-read_regions-{tag}", layer, _api_regions("read_regions", layer), error=rx)
    api(f"geometry-api-knn-{tag}", layer,
        lambda t, layer=layer: __import__("geoproc").build_weights("knn:4", str(t / layer)), error=rx)

# ---------------------------------------------------------------------------------------
# 3. Empty, blank and garbled files
# ---------------------------------------------------------------------------------------
EMPTY = r"empty\.csv.*(empty|no rows|no data|no columns)"
cli("empty-indices", "empty.csv", "indices empty.csv --id code --year year --pca a,b -o o.csv",
    error=EMPTY)
cli("empty-density-parks", "empty.csv", "density empty.csv --regions yrd_cities -o d.gpkg",
    error=EMPTY)
cli("empty-lisa-panel", "empty.csv", f"lisa china_provinces empty.csv {LISA} -o l.gpkg",
    error=EMPTY)
cli("empty-moran-panel", "empty.csv", "moran empty.csv --variables cul --weights queen -o m.md",
    error=EMPTY)
cli("empty-sdm-panel", "empty.csv", f"sdm empty.csv {SDM} -o s.html",
    error=EMPTY)
cli("blank-lines-indices", "blank.csv", "indices blank.csv --id code --year year --pca a,b -o o.csv",
    error=r"blank\.csv.*(empty|no rows|no data|no columns)")
api("empty-api-read_panel", "empty.csv",
    lambda t: __import__("geoproc").read_panel(t / "empty.csv", id="code", year="year"),
    error=EMPTY)
cli("header-only-lisa", "header.csv", f"lisa china_provinces header.csv {LISA} -o l.gpkg",
    error=r"(empty panel|no rows)")
cli("header-only-sdm", "header.csv", f"sdm header.csv {SDM} -o s.html",
    error=r"(empty panel|no rows)")
cli("header-only-indices", "header.csv",
    "indices header.csv --id code --year year --pca rd_staff,rd_capital -o o.csv",
    error=r"(empty panel|no rows)")
cli("garbage-regions-gpkg", "garbage.gpkg panel.csv", f"lisa garbage.gpkg panel.csv {LISA} -o l.gpkg",
    error=r"garbage\.gpkg")
cli("garbage-distances-gpkg", "garbage.gpkg", "distances garbage.gpkg -o D.csv",
    error=r"garbage\.gpkg")
cli("garbage-xlsx-panel", "garbage.xlsx", f"sdm garbage.xlsx {SDM} -o s.html", error=r"garbage\.xlsx",
)
cli("map-raster-is-csv", "garbage.tif", "map yrd_cities --raster garbage.tif -o m.html",
    error=r"garbage\.tif")
cli("map-raster-panel-csv", "panel.csv", "map yrd_cities --raster panel.csv -o m.html",
    error=r"panel\.csv")
cli("missing-panel-file", "", f"lisa china_provinces nosuch.csv {LISA} -o l.gpkg", error=r"nosuch\.csv")
cli("missing-regions-file", "panel.csv", f"lisa nosuch.gpkg panel.csv {LISA} -o l.gpkg",
    error=r"nosuch\.gpkg")
cli("missing-parks-file", "", "density nosuch.csv --regions yrd_cities -o d.gpkg", error=r"nosuch\.csv")
cli("missing-pipeline", "", "run nosuch.toml -o out", error=r"nosuch\.toml")
cli("bad-toml", "bad.toml", "run bad.toml -o out", error=r"bad\.toml")
cli("folder-as-panel", "", f"lisa china_provinces . {LISA} -o l.gpkg", error=r"'?\.'?|folder|directory")
cli("folder-as-output", "panel.csv", f"lisa china_provinces panel.csv {LISA} -o .",
    error=r"output \.")

# ---------------------------------------------------------------------------------------
# 4. Size guards before any work
# ---------------------------------------------------------------------------------------
SMALL = {"GEOPROC_MAX_MEMORY": "2K"}
cli("size-lisa-permutations", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year 2021 --weights queen --islands nearest "
    "--permutations 1000000000 -o l.gpkg",
    error=r"permutations=1,000,000,000 for 31 regions .*memory")
cli("size-moran-permutations", "panel.csv",
    "moran panel.csv --variables cul --weights queen --islands nearest --regions china_provinces "
    "--regions-id code --permutations 1000000000 -o m.md",
    error=r"permutations=1,000,000,000 for 31 regions: more than 10,000,000 permutations")
cli("size-hotspots-permutations", "panel.csv",
    "hotspots china_provinces panel.csv --variable cul --year 2021 --weights knn:6 "
    "--inference permutation --permutations 1000000000 -o h.gpkg",
    error=r"permutations=1,000,000,000 for 31 regions .*memory")
cli("size-sdm-draws", "panel.csv",
    "sdm panel.csv --weights gravity:rd_staff --y cul --x dig --draws 1000000000 --no-tests -o s.html",
    error=r"draws 1,000,000,000 for \d+ parameters .*memory")
cli("size-kde-max-cells-raised", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 1 "
    "--max-cells 100000000000000",
    error=r"raster of .* cells needs about .* of memory.*--pixel")
cli("size-distances-chunked-under-a-tiny-memory-cap", "prov.gpkg", "distances prov.gpkg -o D.csv",
    check=exists("D.csv"), **SMALL)
api("size-api-distance_matrix-memory-cap", "",
    lambda t: __import__("geoproc").distance_matrix("china_provinces", id="code"),
    error=r"31 x 31 distance matrix of the regions or points \(float64\) needs about 7.5 KB", **SMALL)
api("size-api-write-distance-matrix-disk", "", lambda t: _tiny_disk(t),
    error=r"would write about .* to .*D\.csv; only 1000 bytes is free there")
api("size-api-distance_matrix", "",
    lambda t: __import__("geoproc").distance_matrix(
        __import__("pandas").DataFrame({"id": range(300_000), "lon": 100.0, "lat": 30.0}),
        id="id"),
    error=r"300,000 x 300,000 distance matrix.*needs about 671 GB of memory")
cli("size-kde-geotiff-disk", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 2000",
    error=r"the 405 x 350 raster would write about 618 KB to k\.tif; only 100 KB is free there; use a larger "
          r"--pixel", GEOPROC_MAX_DISK="100K")
cli("size-dense-weights-csv-disk", "prov.gpkg", "weights prov.gpkg --kind queen -o W.csv",
    error=r"31 x 31 weights matrix would write about [0-9.]+ KB to W\.csv; only 1.0 KB is free there; "
          r"write sparse weights", GEOPROC_MAX_DISK="1K")
cli("size-sparse-weights-fit-small-disk", "prov.gpkg", "weights prov.gpkg --kind knn --k 4 -o W.gal",
    check=exists("W.gal"), GEOPROC_MAX_DISK="4K")
api("size-api-write-weights-csv-disk", "", lambda t: _tiny_disk_weights(t),
    error=r"31 x 31 weights matrix would write about .* to .*W\.csv; only 1000 bytes is free there")
cli("size-lisa-gpkg-disk", "panel.csv", f"lisa china_provinces panel.csv {LISA} -o l.gpkg",
    error=r"the layer of 31 features would write about 4\.\d MB to l\.gpkg; only 1\.0 MB is free there",
    GEOPROC_MAX_DISK="1M")
cli("size-lisa-geojson-fits", "panel.csv", f"lisa china_provinces panel.csv {LISA} -o l.geojson",
    check=exists("l.geojson"), GEOPROC_MAX_DISK="50M")
cli("size-max-disk-not-a-size", "prov.gpkg", "weights prov.gpkg --kind queen -o W.csv",
    error=r"GEOPROC_MAX_DISK='lots' is not a size", GEOPROC_MAX_DISK="lots")
cli("size-kde-default-cap", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 1",
    error=r"raster would have .* cells .*--max-cells")

# ---------------------------------------------------------------------------------------
# 5. No silent wrong numbers
# ---------------------------------------------------------------------------------------
cli("weights-negative-gwt-moran", "panel.csv w_neg.gwt",
    "moran panel.csv --variables cul --weights w_neg.gwt -o m.md",
    error=r"weights 'w_neg\.gwt': negative weight -1 on the link 110000 -> 120000")
cli("weights-negative-gwt-lisa", "panel.csv w_neg.gwt",
    "lisa china_provinces panel.csv --variable cul --year 2021 --weights w_neg.gwt -o l.gpkg",
    error=r"negative weight -1 on the link")
cli("weights-nan-gwt-moran", "panel.csv w_nan.gwt",
    "moran panel.csv --variables cul --weights w_nan.gwt -o m.md", error=r"w_nan\.gwt|NaN|not a number")
cli("weights-inf-gwt-moran", "panel.csv w_inf.gwt",
    "moran panel.csv --variables cul --weights w_inf.gwt -o m.md", error=r"w_inf\.gwt|infinite")
cli("weights-text-gwt", "panel.csv w_text.gwt",
    "moran panel.csv --variables cul --weights w_text.gwt -o m.md", error=r"w_text\.gwt")
cli("weights-garbage-gal", "panel.csv w_garbage.gal",
    "moran panel.csv --variables cul --weights w_garbage.gal -o m.md", error=r"w_garbage\.gal")
cli("weights-empty-gal", "panel.csv w_empty.gal",
    "moran panel.csv --variables cul --weights w_empty.gal -o m.md", error=r"w_empty\.gal")
cli("weights-unknown-ids-gal", "panel.csv w_unknown.gal",
    "moran panel.csv --variables cul --weights w_unknown.gal -o m.md", error=r"99999[89]")
cli("weights-ok-gwt-moran", "panel.csv w_ok.gwt",
    "moran panel.csv --variables cul --weights w_ok.gwt --seed 1 -o m.md", check=exists("m.md"))
cli("huge-values-moran", "panel_huge.csv",
    "moran panel_huge.csv --variables cul --weights queen --islands nearest --regions china_provinces "
    "--regions-id code --seed 1 -o m.md",
    check=lambda t: _moran_scale_free(t))
cli("huge-values-hotspots", "panel_huge.csv",
    f"hotspots china_provinces panel_huge.csv {HOT} -o h.gpkg",
    check=lambda t: _hotspots_scale_free(t))
cli("huge-values-lisa", "panel_huge.csv",
    f"lisa china_provinces panel_huge.csv {LISA} -o l.gpkg",
    check=lambda t: _lisa_scale_free(t))
cli("huge-values-sdm", "panel_huge.csv", f"sdm panel_huge.csv {SDM} -o s.html",
    error=r"column 'cul' has values up to \d\.\d+e\+300")
cli("huge-mass-gravity", "prov.gpkg panel_mass_huge.csv",
    "weights prov.gpkg --kind gravity --mass panel_mass_huge.csv --mass-column rd_staff -o W.csv",
    error=r"mass column 'rd_staff' has values up to (1e\+308|inf)")
cli("allnan-variable-hotspots", "panel_allnan.csv",
    f"hotspots china_provinces panel_allnan.csv {HOT} -o h.gpkg", error=r"cul")
cli("constant-variable-lisa", "panel_const.csv",
    f"lisa china_provinces panel_const.csv {LISA} -o l.gpkg", error=r"'cul'.*constant")
cli("inf-value-moran", "panel_inf.csv",
    "moran panel_inf.csv --variables cul --weights queen --islands nearest --regions china_provinces "
    "--regions-id code -o m.md", error=r"'cul' is infinite for 130000 in 2013")
cli("text-value-sdm", "panel_text.csv", f"sdm panel_text.csv {SDM} -o s.html", error=r"'cul' is empty for 140000 in 2013")
cli("distances-xlsx-suffix", "prov.gpkg", "distances prov.gpkg -o D.xlsx",
    error=r"output D\.xlsx: the distance matrix is written as CSV; name it \.csv")
cli("distances-unknown-suffix", "prov.gpkg", "distances prov.gpkg -o D.parquet",
    error=r"output D\.parquet: .*\.csv")
cli("lisa-unknown-suffix", "panel.csv", f"lisa china_provinces panel.csv {LISA} -o l.docx",
    error=r"\.docx")
cli("weights-unknown-suffix", "prov.gpkg", "weights prov.gpkg --kind queen -o W.txt", error=r"W\.txt|\.txt")

# ---------------------------------------------------------------------------------------
# 6. Messages that name the culprit
# ---------------------------------------------------------------------------------------
cli("hotspots-two-regions", "two.gpkg panel_two.csv",
    "hotspots two.gpkg panel_two.csv --variable cul --year 2021 --weights knn:1 -o h.gpkg",
    error=r"^(?!.*Moran).*needs at least 3 regions; .* has 2$")
cli("panel-id-not-a-region", "prov.gpkg panel_noid.csv",
    "moran panel_noid.csv --variables cul --weights queen --islands nearest --regions prov.gpkg "
    "--regions-id code -o m.md", error=r"999999")
cli("panel-id-not-a-region-no-regions", "panel_noid.csv",
    "moran panel_noid.csv --variables cul --weights queen --islands nearest -o m.md", error=r"999999",
)
cli("panel-id-not-a-region-lisa", "panel_noid.csv",
    "lisa china_provinces panel_noid.csv --variable cul --year 2013 --weights queen --islands nearest "
    "-o l.gpkg", error=r"230000|999999")
cli("map-column-missing", "prov.gpkg", "map prov.gpkg --column nosuch_col -o m.html",
    error=r"--column nosuch_col: layer prov\.gpkg has no such column")
cli("lisa-variable-missing", "panel.csv",
    "lisa china_provinces panel.csv --variable nosuch --year 2021 --weights queen -o l.gpkg",
    error=r"nosuch")
cli("lisa-year-missing", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year 1999 --weights queen -o l.gpkg",
    error=r"1999")
cli("lisa-id-missing", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year 2021 --weights queen --id nosuch -o l.gpkg",
    error=r"nosuch")
cli("moran-variable-missing", "panel.csv",
    "moran panel.csv --variables cul,nosuch --weights queen --islands nearest --regions china_provinces "
    "--regions-id code -o m.md", error=r"nosuch")
cli("moran-weights-unknown-kind", "panel.csv",
    "moran panel.csv --variables cul --weights queeen --regions china_provinces -o m.md",
    error=r"queeen")
cli("moran-weights-knn-text", "panel.csv",
    "moran panel.csv --variables cul --weights knn:six --regions china_provinces -o m.md",
    error=r"six|knn")
cli("moran-gravity-column-missing", "panel.csv",
    "moran panel.csv --variables cul --weights gravity:nosuch --regions china_provinces "
    "--regions-id code -o m.md", error=r"nosuch")
cli("moran-regions-found-from-ids", "panel.csv",
    "moran panel.csv --variables cul --weights queen --islands nearest --seed 1 -o m.md",
    check=exists("m.md"))
cli("sdm-x-missing", "panel.csv", "sdm panel.csv --weights gravity:rd_staff --y cul --x nosuch -o s.html",
    error=r"nosuch")
cli("sdm-y-missing", "panel.csv", "sdm panel.csv --weights gravity:rd_staff --y nosuch --x dig -o s.html",
    error=r"nosuch")
cli("sdm-one-year", "panel_oneyear.csv", f"sdm panel_oneyear.csv {SDM} -o s.html",
    error=r"(one|single) (year|period)|2021")
cli("sdm-duplicate-rows", "panel_dup.csv", f"sdm panel_dup.csv {SDM} -o s.html",
    error=r"110000.*2013|duplicate")
cli("sdm-missing-region", "panel_missing_region.csv", f"sdm panel_missing_region.csv {SDM} -o s.html",
    error=r"110000")
cli("sdm-blank-id", "panel_blankid.csv", f"sdm panel_blankid.csv {SDM} -o s.html", error=r"code")
cli("lisa-nan-values", "panel_nan.csv", "lisa china_provinces panel_nan.csv --variable cul --year 2013 "
    "--weights queen --islands nearest --seed 1 -o l.gpkg", error=r"cul.*(110000|missing|NaN)")
cli("weights-gravity-negative-mass", "prov.gpkg panel_neg.csv",
    "weights prov.gpkg --kind gravity --mass panel_neg.csv --mass-column rd_staff -o W.csv",
    error=r"rd_staff")
cli("weights-knn-zero", "prov.gpkg", "weights prov.gpkg --kind knn --k 0 -o W.gal", error=r"k|--k")
cli("weights-knn-too-many", "prov.gpkg", "weights prov.gpkg --kind knn --k 31 -o W.gal", error=r"31|k")
cli("weights-gravity-no-mass", "prov.gpkg", "weights prov.gpkg --kind gravity -o W.csv", error=r"--mass")
cli("weights-id-missing", "prov.gpkg", "weights prov.gpkg --kind queen --id nosuch -o W.gal", error=r"nosuch")
cli("warn-weights-islands", "prov.gpkg", "weights prov.gpkg --kind queen --islands warn -o W.gal",
    check=exists("W.gal"))
cli("lisa-alpha-out-of-range", "panel.csv", f"lisa china_provinces panel.csv {LISA} --alpha 2 -o l.gpkg",
    error=r"--alpha\) must be in \(0, 1\], not 2")
cli("lisa-negative-permutations", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year 2021 --weights queen --permutations -5 -o l.gpkg",
    error=r"--permutations")
cli("lisa-permutations-text", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year 2021 --weights queen --permutations many -o l.gpkg",
    error=r"--permutations")
cli("sdm-negative-draws", "panel.csv", "sdm panel.csv --weights gravity:rd_staff --y cul --x dig --draws -1 "
    "-o s.html", error=r"--draws")
cli("density-radius-negative", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius -5 --pixel 1000", error=r"radius")
cli("density-pixel-zero", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 0", error=r"pixel")
cli("density-radius-below-pixel", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 10 --pixel 1000",
    error=r"radius .* smaller than a pixel")
cli("density-per-capita-missing", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --per-capita nosuch", error=r"nosuch")
cli("density-weight-missing", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 2000 --weight nosuch",
    error=r"nosuch")
cli("density-crs-unknown", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --radius 20000 --pixel 2000 --crs EPSG:0",
    error=r"crs 'EPSG:0' \(CLI --crs\) is not a CRS")
cli("density-kde-without-radius-ok", "parks.csv",
    "density parks.csv --regions yrd_cities -o d.gpkg --kde k.tif --pixel 2000",
    check=exists("d.gpkg", "k.tif"))
cli("indices-pca-column-missing", "panel.csv",
    "indices panel.csv --id code --year year --pca rd_staff,nosuch -o o.csv", error=r"nosuch")
cli("indices-entropy-text-column", "panel_text.csv",
    "indices panel_text.csv --id code --year year --entropy cul,dig -o o.csv", error=r"cul")
cli("indices-lq-bad-spec", "panel.csv", "indices panel.csv --id code --year year --lq gdp -o o.csv",
    error=r"--lq")
cli("indices-nothing-to-do", "panel.csv", "indices panel.csv --id code --year year -o o.csv",
    error=r"(nothing|give|choose|at least)")
cli("indices-id-missing", "panel.csv", "indices panel.csv --id nosuch --year year --pca rd_staff,rd_capital "
    "-o o.csv", error=r"nosuch")
cli("indices-duplicate-rows", "panel_dup.csv",
    "indices panel_dup.csv --id code --year year --pca rd_staff,rd_capital -o o.csv", error=r"110000|duplicate")
cli("indices-pca-huge", "panel_huge.csv",
    "indices panel_huge.csv --id code --year year --pca cul,dig,rd_staff -o o.csv",
    check=lambda t: _pca_scale_free(t))

# ---------------------------------------------------------------------------------------
# 7. Points (parks) -- these already get named errors; kept so they stay that way
# ---------------------------------------------------------------------------------------
cli("parks-swapped", "parks_swapped.csv", "density parks_swapped.csv --regions yrd_cities -o d.gpkg",
    error=r"swapped")
cli("parks-nan", "parks_nan.csv", "density parks_nan.csv --regions yrd_cities -o d.gpkg",
    error=r"missing coordinates.*line 4")
cli("parks-metres", "parks_metres.csv", "density parks_metres.csv --regions yrd_cities -o d.gpkg",
    error=r"projected|metres")
cli("parks-text-lat", "parks_text.csv", "density parks_text.csv --regions yrd_cities -o d.gpkg",
    error=r"北纬31度|not a number")
cli("parks-no-lon", "parks_nolon.csv", "density parks_nolon.csv --regions yrd_cities -o d.gpkg",
    error=r"lon")
cli("parks-datum-unknown", "parks.csv", "density parks.csv --regions yrd_cities --datum wgs99 -o d.gpkg",
    error=r"wgs99")
cli("parks-outside-regions", "parks_outside.csv",
    "density parks_outside.csv --regions yrd_cities -o d.gpkg", check=exists("d.gpkg"))
cli("parks-single-kde", "parks_one.csv",
    "density parks_one.csv --regions yrd_cities -o d.gpkg --kde k.tif --pixel 1000",
    error=r"radius|Silverman|one point")
cli("parks-gcj02-ok", "parks.csv", "density parks.csv --regions yrd_cities --datum gcj02 -o d.gpkg",
    check=exists("d.gpkg"))

# ---------------------------------------------------------------------------------------
# 8. Encodings and formats handled well (correct results, same as UTF-8)
# ---------------------------------------------------------------------------------------
for name in ("panel_gbk.csv", "panel_bom.csv", "panel.xlsx"):
    cli(f"format-moran-{name}", name, f"moran {name} --variables cul --weights queen --islands nearest "
        "--regions china_provinces --regions-id code --seed 1 -o m.md", check=exists("m.md"))
    cli(f"format-indices-{name}", name, f"indices {name} --id code --year year --pca rd_staff,rd_capital "
        "-o o.csv", check=exists("o.csv"))
cli("format-html-names-map", "prov_html.gpkg", "map prov_html.gpkg --column cul -o m.html",
    check=lambda t: _no_live_script(t / "m.html"))

# ---------------------------------------------------------------------------------------
# 9. Existing outputs and overwrite
# ---------------------------------------------------------------------------------------
for cmd, out in [("distances china_provinces -o {0}", "D.csv"),
                 ("weights china_provinces --kind queen --islands nearest -o {0}", "W.gal"),
                 (f"lisa china_provinces panel.csv {LISA} -o {{0}}", "l.gpkg"),
                 (f"hotspots china_provinces panel.csv {HOT} -o {{0}}", "h.gpkg"),
                 ("indices panel.csv --id code --year year --pca rd_staff,rd_capital -o {0}", "o.csv"),
                 ("density parks.csv --regions yrd_cities -o {0}", "d.gpkg")]:
    name = cmd.split()[0]
    inputs = " ".join(w for w in ("panel.csv", "parks.csv") if w in cmd)
    cli(f"exists-{name}", inputs + " " + out, cmd.format(out), error=rf"{re.escape(out)} already exists.*--overwrite")
    cli(f"overwrite-{name}", inputs, cmd.format(out) + " --overwrite", check=exists(out))

# ---------------------------------------------------------------------------------------
# 10. Argument errors argparse reports (exit 2, the flag named)
# ---------------------------------------------------------------------------------------
for command in ("lisa china_provinces panel.csv --variable cul --year 2021 -o l.gpkg",
                "hotspots china_provinces panel.csv --variable cul --year 2021 -o h.gpkg",
                "moran panel.csv --variables cul -o m.md",
                "sdm panel.csv --y cul --x dig -o s.html"):
    cli(f"argparse-missing-weights-{command.split()[0]}", "panel.csv", command, error=r"--weights")
cli("argparse-missing-output", "", "distances china_provinces", error=r"-o")
cli("argparse-unknown-kind", "", "weights china_provinces --kind hexagon -o W.gal", error=r"hexagon")
cli("argparse-unknown-command", "", "frobnicate", error=r"frobnicate")
cli("argparse-centroid-unknown", "", "distances china_provinces --centroid middle -o D.csv", error=r"middle")
cli("argparse-year-text", "panel.csv",
    "lisa china_provinces panel.csv --variable cul --year twenty --weights queen -o l.gpkg", error=r"twenty|year")

# ---------------------------------------------------------------------------------------
# 11. Things that must simply work on the shipped data (and print no warning)
# ---------------------------------------------------------------------------------------
cli("ok-distances-provinces", "", "distances china_provinces -o D.csv", check=exists("D.csv"))
cli("ok-distances-largest", "", "distances china_provinces --centroid largest -o D.csv", check=exists("D.csv"))
cli("ok-weights-knn", "", "weights china_provinces --kind knn --k 4 -o W.gwt", check=exists("W.gwt"))
cli("ok-lisa-seeded-fdr", "panel.csv", f"lisa china_provinces panel.csv {LISA} --fdr -o l.gpkg",
    check=exists("l.gpkg"))
cli("ok-hotspots", "panel.csv", f"hotspots china_provinces panel.csv {HOT} -o h.gpkg", check=exists("h.gpkg"))
cli("ok-density-yrd", "parks.csv", "density parks.csv --regions yrd_cities -o d.gpkg", check=exists("d.gpkg"))
cli("ok-distances-capital", "", "distances china_provinces --centroid capital -o D.csv",
    check=lambda t: _beijing_tianjin(t / "D.csv"))
cli("ok-weights-capital", "", "weights china_provinces --kind knn --k 4 --centroid capital -o W.gal",
    check=exists("W.gal"))
cli("capital-on-cities-cli", "", "distances yrd_cities --centroid capital -o D.csv",
    error=r"no capital for 320100, 320200")
api("ok-api-capital-distances", "", lambda t: __import__("geoproc").distance_matrix(
    "china_provinces", id="code", how="capital"), check=None)
api("ok-api-capital-weights", "panel.csv", lambda t: __import__("geoproc").build_weights(
    "knn:4", "china_provinces", centroid="capital"), check=None)
api("api-capital-on-cities", "", lambda t: __import__("geoproc").centroids("yrd_cities", how="capital"),
    error=r"no capital for 320100")
api("api-centroid-how-unknown", "", lambda t: __import__("geoproc").centroids("china_provinces", how="middle"),
    error=r"middle")


# ---------------------------------------------------------------------------------------
# Front ends that landed last: tables, pattern, sdm --dynamic/--model sac/--select,
# demo --study cities, boundaries export china_counties, read_panel(crosswalk=...), .dta
# ---------------------------------------------------------------------------------------
TW = "--y cul --x dig --weights W=knn:4"
cli("front-tables-unknown-x", "panel.csv", "tables panel.csv --y cul --x nosuch --weights W=knn:4 -o t.md",
    error=r"panel panel\.csv has no column 'nosuch'; its columns are code")
cli("front-tables-pdf-suffix", "panel.csv", f"tables panel.csv {TW} -o t.pdf",
    error=r"output t\.pdf: use one of \.docx, \.xlsx, \.tex")
cli("front-tables-dta-not-stata", "not_stata.dta", f"tables not_stata.dta {TW} -o t.md",
    error=r"not_stata\.dta: not a readable Stata \.dta file")
cli("sacred-tables-output-is-panel", "panel.csv", f"tables panel.csv {TW} -o panel.csv --overwrite",
    error=r"output panel\.csv is the panel panel\.csv; inputs are never modified")
cli("front-sdm-dta-not-stata", "not_stata.dta", "sdm not_stata.dta --weights knn:4 --y cul --x dig -o s.html",
    error=r"not_stata\.dta: not a readable Stata \.dta file")
cli("front-pattern-area-negative", "parks.csv", "pattern parks.csv --ann --area-km2 -5",
    error=r"area_km2 must be a positive number, not -5")
cli("front-pattern-by-unknown", "parks.csv", "pattern parks.csv --by nosuch --ellipse e.gpkg",
    error=r"no column 'nosuch' to group by; columns are name, lon, lat")
cli("front-pattern-ellipse-csv", "parks.csv", "pattern parks.csv --ellipse e.csv",
    error=r"output e\.csv: give a \.gpkg")
cli("sacred-pattern-ann-is-points", "parks.csv", "pattern parks.csv --ann parks.csv --regions yrd_cities --overwrite",
    error=r"output parks\.csv is the points parks\.csv")
api("front-pattern-ann-replaces-its-own-output", "parks.csv", lambda t: _ann_overwrite(t))
cli("size-pattern-ripley-simulations", "parks.csv",
    "pattern parks.csv --ripley r.csv --regions yrd_cities --simulations 1000000000",
    error=r"simulations 1,000,000,000 at 20 distances needs about 149 GB of memory; .*--simulations 99")
cli("front-pattern-ripley-distances", "parks.csv", "pattern parks.csv --ripley --distances -100 --regions yrd_cities",
    error=r"distances must be positive, finite and increasing")
cli("front-sdm-dynamic-one-year", "panel_oneyear.csv",
    "sdm panel_oneyear.csv --weights knn:4 --y cul --x dig --dynamic tl --no-tests -o s.html",
    error=r"panel_oneyear\.csv has 1 period\(s\) \(year = 2021\); a panel model needs T >= 2")
cli("front-sdm-dynamic-sem", "panel.csv", "sdm panel.csv --weights knn:4 --y cul --x dig --dynamic tl --model sem -o s.html",
    error=r"--dynamic needs --model sdm or sar, not sem")
cli("front-sdm-dynamic-bad-kind", "panel.csv", "sdm panel.csv --weights knn:4 --y cul --x dig --dynamic xx -o s.html",
    error=r"--dynamic: invalid choice: 'xx'")
cli("front-sdm-sac-y-among-x", "panel.csv", "sdm panel.csv --weights knn:4 --y cul --x cul --model sac -o s.html",
    error=r"dependent variable 'cul' is also listed among the regressors")
cli("front-sdm-model-unknown", "panel.csv", "sdm panel.csv --weights knn:4 --y cul --x dig --model nosuch -o s.html",
    error=r"--model 'nosuch': use one or more of sdm, sar, sem, slx, sac")
cli("front-sdm-select-one-year", "panel_oneyear.csv",
    "sdm panel_oneyear.csv --weights knn:4 --y cul --x dig --select -o s.html",
    error=r"1 period\(s\) \(year = 2021\)")
cli("sacred-sdm-select-output-is-panel", "panel.csv",
    "sdm panel.csv --weights knn:4 --y cul --x dig --select -o panel.csv --overwrite",
    error=r"output panel\.csv is the panel panel\.csv")
cli("front-demo-cities-output-is-a-file", "panel.csv", "demo --study cities -o panel.csv --overwrite",
    error=r"output panel\.csv exists and is not a folder")
cli("front-demo-study-unknown", "", "demo --study nosuch -o dd", error=r"--study: invalid choice: 'nosuch'")
cli("front-boundaries-export-unknown", "", "boundaries export china_countiez -o c.gpkg",
    error=r"unknown boundary layer 'china_countiez'; shipped layers are: .*china_counties")
cli("front-boundaries-export-counties-suffix", "", "boundaries export china_counties -o c.txt",
    error=r"output c\.txt: unknown format '\.txt'")
api("front-read-panel-crosswalk-policy", "", lambda t: _crosswalk(crosswalk="nosuch"),
    error=r"crosswalk='nosuch': use True, 'drop', 'error' or 'keep'")
api("front-read-panel-crosswalk-merge-needs-additive", "", lambda t: _crosswalk(crosswalk=True),
    error=r"units merged into one in the same year \(371200 -> 济南市 \(370100\)\); pass additive")
api("front-read-panel-crosswalk-additive-unknown", "", lambda t: _crosswalk(crosswalk=True, additive=["nosuch"]),
    error=r"no additive column 'nosuch'")
api("front-read-panel-crosswalk-merge-summed", "", lambda t: _crosswalk_summed())
api("front-read-panel-dta-not-stata", "not_stata.dta",
    lambda t: __import__("geoproc").read_panel(t / "not_stata.dta"),
    error=r"not_stata\.dta: not a readable Stata \.dta file")


def _crosswalk(**kw):
    """莱芜 (371200) merged into 济南 (370100) in 2019: two rows per year become one."""
    import pandas as pd

    import geoproc

    df = pd.DataFrame({"code": [371200, 370100, 371200, 370100], "year": [2018, 2018, 2019, 2019],
                       "x": [1.0, 2.0, 3.0, 4.0]})
    return geoproc.read_panel(df, **kw)


def _crosswalk_summed() -> None:
    out = _crosswalk(crosswalk=True, additive=["x"])
    assert out["code"].tolist() == [370100, 370100] and out["x"].tolist() == [1.0 + 2.0, 3.0 + 4.0]


def _ann_overwrite(t: Path) -> None:
    """--ann names an output: an existing file of that name is replaced with --overwrite
    (it was once taken for an input and refused), refused without."""
    import pandas as pd

    from geoproc.cli import main

    (t / "a.csv").write_text("old")
    argv = ["pattern", str(t / "parks.csv"), "--ann", str(t / "a.csv"), "--regions", "yrd_cities"]
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code == 2
    assert (t / "a.csv").read_text() == "old"
    assert main([*argv, "--overwrite"]) in (0, None)
    got = pd.read_csv(t / "a.csv")
    assert got["n"].tolist() == [len(pd.read_csv(t / "parks.csv"))]


# ---------------------------------------------------------------------------------------
# checks used above (computed independently of the command's own report)
# ---------------------------------------------------------------------------------------
def _tiny_disk(t: Path):
    import geoproc
    from geoproc import resources

    real = resources.free_disk
    resources.free_disk = lambda path: 1000  # as if the output's disk had 1000 bytes left
    try:
        return geoproc.write_distance_matrix("china_provinces", t / "D.csv", id="code")
    finally:
        resources.free_disk = real


def _tiny_disk_weights(t: Path):
    import geoproc
    from geoproc import resources

    real = resources.free_disk
    resources.free_disk = lambda path: 1000
    try:
        w = geoproc.build_weights("knn:4", geoproc.load_boundaries("china_provinces"))
        return geoproc.write_weights(w, t / "W.csv")
    finally:
        resources.free_disk = real


def _lisa_scale_free(t: Path) -> None:
    """Local Moran's I is scale-free: cul x 1e300 gives the I, z and p of cul (same seed)."""
    import geopandas as gpd
    import numpy as np

    from .conftest import PANEL

    huge = gpd.read_file(t / "l.gpkg")
    (t / "base").mkdir()
    from geoproc.cli import main

    assert main(["lisa", "china_provinces", str(PANEL), *LISA.split(), "-o", str(t / "base" / "l.gpkg")]) == 0
    base = gpd.read_file(t / "base" / "l.gpkg")
    for col in ("lisa_I", "lisa_z"):
        assert np.allclose(huge[col], base[col], rtol=1e-9, atol=1e-12), col
    # a permuted statistic exactly equal to the observed one (the same neighbours drawn in
    # another order) may fall either side after rounding: a few of the 999 counts can flip
    assert np.allclose(huge["lisa_p"], base["lisa_p"], atol=3 / 1000)


def _moran_scale_free(t: Path) -> None:
    """Moran's I is scale-free: cul x 1e300 gives the table of cul (same seed)."""
    from geoproc.cli import main

    from .conftest import PANEL

    huge = (t / "m.md").read_text(encoding="utf-8")
    assert main(["moran", str(PANEL), "--variables", "cul", "--weights", "queen", "--islands",
                 "nearest", "--regions", "china_provinces", "--regions-id", "code", "--seed", "1",
                 "-o", str(t / "base.md")]) == 0
    base = (t / "base.md").read_text(encoding="utf-8")
    def rows(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if ln.startswith("| 20")]

    assert not any(re.search(r"\bnan\b", r.lower()) for r in rows(huge))
    assert len(rows(base)) == 9 and rows(huge) == rows(base)  # 2013-2021, printed the same


def _beijing_tianjin(path: Path) -> None:
    """Capital to capital: pyproj's WGS84 geodesic between GeoNames' Beijing and Tianjin."""
    import pandas as pd
    from pyproj import Geod

    d = pd.read_csv(path, index_col=0)
    expect = Geod(ellps="WGS84").inv(116.39723, 39.9075, 117.17667, 39.14222)[2] / 1000
    assert abs(d.loc[110000, "120000"] - expect) < 1e-5


def _hotspots_scale_free(t: Path) -> None:
    """Gi* z under normality is scale-free: cul x 1e300 gives the z, p and bins of cul."""
    import geopandas as gpd
    import numpy as np

    from geoproc.cli import main

    from .conftest import PANEL

    huge = gpd.read_file(t / "h.gpkg")
    assert main(["hotspots", "china_provinces", str(PANEL), *HOT.split(), "-o", str(t / "b.gpkg")]) == 0
    base = gpd.read_file(t / "b.gpkg")
    assert np.isfinite(huge["gi_z"]).all()
    assert np.allclose(huge["gi_z"], base["gi_z"], rtol=1e-9, atol=1e-12)
    assert (huge["hotspot"] == base["hotspot"]).all()


def _no_nan_table(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "nan" not in text.lower(), text[:500]


def _pca_scale_free(t: Path) -> None:
    """The PCA index of standardised indicators is scale-free: cul x 1e300 changes nothing.

    Computed here independently: z-scores (sample sd), the correlation matrix's leading
    eigenvector (numpy), signed so that its coefficients sum to a positive number.
    """
    import numpy as np
    import pandas as pd

    from .conftest import PANEL

    out = pd.read_csv(t / "o.csv")
    base = pd.read_csv(PANEL)
    x = base[["cul", "dig", "rd_staff"]].to_numpy(float)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    vals, vecs = np.linalg.eigh(z.T @ z / (len(z) - 1))
    v = vecs[:, np.argmax(vals)]
    v = v if v.sum() > 0 else -v
    col = [c for c in out.columns if c not in base.columns]
    assert len(col) == 1, col
    got = out.set_index(["code", "year"])[col[0]]
    want = pd.Series(z @ v, index=pd.MultiIndex.from_frame(base[["code", "year"]]))
    assert np.allclose(got.loc[want.index].to_numpy(float), want.to_numpy(), atol=1e-9)

def _no_live_script(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text


# ---------------------------------------------------------------------------------------
def _params():
    seen = set()
    for case in CASES:
        assert case.id not in seen, f"duplicate case id {case.id}"
        seen.add(case.id)
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def _error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    idx = [i for i, ln in enumerate(lines) if re.match(r"^geoproc( [\w-]+)?: error: ", ln)]
    assert idx, f"no 'geoproc ...: error:' line in:\n{err}"
    assert len(idx) == 1 and idx[0] == len(lines) - 1, f"error message is not one last line:\n{err}"
    return lines[idx[0]].split(": error: ", 1)[1]


@pytest.mark.parametrize("case", list(_params()))
def test_case(case: Case, case_dir: Path, capsys, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    before = make(case_dir, list(case.inputs))
    with address_space_cap() if case.id.startswith("size-") else nullcontext():
        _run(case, case_dir, capsys)
    if case.check is not None:
        case.check(case_dir)
    assert digest(case_dir, list(case.inputs)) == before, "an input was modified"
    assert not [p.name for p in case_dir.rglob(".*.part-*")], "partial files left behind"


def _run(case: Case, case_dir: Path, capsys) -> None:
    if case.argv is not None:
        code, err = run_cli(list(case.argv), capsys)
        assert "Traceback" not in err, err
        if case.error is not None:
            assert code == 2, f"exit {code}, expected 2; stderr:\n{err}"
            message = _error_line(err)
            assert re.search(case.error, message), f"{message!r} does not match {case.error!r}"
        else:
            assert code == 0, f"exit {code}; stderr:\n{err}"
            if not case.id.startswith(("warn-", "parks-outside")):
                assert "warning" not in err.lower(), err
    else:
        if case.error is not None:
            with pytest.raises(GeoprocInputError) as info:
                case.api(case_dir)
            message = str(info.value)
            assert "\n" not in message, message
            assert re.search(case.error, message), f"{message!r} does not match {case.error!r}"
        else:
            case.api(case_dir)


def test_catalogue_size():
    assert len(CASES) >= 150, len(CASES)
