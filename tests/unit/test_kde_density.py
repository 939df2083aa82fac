"""kernel_density(output="density"): points per km^2, each kernel integrating to 1.

Values by hand on a tiny grid, the normalising constants checked by numerical
integration (scipy), the raster's mass equal to the number of points (total weight),
the exact ratios to "raw" and "scaled", the refused negative decay and the CLI.
"""

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from scipy.integrate import quad
from shapely.geometry import Point

from geoproc.errors import GeoprocInputError
from geoproc.kde import KERNELS, NODATA, kernel_density

CRS = "EPSG:32651"  # metres
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "yrd_parks_synthetic.csv"

# The raw kernels as functions of u = d / r (the module docstring's table), written
# again here from QGIS's qgskde.cpp formulas and ours for the gaussian (s = r / 3).
RAW = {
    "quartic": lambda u: (1 - u**2) ** 2,
    "triangular": lambda u: 1 - u,  # decay 0
    "uniform": lambda u: 1.0,
    "epanechnikov": lambda u: 1 - u**2,
    "triweight": lambda u: (1 - u**2) ** 3,
    "gaussian": lambda u: math.exp(-0.5 * (3 * u) ** 2),
}


def _pts(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _read(path):
    with rasterio.open(path) as ds:
        return ds.read(1), ds.tags()


def _unit_disc_integral(kernel, decay=0.0):
    """int_0^1 K(u) 2 pi u du by quadrature: the raw kernel's integral for r = 1."""
    k = (lambda u: 1 - (1 - decay) * u) if kernel == "triangular" else RAW[kernel]
    return quad(lambda u: k(u) * 2 * math.pi * u, 0, 1, epsabs=0, epsrel=1e-13)[0]


# The density constants by hand, per km^2 for r in km (1 / (2 pi r^2 int_0^1 K u du)):
#   quartic       int (1-u^2)^2 u du = 1/6      -> 3 / (pi r^2)
#   triangular    int (1-u) u du = 1/6          -> 3 / (pi r^2); decay a: 3 / ((1+2a) pi r^2)
#   uniform       int u du = 1/2                -> 1 / (pi r^2)
#   epanechnikov  int (1-u^2) u du = 1/4        -> 2 / (pi r^2)
#   triweight     int (1-u^2)^3 u du = 1/8      -> 4 / (pi r^2)
#   gaussian      2 pi s^2 (1 - exp(-r^2 / (2 s^2))), s = r/3 -> 1 / (2 pi r^2 / 9 (1 - e^-4.5))
def _by_hand_constant(kernel, r_km, decay=0.0):
    a = math.pi * r_km**2
    return {
        "quartic": 3 / a,
        "triangular": 3 / ((1 + 2 * decay) * a),
        "uniform": 1 / a,
        "epanechnikov": 2 / a,
        "triweight": 4 / a,
        "gaussian": 1 / (2 * math.pi * (r_km / 3) ** 2 * (1 - math.exp(-4.5))),
    }[kernel]


@pytest.mark.parametrize("kernel", KERNELS)
def test_by_hand_constants_normalise_the_kernels(kernel):
    # second derivation: quadrature of the raw kernel over the unit disc, r = 1 km
    assert _by_hand_constant(kernel, 1.0) * _unit_disc_integral(kernel) == pytest.approx(
        1.0, rel=1e-12
    )


@pytest.mark.parametrize("decay", [0.5, 2.0])
def test_by_hand_constants_triangular_decay(decay):
    assert _by_hand_constant("triangular", 1.0, decay) * _unit_disc_integral(
        "triangular", decay
    ) == pytest.approx(1.0, rel=1e-12)


# One point at (10 km, 10 km), radius 2.5 km, pixel 1 km. QGIS's grid: box 7.5 .. 12.5 km,
# rows = cols = ceil(5) + 1 = 6, origin (7.5, 12.5) km; buffer = int(2.5) = 2, plus one
# as the remainder 500 m > 0.5 m -> 3. xpos = int(2.5 - 3) = 0 (truncated toward zero),
# so column c has centre x 7.5 + c + 0.5 -> dx = c - 2 km; likewise (QGIS's rows counted
# from the bottom, ypos = ypos_io = 0) dy = r - 2 km. d^2 = (c-2)^2 + (r-2)^2 km^2, inside
# if d^2 <= 6.25. Chosen pixels (row, col) -> d^2:
PIXELS = {(2, 2): 0.0, (2, 3): 1.0, (3, 3): 2.0, (2, 4): 4.0, (3, 4): 5.0}
OUTSIDE = [(4, 4), (0, 0), (5, 2)]  # d^2 = 8, 8, 9 > 6.25: nodata


@pytest.mark.parametrize("kernel", KERNELS)
def test_density_values_by_hand(tmp_path, kernel):
    res = kernel_density(
        _pts([(10_000, 10_000)], w=[3.0]), radius=2500, pixel_size=1000, kernel=kernel,
        weight="w", output="density", out=tmp_path / "k.tif",
    )  # fmt: skip
    values, tags = _read(res.path)
    assert values.shape == (6, 6)
    assert tags["OUTPUT_VALUES"] == "density"
    c = _by_hand_constant(kernel, 2.5)  # e.g. quartic: 3 / (pi 6.25) = 0.152789 per km^2
    for (r, col), d2 in PIXELS.items():
        # weight 3 times the constant times K(d / 2.5); quartic at d^2 = 4:
        # 3 * 0.152789 * (1 - 4/6.25)^2 = 3 * 0.152789 * 0.1296 = 0.059404
        want = 3.0 * c * RAW[kernel](math.sqrt(d2) / 2.5)
        assert values[r, col] == pytest.approx(want, rel=1e-6), (kernel, r, col)
    for r, col in OUTSIDE:
        assert values[r, col] == NODATA
    assert res.max_value == pytest.approx(3.0 * c, rel=1e-6)  # at the point (d = 0)
    assert "points per km^2" in res.summary()


def test_quartic_peak_number(tmp_path):
    # a lone point's quartic density at its own pixel centre is the biweight's normalising
    # constant 3 / (pi r^2) (Silverman 1986, Table 3.1): r = 2.5 km -> 0.1527887 per km^2;
    # QGIS's "scaled" quartic is 7.25 times the unit-mass constant, per m^2
    kw = dict(radius=2500, pixel_size=1000, kernel="quartic")
    density = kernel_density(_pts([(10_000, 10_000)]), output="density", out=tmp_path / "d.tif", **kw)
    scaled = kernel_density(_pts([(10_000, 10_000)]), output="scaled", out=tmp_path / "s.tif", **kw)
    assert density.max_value == pytest.approx(0.1527887, rel=1e-6)
    assert scaled.max_value == pytest.approx(0.1527887e-6 * 7.25, rel=1e-6)


def test_triangular_decay_by_hand(tmp_path):
    # decay 0.5: K = 1 - 0.5 u, integral pi r^2 (1 + 2 * 0.5) / 3 = 2 pi r^2 / 3
    # -> constant 3 / (2 pi 6.25) = 0.0763944; at d = 1 km: (1 - 0.5 * 0.4) = 0.8
    res = kernel_density(
        _pts([(10_000, 10_000)]), radius=2500, pixel_size=1000, kernel="triangular",
        decay=0.5, output="density", out=tmp_path / "k.tif",
    )  # fmt: skip
    values, tags = _read(res.path)
    assert values[2, 3] == pytest.approx(3 / (2 * math.pi * 6.25) * 0.8, rel=1e-6)
    assert values[2, 2] == pytest.approx(0.0763944, rel=1e-5)
    assert tags["DECAY"] == "0.5"


# Mass: sum(values) * pixel area in km^2 is a 2-D midpoint rule for the integral of the
# surface, which is the total weight. Points at arbitrary (non-lattice) positions, radius
# 1 km, 25 m pixels (r / p = 40); every kernel lies inside the grid (the box grown by the
# radius). Tolerances from the discretisation:
# * kernels continuous at the radius (quartic, triweight, epanechnikov, triangular with
#   decay 0): the midpoint rule's error, O((p/r)^2) = 6e-4 at most and far less for
#   these smooth kernels (measured <= 1.2e-5); allow 1e-4;
# * kernels that jump at the radius (uniform; triangular with decay > 0; the gaussian
#   cut at 3 s, a 1.1 % step): the pixel centres inside the circle miscount its area
#   (Gauss's circle problem). For R = 40 pixels the count's relative error over 3,000
#   random sub-pixel positions was at most 2.5e-3 (uniform, the largest jump); measured
#   here 5.5e-4 (3 points) and 1.0e-3 (weighted); allow 3e-3.
XY = [(500_130.3, 3_400_270.9), (500_910.7, 3_400_020.2), (501_555.5, 3_401_111.1)]
WEIGHTS = [1.0, 2.5, 0.75]
TOL = {"quartic": 1e-4, "triweight": 1e-4, "epanechnikov": 1e-4, "triangular": 1e-4,
       "uniform": 3e-3, "gaussian": 3e-3}  # fmt: skip


@pytest.mark.parametrize("kernel", KERNELS)
def test_density_integrates_to_the_point_count(tmp_path, kernel):
    res = kernel_density(
        _pts(XY), radius=1000, pixel_size=25, kernel=kernel, output="density",
        out=tmp_path / "k.tif",
    )  # fmt: skip
    area_km2 = (25 / 1000) ** 2
    total = float(res.read().sum(dtype=np.float64)) * area_km2
    assert total == pytest.approx(3.0, rel=TOL[kernel])


@pytest.mark.parametrize("kernel", ["quartic", "uniform"])
def test_weighted_density_integrates_to_the_total_weight(tmp_path, kernel):
    res = kernel_density(
        _pts(XY, w=WEIGHTS), radius=1000, pixel_size=25, kernel=kernel, weight="w",
        output="density", out=tmp_path / "k.tif",
    )  # fmt: skip
    total = float(res.read().sum(dtype=np.float64)) * (25 / 1000) ** 2
    assert total == pytest.approx(sum(WEIGHTS), rel=TOL[kernel])  # 4.25


def test_triangular_with_decay_integrates_to_the_point_count(tmp_path):
    # decay 0.5 jumps to 0.5 at the radius: the discontinuous tolerance
    res = kernel_density(
        _pts(XY), radius=1000, pixel_size=25, kernel="triangular", decay=0.5,
        output="density", out=tmp_path / "k.tif",
    )  # fmt: skip
    total = float(res.read().sum(dtype=np.float64)) * (25 / 1000) ** 2
    assert total == pytest.approx(3.0, rel=3e-3)


@pytest.mark.parametrize("kernel", KERNELS)
def test_ratios_to_raw_and_scaled(tmp_path, kernel):
    # density / raw is the per-kernel constant (r = 2 km here, so per km^2 with r in km);
    # density / scaled is 1e6 m^2 per km^2, divided by 7.25 for QGIS's quartic constant
    # (21.75 / (pi r^2) instead of 3 / (pi r^2)). Pixels sum three points in float32:
    # the ratios hold to float32 rounding.
    kw = dict(radius=2000, pixel_size=250, kernel=kernel, weight="w")
    pts = _pts([(10_000, 10_000), (10_700, 10_300), (9_100, 10_900)], w=[1.0, 2.0, 0.5])
    raw = kernel_density(pts, output="raw", out=tmp_path / "r.tif", **kw).read()
    scaled = kernel_density(pts, output="scaled", out=tmp_path / "s.tif", **kw).read()
    dens = kernel_density(pts, output="density", out=tmp_path / "d.tif", **kw).read()
    assert np.array_equal(raw.mask, dens.mask) and np.array_equal(scaled.mask, dens.mask)
    m = ~dens.mask & (raw.data > 1e-3)  # skip near-zero sums (relative rounding grows)
    assert m.sum() > 100
    np.testing.assert_allclose(dens.data[m] / raw.data[m], _by_hand_constant(kernel, 2.0),
                               rtol=2e-6)  # fmt: skip
    expected = 1e6 / 7.25 if kernel == "quartic" else 1e6
    np.testing.assert_allclose(dens.data[m] / scaled.data[m], expected, rtol=2e-6)


def test_raw_and_scaled_unchanged_by_the_new_output(tmp_path):
    # QGIS parity: scaled quartic at a lone point is 21.75 / (pi r^2) per m^2 (r = 2500 m)
    res = kernel_density(
        _pts([(10_000, 10_000)]), radius=2500, pixel_size=1000, output="scaled",
        out=tmp_path / "k.tif",
    )  # fmt: skip
    assert _read(res.path)[0][2, 2] == pytest.approx(21.75 / (math.pi * 2500**2), rel=1e-6)


@pytest.mark.parametrize("decay", [-0.5, -1.0, -0.01])
def test_negative_decay_refused_for_density(tmp_path, decay):
    out = tmp_path / "k.tif"
    with pytest.raises(GeoprocInputError, match=r"decay .* no density normalisation"):
        kernel_density(
            _pts([(10_000, 10_000)]), radius=2500, pixel_size=1000, kernel="triangular",
            decay=decay, output="density", out=out,
        )  # fmt: skip
    assert not out.exists()
    # QGIS's own outputs still accept it (its "coolmap")
    kernel_density(
        _pts([(10_000, 10_000)]), radius=2500, pixel_size=1000, kernel="triangular",
        decay=decay, output="scaled", out=out,
    )  # fmt: skip
    assert out.exists()


def test_decay_ignored_by_other_kernels(tmp_path):
    # as in QGIS, decay only shapes the triangular kernel: no refusal, same raster
    a = kernel_density(_pts([(10_000, 10_000)]), radius=2500, pixel_size=1000,
                       output="density", out=tmp_path / "a.tif")  # fmt: skip
    b = kernel_density(_pts([(10_000, 10_000)]), radius=2500, pixel_size=1000,
                       output="density", decay=-1.0, out=tmp_path / "b.tif")  # fmt: skip
    assert np.array_equal(a.read().filled(NODATA), b.read().filled(NODATA))


def test_to_frame_and_summary(tmp_path):
    res = kernel_density(_pts([(10_000, 10_000)]), radius=2500, pixel_size=1000,
                         output="density", out=tmp_path / "k.tif")  # fmt: skip
    assert res.to_frame().loc[0, "output"] == "density"
    assert "(quartic, density)" in res.summary()


@pytest.mark.slow  # importing dask-geopandas and its scheduler: ~4 s on a busy machine
def test_dask_partitions_give_the_same_density(tmp_path):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    pts = _pts(XY, w=WEIGHTS)
    kw = dict(radius=1000, pixel_size=50, kernel="epanechnikov", weight="w", output="density")
    ref = kernel_density(pts, out=tmp_path / "mem.tif", **kw).read()
    got = kernel_density(
        dask_geopandas.from_geopandas(pts, npartitions=2), out=tmp_path / "dask.tif", **kw
    ).read()
    assert np.array_equal(ref.mask, got.mask)
    # partial surfaces are added in another order: float32 rounding only
    np.testing.assert_allclose(got.compressed(), ref.compressed(), rtol=1e-5, atol=1e-6)
    assert float(got.sum(dtype=np.float64)) * 0.05**2 == pytest.approx(4.25, rel=1e-3)


# ---------------------------------------------------------------- CLI


def test_cli_values_density_integrates_to_the_demo_parks(tmp_path, capsys):
    from geoproc.cli import main

    out, tif = tmp_path / "density.csv", tmp_path / "kde.tif"
    argv = [
        "density", str(DEMO), "--regions", "yrd_cities", "-o", str(out),
        "--kde", str(tif), "--radius", "20000", "--pixel", "1000", "--values", "density",
    ]  # fmt: skip
    assert main(argv) == 0
    with rasterio.open(tif) as ds:
        values = ds.read(1, masked=True)
        assert ds.tags()["OUTPUT_VALUES"] == "density"
        assert ds.res == (1000.0, 1000.0)
    # 390 synthetic parks; quartic kernels of 20 pixels' radius, all inside the grid:
    # sum * 1 km^2 = 390 to the midpoint rule's error (smooth kernel: allow 1e-4)
    assert float(values.sum(dtype=np.float64)) * 1.0 == pytest.approx(390, rel=1e-4)
    assert "points per km^2" in capsys.readouterr().out


def test_cli_negative_decay_with_density_writes_nothing(tmp_path, capsys):
    from geoproc.cli import main

    out, tif = tmp_path / "density.csv", tmp_path / "kde.tif"
    argv = [
        "density", str(DEMO), "--regions", "yrd_cities", "-o", str(out), "--kde", str(tif),
        "--radius", "20000", "--pixel", "2000", "--values", "density", "--kernel",
        "triangular", "--decay", "-0.5",
    ]  # fmt: skip
    assert main(argv) == 2
    assert "no density normalisation" in capsys.readouterr().err
    assert not out.exists() and not tif.exists()


def test_plugin_keeps_output_indices():
    # saved Processing models store the enum index: raw 0 and scaled 1 must not move
    pytest.importorskip("qgis.core")
    from geoproc.kde import OUTPUTS
    from qgis_plugin.algorithms.density import KernelDensity

    assert KernelDensity.OUTPUTS[:2] == ["raw", "scaled"]
    assert KernelDensity.OUTPUTS == list(OUTPUTS)
    assert "density (points per km²" in KernelDensity.HELP
