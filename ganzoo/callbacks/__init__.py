"""Callbacks: progress grids and metrics live beside the models, not inside them."""

from ganzoo.callbacks.evaluation import Evaluation
from ganzoo.callbacks.sample_grid import SampleGrid

__all__ = ["Evaluation", "SampleGrid"]
