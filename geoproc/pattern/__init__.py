"""Point patterns of cluster parks: standard deviational ellipse, nearest-neighbour index, Ripley's K/L.

All three take points as :func:`geoproc.read_points` returns them (WGS 84; GCJ-02
and BD-09 inputs already converted there) and work in one metric CRS for every
group: the points' own CRS if projected, else :func:`geoproc.kde.projected_crs_for`
of the data's extent (a UTM zone up to 12 degrees across, an Albers equal-area
conic for China-wide data). Study areas are measured in an equal-area projection
(:func:`geoproc.density.equal_area_crs`), as for park densities.

Results hold one row per group (``by=``, e.g. the year a park was set up; with
``cumulative=True`` the parks existing by each year) with named attributes,
``summary()`` and ``to_frame()``.
"""

from geoproc.pattern.ellipse import CONVENTIONS, EllipseResult, standard_deviational_ellipse
from geoproc.pattern.nearest import CLARK_EVANS_SE, NearestNeighbourResult, nearest_neighbour_index
from geoproc.pattern.ripley import SIMULATIONS, RipleyResult, ripleys_k

__all__ = [
    "CLARK_EVANS_SE",
    "CONVENTIONS",
    "SIMULATIONS",
    "EllipseResult",
    "NearestNeighbourResult",
    "RipleyResult",
    "nearest_neighbour_index",
    "ripleys_k",
    "standard_deviational_ellipse",
]
