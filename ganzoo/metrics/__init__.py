"""Metrics: FID / KID / IS through torchmetrics on Inception or small-CNN features, and 2D mode coverage."""

from ganzoo.metrics.image_metrics import METRICS, metric_name
from ganzoo.metrics.mode_coverage import mode_coverage

__all__ = ["METRICS", "metric_name", "mode_coverage"]
