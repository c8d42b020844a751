"""Dispatch: routing households to stores, reserving capacity, planning batches."""

from service.dispatch.controller import DispatchController

__all__ = ["DispatchController"]
