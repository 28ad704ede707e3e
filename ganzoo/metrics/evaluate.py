"""Evaluating a generator against a dataset split: features, metrics and the JSON line of each result."""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from ganzoo.metrics.features import Features, make_features
from ganzoo.metrics.image_metrics import FeatureSet, compute, metric_name
from ganzoo.metrics.mode_coverage import NUM_SAMPLES, mode_coverage

CACHE_ENV = "GANZOO_CACHE"


def cache_dir() -> Path:
    """Where real-data features are cached: ``$GANZOO_CACHE``, else ``~/.cache/ganzoo/features``."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "ganzoo" / "features"


def _extract(feats: Features, batches, total: int, what: str, progress: bool) -> FeatureSet:
    device = next(feats.parameters()).device
    features, logits = [], []
    with tqdm(
        total=total, desc=f"{what} features ({feats.name})", unit="img", disable=not progress, leave=False
    ) as bar:
        for images in batches:
            f, lg = feats(images.to(device))
            features.append(f.float().cpu())
            if lg is not None:
                logits.append(lg.float().cpu())
            bar.update(len(images))
    return FeatureSet(torch.cat(features), torch.cat(logits) if logits else None)


def real_features(dm: Any, split: str, n_real: int | None, feats: Features, batch_size: int,
                  progress: bool = True, memory: dict | None = None) -> FeatureSet:  # fmt: skip
    """Features of the first ``n_real`` samples (all if None) of a datamodule split, cached in memory and on disk."""
    if split not in dm.datasets:
        dm.setup("fit" if split in ("train", "val") else "test")
    dataset = dm.datasets[split]
    n = len(dataset) if n_real is None else min(n_real, len(dataset))
    source = f"{type(dm).__name__}|{getattr(dm, 'root', '')}|{getattr(dm, 'npz', '')}|{dm.data_shape}"
    key = hashlib.sha1(f"{source}|{split}|{n}|{feats.name}|{feats.weights}|{feats.resize}".encode()).hexdigest()[:20]
    if memory is not None and key in memory:
        return memory[key]
    path = cache_dir() / f"{key}.pt"
    if path.is_file():
        stored = torch.load(path, weights_only=True)
        result = FeatureSet(stored["features"], stored["logits"])
    else:
        batches = (dataset[list(range(i, min(i + batch_size, n)))][0] for i in range(0, n, batch_size))
        if not hasattr(dataset, "__getitems__"):
            batches = (
                torch.stack([dataset[j][0] for j in range(i, min(i + batch_size, n))]) for i in range(0, n, batch_size)
            )
        result = _extract(feats, batches, n, f"real {split}", progress)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"features": result.features, "logits": result.logits}, path)
    if memory is not None:
        memory[key] = result
    return result


def generated(model: Any, n: int, batch_size: int, seed: int, ema: bool) -> Any:
    """Batches of ``n`` samples from seeded latents (and uniformly drawn labels for conditional models)."""
    g = torch.Generator().manual_seed(seed)
    for i in range(0, n, batch_size):
        m = min(batch_size, n - i)
        z = torch.randn(m, model.latent_dim, generator=g)
        labels = torch.randint(model.num_classes, (m,), generator=g).to(model.device) if model.num_classes else None
        yield model.sample(z=z, labels=labels, ema=ema)


def evaluate_images(model: Any, dm: Any, metrics: list[str], feature: str = "lenet", n_fake: int = 10_000,
                    n_real: int | None = 10_000, split: str = "test", ema: bool = True, batch_size: int = 500,
                    seed: int = 0, inception_weights: str | None = None, progress: bool = True,
                    memory: dict | None = None, feature_net: Features | None = None) -> list[dict]:  # fmt: skip
    """Computes image ``metrics`` of ``model`` against ``dm``'s ``split``; one record (JSON-ready dict) each."""
    start = time.perf_counter()
    feats = feature_net or make_features(feature, type(dm).__name__, inception_weights)
    feats = feats.to(model.device)
    if "is" in metrics and not feats.has_logits:
        compute(["is"], FeatureSet(torch.zeros(1, 1), None), FeatureSet(torch.zeros(1, 1), None))  # raises UserError
    real = real_features(dm, split, n_real, feats, batch_size, progress, memory)
    fake = _extract(feats, generated(model, n_fake, batch_size, seed, ema), n_fake, "generated", progress)
    values = compute(metrics, real, fake)
    settings = {
        "model": type(model).__name__, "data": type(dm).__name__, "kimg": model.images_seen / 1000,
        "g_steps": model.g_steps, "n_real": len(real.features), "n_fake": n_fake, "split": split,
        "feature": feats.name, "weights": feats.weights, "resize": feats.resize,
        "ema": bool(ema and model.generator_ema is not None), "seed": seed,
    }  # fmt: skip
    seconds = time.perf_counter() - start
    return [
        {"metric": metric_name(m, feats.name, n_fake, split), "value": v, **settings, "seconds": round(seconds, 2)}
        for m, v in values.items()
    ]


def evaluate_modes(model: Any, dm: Any, ema: bool = True, seed: int = 0) -> list[dict]:
    """The 2D mode-coverage metrics (2,500 samples) of ``model`` on a toy mixture datamodule."""
    g = torch.Generator().manual_seed(seed)
    samples = model.sample(z=torch.randn(NUM_SAMPLES, model.latent_dim, generator=g), ema=ema).cpu()
    values = mode_coverage(samples, dm.modes, dm.std)
    settings = {"model": type(model).__name__, "data": type(dm).__name__, "kimg": model.images_seen / 1000,
                "g_steps": model.g_steps, "n_fake": NUM_SAMPLES, "hq_threshold": "3 sigma", "seed": seed}  # fmt: skip
    return [{"metric": k, "value": v, **settings} for k, v in values.items()]


def append_jsonl(path: Path, records: list[dict]) -> None:
    """Appends one JSON line per record, with a UTC timestamp; NaN is written as null."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with path.open("a") as f:
        for record in records:
            clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
            f.write(json.dumps({**clean, "time": stamp}) + "\n")
