"""Metrics: FID / KID / IS through torchmetrics on Inception or small-CNN features, 2D mode coverage, and the
translation metrics, each registered beside its definition; :func:`evaluate` is the one entry point."""

from ganzoo.metrics.evaluate import evaluate
from ganzoo.metrics.mode_coverage import mode_coverage
from ganzoo.metrics.protocol import EvaluationOptions, metrics, register_metric
from ganzoo.registry import import_submodules

import_submodules(__name__, __path__)  # every metric module registers its metrics

__all__ = ["EvaluationOptions", "evaluate", "metrics", "mode_coverage", "register_metric"]
