"""The QGIS project's choices made in plain Python (geoproc.pipeline.project), no QGIS needed."""

from __future__ import annotations

from geoproc.cartography import NATIONAL_PROJ
from geoproc.pipeline.project import GROUPS, themes

YRD = [114.9, 27.0, 122.9, 35.1]
CHINA = [73.5, 3.8, 135.1, 53.6]


def _layer(name, style, rank, bounds):
    return {"name": name, "style": style, "rank": rank, "bounds": bounds, "provider": "ogr"}


def test_a_theme_per_result_with_its_context():
    layers = [
        _layer("parks", "points", 0, [118, 29, 122, 33]),
        _layer("yrd_centroids", "points", 0, YRD),
        _layer("links", "weight_links", 1, YRD),
        _layer("cities", "outline", 2, YRD),
        _layer("lq", "location_quotient", 3, YRD),
        _layer("prov_lisa", "lisa_clusters", 3, CHINA),
        _layer("kde", "raster", 9, [118, 29, 122, 33]),
    ]
    got = {t["name"]: t for t in themes(layers)}
    assert set(got) == {"links", "lq", "prov_lisa", "kde"}  # points and outlines are context, not themes
    # a raster is shown with the points and outlines over it (not the centroids), top first
    assert got["kde"]["layers"] == ["parks", "cities", "kde"]
    assert got["links"]["layers"] == ["parks", "links", "cities"]
    assert got["lq"]["layers"] == ["lq"]
    assert got["lq"]["title"] == "Location quotient: lq" and got["prov_lisa"]["title"] == "LISA clusters: prov_lisa"
    # the national theme: the national Albers, a main frame without the southern islands, an inset with them
    nat = got["prov_lisa"]
    assert nat["national"] and nat["crs"] == NATIONAL_PROJ
    assert nat["main_extent"][1] > 15 and nat["inset_extent"][1] < 3.8 < nat["inset_extent"][3]
    assert not got["lq"]["national"] and got["lq"]["inset_extent"] is None
    assert "+lon_0=119 " in got["lq"]["crs"]


def test_groups_cover_every_rank():
    """Every drawing rank the outputs give a layer (its style's rank; 3 other vectors, 9 rasters)
    has a group in the project, and no group is left empty by design."""
    from geoproc.pipeline.outputs import _ORDER

    assert set(GROUPS) == set(_ORDER.values()) | {3, 9}
