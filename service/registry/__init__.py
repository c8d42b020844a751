"""Registry of approved stores: dispatcher queries, status, exports, coverage, disasters."""

from service.registry.controller import (
    CoverageController,
    DisasterAreasController,
    ExportsController,
    StoresController,
)

__all__ = [
    "CoverageController",
    "DisasterAreasController",
    "ExportsController",
    "StoresController",
]
