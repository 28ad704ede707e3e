"""The one evaluation entry point, for training (the ``Evaluation`` callback) and ``ganzoo evaluate`` alike.

``evaluate(model, datamodule, names, options)`` tells by type what it measures (a translation model, a noise GAN on
the 2D toys, or one on images), validates the metric names before any work, runs each registered metric
(:mod:`ganzoo.metrics.protocol`) on one shared context, and returns one JSON-ready record per value with every
setting needed to reproduce it; :func:`append_jsonl` writes them.
"""

from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from ganzoo.data.toy2d import Toy2DData
from ganzoo.errors import UserError
from ganzoo.metrics.protocol import Context, EvaluationOptions, Subject, select
from ganzoo.metrics.samples import ImageContext, PointContext
from ganzoo.models.translation import TranslationGAN


def subject_of(model: Any, datamodule: Any) -> Subject:
    """What an evaluation of ``model`` on ``datamodule`` measures."""
    if isinstance(model, TranslationGAN):
        return "translation"
    return "points" if isinstance(datamodule, Toy2DData) else "images"


def make_context(model: Any, datamodule: Any, options: EvaluationOptions, memory: dict | None = None) -> Context:
    subject = subject_of(model, datamodule)
    if subject == "images":
        return ImageContext(model, datamodule, options, memory=memory)
    return (PointContext if subject == "points" else Context)(model, datamodule, options)


def evaluate(
    model: Any,
    datamodule: Any,
    names: list[str] | None = None,
    options: EvaluationOptions | None = None,
    *,
    memory: dict | None = None,
) -> list[dict]:
    """Computes the metrics ``names`` (None: the defaults for what the model and data are) of ``model`` on
    ``datamodule``; one record per value. ``memory`` caches real features between calls. The generated samples are
    drawn under a forked RNG: an evaluation never changes the caller's later random numbers."""
    options = options or EvaluationOptions()
    chosen = select(names, subject_of(model, datamodule), datamodule)
    ctx = make_context(model, datamodule, options, memory)
    for metric in chosen:
        if metric.check is not None:
            metric.check(ctx)
    start = time.perf_counter()
    values: dict[str, float] = {}
    cuda = [model.device] if model.device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda), torch.inference_mode(False), torch.no_grad():
        torch.manual_seed(options.seed)  # KID's subsets and the like repeat for the same weights
        for metric in chosen:
            values |= metric.fn(ctx)
    settings = {
        "model": type(model).__name__, "data": type(datamodule).__name__, "kimg": model.images_seen / 1000,
        "g_steps": model.g_steps, **ctx.settings, "ema": bool(options.ema and model.generator_ema is not None),
        "seed": options.seed, "seconds": round(time.perf_counter() - start, 2),
    }  # fmt: skip
    return [{"metric": name, "value": value, **settings} for name, value in values.items()]


def check_appendable(path: Path, flag: str) -> None:
    """A one-line :class:`UserError` now, not after a long evaluation, when ``path`` cannot take JSON lines."""
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a"):
            pass
    except OSError as err:
        raise UserError(f"{flag} {path} cannot be written ({err.strerror or err}); give a file in a writable "
                        "folder") from err  # fmt: skip
    if not existed:
        path.unlink()


def append_jsonl(path: Path, records: list[dict]) -> None:
    """Appends one JSON line per record, with a UTC timestamp; NaN is written as null."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with path.open("a") as f:
        for record in records:
            clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
            f.write(json.dumps({**clean, "time": stamp}) + "\n")
