"""Callbacks: progress grids and metrics live beside the models, not inside them."""

from ganzoo.callbacks.checkpoints import GeneratorStepCheckpoint
from ganzoo.callbacks.evaluation import Evaluation
from ganzoo.callbacks.interrupt import SaveOnInterrupt
from ganzoo.callbacks.nan_guard import NaNGuard, NonFiniteLossError
from ganzoo.callbacks.progress import ProgressBar
from ganzoo.callbacks.sample_grid import SampleGrid

__all__ = [
    "Evaluation",
    "GeneratorStepCheckpoint",
    "NaNGuard",
    "NonFiniteLossError",
    "ProgressBar",
    "SampleGrid",
    "SaveOnInterrupt",
]
