"""Callbacks: progress grids (and, later, metrics) live beside the models, not inside them."""

from ganzoo.callbacks.sample_grid import SampleGrid

__all__ = ["SampleGrid"]
