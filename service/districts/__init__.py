"""Beijing's district outlines, to orient the maps when no tile service is configured."""

from service.districts.controller import DistrictsController

__all__ = ["DistrictsController"]
