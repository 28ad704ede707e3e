"""What a metric is: a few registered lines that return named values from an evaluation context.

A metric is registered beside its definition with :func:`register_metric`, for one *subject*:

- ``images``: a noise GAN on image data; the context gives feature sets of real and generated images;
- ``points``: a noise GAN on the 2D toys; the context gives generated points and the mixture's modes;
- ``translation``: a translation model (CycleGAN) on two-domain data.

It returns ``{name: value}``, each name stating its protocol (``fid_lenet_10k_test``), so one metric can return
several values computed from shared work (precision and recall from one neighbourhood search, say).
:func:`ganzoo.metrics.evaluate.evaluate` is the one entry point that training and ``ganzoo evaluate`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ganzoo.errors import UserError

Subject = Literal["images", "points", "translation"]


@dataclass
class EvaluationOptions:
    """How an evaluation runs; every field goes into the JSON line of each value it produces (but ``progress``).

    Args:
        feature: ``lenet`` (the shipped small CNN of the data), ``inception`` (the TF InceptionV3 of the papers), or
            ``auto``: ``lenet`` where the data has one, else ``inception``.
        n_fake: generated samples (images); the 2D toys' protocol fixes its own count.
        n_real: real reference samples (None: the whole split); images per domain for translation models.
        split: the real reference, ``test`` or ``train``.
        ema: use the EMA generator when the model has one.
        batch_size: images per feature-network batch; it never changes which images are generated. 100 because
            memory grows with it and speed does not: on a 2-core CPU Inception held 2.8 GiB at 100 and 9.3 GiB at
            500, both at 16 img/s (``benchmarks/metrics_speed.py``).
        seed: seed of the generated samples: the same (checkpoint, seed, n_fake) always give the same samples.
        inception_weights: local Inception weights (default ``$GANZOO_INCEPTION_WEIGHTS``, else downloaded).
        progress: show progress bars.
    """

    feature: Literal["auto", "lenet", "inception"] = "auto"
    n_fake: int = 10_000
    n_real: int | None = 10_000
    split: Literal["test", "train"] = "test"
    ema: bool = True
    batch_size: int = 100
    seed: int = 0
    inception_weights: str | None = None
    progress: bool = False

    def __post_init__(self) -> None:
        if self.n_fake < 1:
            raise UserError(f"generated samples (--n-fake, --metrics.n_fake) must be ≥ 1, got {self.n_fake}")
        if self.n_real is not None and self.n_real < 1:
            raise UserError(f"real samples (--n-real, --metrics.n_real) must be ≥ 1, got {self.n_real}")
        if self.batch_size < 1:
            raise UserError(f"the batch size (--batch-size, --metrics.batch_size) must be ≥ 1, got {self.batch_size}")


@dataclass
class Context:
    """What a metric reads: the model, the datamodule, the options, and the settings its values are recorded with
    (a metric may add its own, e.g. the feature network's weights)."""

    model: Any
    datamodule: Any
    options: EvaluationOptions
    settings: dict[str, Any] = field(default_factory=dict)


MetricFn = Callable[[Any], dict[str, float]]


@dataclass(frozen=True)
class Metric:
    """A registered metric: its function and the subject it measures; ``check`` runs before any work is done, so an
    impossible request fails at once."""

    name: str
    subject: Subject
    fn: MetricFn
    default: bool
    check: Callable[[Any], None] | None = None
    #: Whether it reads a feature network (small CNN or Inception), which on a CPU may take minutes.
    uses_features: bool = False


_METRICS: dict[str, Metric] = {}


def register_metric(
    name: str,
    subject: Subject,
    *,
    default: bool = True,
    check: Callable[[Any], None] | None = None,
    uses_features: bool = False,
) -> Callable[[MetricFn], MetricFn]:
    """Function decorator: registers a metric under ``name`` for ``subject``; ``default`` metrics run when none
    are named (unless the data declares its own ``default_metrics``)."""

    def decorate(fn: MetricFn) -> MetricFn:
        _METRICS[name] = Metric(name, subject, fn, default, check, uses_features)
        return fn

    return decorate


def metrics() -> dict[str, Metric]:
    """Every registered metric, by name (every module of ``ganzoo.metrics`` is imported first)."""
    import ganzoo.metrics
    from ganzoo.registry import import_submodules

    import_submodules("ganzoo.metrics", ganzoo.metrics.__path__)
    return _METRICS


def select(names: list[str] | None, subject: Subject, datamodule: Any = None) -> list[Metric]:
    """The metrics ``names`` (None: the data's ``default_metrics`` where it declares them, else the subject's
    defaults), validated before any work: an unknown name, or one for another subject, is a one-line error that
    lists the valid names."""
    from ganzoo.data.base import GANDataModule

    table = metrics()
    valid = [m.name for m in table.values() if m.subject == subject]
    if names is None and isinstance(datamodule, GANDataModule) and datamodule.default_metrics is not None:
        names = list(datamodule.default_metrics)
    if names is None:
        return [m for m in table.values() if m.subject == subject and m.default]
    chosen = []
    for name in names:
        if name not in table or table[name].subject != subject:
            raise UserError(f"unknown metric {name!r} for {subject}; choose from {', '.join(valid)}")
        chosen.append(table[name])
    return chosen


def count_tag(n: int) -> str:
    """10000 → ``10k``; 300 → ``300``."""
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)
