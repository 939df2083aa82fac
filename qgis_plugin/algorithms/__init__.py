"""Every geoproc Processing algorithm, in the order the toolbox lists them."""

from .autocorrelation import HotSpots, LisaClusters, MoranByYear
from .boundaries import ConvertCoordinates, DistanceMatrix, ExportBoundaries
from .density import KernelDensity, ParkDensity
from .econometrics import SpatialDurbinModel
from .indices import IndicesAlgorithm
from .pattern import NearestNeighbourIndex, RipleysK, StandardDeviationalEllipse
from .weights import SpatialWeightsAlgorithm

ALGORITHMS = [
    ExportBoundaries,
    ConvertCoordinates,
    DistanceMatrix,
    SpatialWeightsAlgorithm,
    IndicesAlgorithm,
    MoranByYear,
    LisaClusters,
    HotSpots,
    ParkDensity,
    KernelDensity,
    StandardDeviationalEllipse,
    NearestNeighbourIndex,
    RipleysK,
    SpatialDurbinModel,
]
