"""Every geoproc Processing algorithm, in the order the toolbox lists them."""

from .boundaries import ConvertCoordinates, DistanceMatrix, ExportBoundaries

ALGORITHMS = [
    ExportBoundaries,
    ConvertCoordinates,
    DistanceMatrix,
]
