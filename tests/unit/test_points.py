"""Reading park points: encodings, Excel, layers, datums, and clear errors."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geoproc.datums import to_wgs84
from geoproc.errors import GeoprocInputError
from geoproc.points import read_points

ROWS = "name,lon,lat,type\n静安现代产业园,121.4474,31.2286,创意\n西溪创意产业园,120.0862,30.2720,影视\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    p = tmp_path / "parks.csv"
    p.write_bytes(ROWS.encode(encoding))
    gdf = read_points(p)
    assert gdf.crs.to_epsg() == 4326
    assert gdf["name"].tolist() == ["静安现代产业园", "西溪创意产业园"]
    assert gdf.geometry.x.tolist() == [121.4474, 120.0862]
    assert gdf.geometry.y.tolist() == [31.2286, 30.2720]
    assert gdf["type"].tolist() == ["创意", "影视"]


def test_explicit_encoding(tmp_path):
    p = tmp_path / "parks.csv"
    p.write_bytes(ROWS.encode("gb18030"))
    assert read_points(p, encoding="gb18030")["name"].iat[0] == "静安现代产业园"


def test_xlsx_and_other_column_names(tmp_path):
    p = tmp_path / "parks.xlsx"
    pd.DataFrame({"名称": ["A", "B"], "经度": [121.0, 119.5], "纬度": [31.0, 30.5]}).to_excel(
        p, index=False
    )
    gdf = read_points(p)
    assert gdf.geometry.x.tolist() == [121.0, 119.5]
    gdf = read_points(p, lon="经度", lat="纬度")
    assert gdf.geometry.y.tolist() == [31.0, 30.5]


def test_gcj02_is_converted(tmp_path):
    df = pd.DataFrame({"name": ["a", "b"], "lng": [121.4737, 120.1551], "lat": [31.2304, 30.2741]})
    gdf = read_points(df, lon="lng", datum="gcj02")
    lon, lat = to_wgs84(df["lng"].to_numpy(), df["lat"].to_numpy(), datum="gcj02")
    np.testing.assert_allclose(gdf.geometry.x, lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gdf.geometry.y, lat, rtol=0, atol=1e-12)
    # GCJ-02 offsets in Shanghai are a few hundred metres: ~0.004-0.005 degrees
    assert 0.001 < abs(gdf.geometry.x.iat[0] - 121.4737) < 0.01
    assert gdf.attrs["datum"] == "gcj02"
    assert df["lng"].iat[0] == 121.4737  # input untouched


def test_layer_in_web_mercator(tmp_path):
    t = Transformer.from_crs(4326, 3857, always_xy=True)
    x, y = t.transform([121.5, 118.8], [31.2, 32.05])
    layer = gpd.GeoDataFrame(
        {"name": ["p", "q"]}, geometry=[Point(x[0], y[0]), Point(x[1], y[1])], crs=3857
    )
    path = tmp_path / "pts.gpkg"
    layer.to_file(path)
    gdf = read_points(path)
    np.testing.assert_allclose(gdf.geometry.x, [121.5, 118.8], atol=1e-9)
    np.testing.assert_allclose(gdf.geometry.y, [31.2, 32.05], atol=1e-9)
    assert read_points(layer).geometry.x.iat[1] == pytest.approx(118.8, abs=1e-9)


def test_missing_coordinates_list_rows(tmp_path):
    p = tmp_path / "parks.csv"
    p.write_text("name,lon,lat\nA,121.1,31.1\nB,,31.2\nC,121.3,31.3\nD,121.4,\n", encoding="utf-8")
    with pytest.raises(
        GeoprocInputError, match=r"missing coordinates at 2 row\(s\): B \(line 3\), D \(line 5\)"
    ):
        read_points(p)


def test_text_in_coordinates(tmp_path):
    p = tmp_path / "parks.csv"
    p.write_text("name,lon,lat\nA,121.1,31.1\nB,121°E,31.2\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match=r"column 'lon' is not a number at B \(line 3\)"):
        read_points(p)


def test_swapped_lonlat(tmp_path):
    df = pd.DataFrame({"name": ["A", "B"], "lon": [31.2, 30.3], "lat": [121.4, 120.1]})
    with pytest.raises(GeoprocInputError, match="swapped"):
        read_points(df)


def test_projected_numbers_in_a_table():
    df = pd.DataFrame({"lon": [350000.0], "lat": [3450000.0]})
    with pytest.raises(GeoprocInputError, match="projected metres"):
        read_points(df)


def test_bad_layers(tmp_path):
    with pytest.raises(GeoprocInputError, match="no coordinate reference system"):
        read_points(gpd.GeoDataFrame(geometry=[Point(121, 31)]))
    poly = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=4326)
    with pytest.raises(GeoprocInputError, match="not single points at row 0"):
        read_points(poly)
    with pytest.raises(GeoprocInputError, match="no longitude column 'x1'"):
        read_points(pd.DataFrame({"a": [1.0], "lat": [30.0]}), lon="x1")
    with pytest.raises(GeoprocInputError, match="datum 'wgs72'"):
        read_points(pd.DataFrame({"lon": [1.0], "lat": [30.0]}), datum="wgs72")
    with pytest.raises(FileNotFoundError):
        read_points(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(GeoprocInputError, match="no rows"):
        read_points(empty)


def test_column_guessing_only_for_default_names():
    both = pd.DataFrame({"lng": [121.0], "longitude": [121.0], "lat": [31.0]})
    with pytest.raises(GeoprocInputError, match="several could be the longitude"):
        read_points(both)
    # a name the user typed is never replaced by a guess
    with pytest.raises(GeoprocInputError, match="no longitude column 'lon_wgs'"):
        read_points(pd.DataFrame({"lng": [121.0], "lat": [31.0]}), lon="lon_wgs")


def test_text_and_empty_cells_reported_together(tmp_path):
    # line 3 has text in lon, line 4 an empty lat, line 5 a blank lon: one message names all
    p = tmp_path / "parks.csv"
    p.write_text(
        "name,lon,lat\nA,121.1,31.1\nB,121°E,31.2\nC,121.3,\nD, ,31.4\n", encoding="utf-8"
    )
    with pytest.raises(GeoprocInputError) as err:
        read_points(p)
    msg = str(err.value)
    assert "column 'lon' is not a number at B (line 3): '121°E'" in msg
    assert "missing coordinates at 2 row(s): C (line 4), D (line 5)" in msg


def test_layer_names_and_file_line_kept_for_later_messages(tmp_path):
    from geoproc.validation import PointLabels

    p = tmp_path / "parks.csv"
    p.write_text("name,lon,lat\nA,121.1,31.1\nB,121.2,31.2\n", encoding="utf-8")
    gdf = read_points(p)
    assert gdf.attrs["first_line"] == 2
    # labels follow the index: after filtering and reprojecting, B is still line 3
    sub = gdf[gdf["name"] == "B"].to_crs(32651)
    assert list(PointLabels(sub)) == ["B (line 3)"]


def test_swapped_layer_in_degrees():
    layer = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[Point(31.2, 121.4), Point(30.3, 120.1)], crs=4326)
    with pytest.raises(GeoprocInputError, match=r"A \(row 0\) \(31.2, 121.4\).*look swapped"):
        read_points(layer)
