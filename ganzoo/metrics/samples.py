"""The samples metrics read: generated in fixed, seeded chunks (so a sample depends on the checkpoint, the seed and
its index only), real ones from a datamodule split, and their features (real ones cached in memory and on disk)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from tqdm.auto import tqdm

from ganzoo.metrics.features import Features, make_features
from ganzoo.metrics.protocol import Context

CACHE_ENV = "GANZOO_CACHE"
#: Samples per generator call. Fixed, whatever the feature batch size: chunk k of seed s is always drawn after
#: ``torch.manual_seed`` of the same value, so noise inputs (StyleGAN) repeat too.
GENERATION_CHUNK = 250


@dataclass
class FeatureSet:
    features: Tensor  # (N, D) float32
    logits: Tensor | None  # (N, K) or None when the network has no classifier head


def cache_dir() -> Path:
    """Where real-data features are cached: ``$GANZOO_CACHE``, else ``~/.cache/ganzoo/features``."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "ganzoo" / "features"


def load_cached(path: Path) -> dict | None:
    """A cached feature file, or None when there is none or it cannot be read (then it is computed again)."""
    try:
        return torch.load(path, weights_only=True) if path.is_file() else None
    except Exception:  # noqa: BLE001  (a cache file from another version, or damaged: recompute and overwrite it)
        return None


def save_cached(path: Path, value: dict) -> None:
    """Writes a cache file whole or not at all (two runs may write the same key at once)."""
    from ganzoo.checkpoint import save_atomically

    save_atomically(value, path)


def generated(model: Any, n: int, seed: int, ema: bool, labels: Tensor | None = None,
              **generate_kwargs: Any) -> Iterator[Tensor]:  # fmt: skip
    """``n`` samples in chunks of :data:`GENERATION_CHUNK`; chunk k comes from the global RNG seeded with
    ``(seed, k)`` (its latents, its labels for conditional models unless ``labels`` gives all ``n``, and any noise
    the generator draws). Run it under ``torch.random.fork_rng`` to leave the caller's RNG alone."""
    for k, start in enumerate(range(0, n, GENERATION_CHUNK)):
        m = min(GENERATION_CHUNK, n - start)
        torch.manual_seed(seed * 1_000_003 + k)
        z = torch.randn(m, model.latent_dim)
        if labels is not None:
            chunk_labels = labels[start : start + m]
        else:
            chunk_labels = torch.randint(model.num_classes, (m,)).to(model.device) if model.num_classes else None
        yield model.sample(z=z, labels=chunk_labels, ema=ema, **generate_kwargs)


def rebatch(chunks: Iterator[Tensor], size: int) -> Iterator[Tensor]:
    """The same samples in batches of ``size`` (the last one shorter)."""
    pending: list[Tensor] = []
    count = 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk)
        while count >= size:
            joined = torch.cat(pending)
            yield joined[:size]
            pending, count = [joined[size:]], count - size
    if count:
        yield torch.cat(pending)


def extract(feats: Features, batches: Iterator[Tensor], total: int, what: str, progress: bool) -> FeatureSet:
    """Features (and logits) of a stream of image batches."""
    device = next(feats.parameters()).device
    # Filled in place: appending per-batch tensors and concatenating them at the end fragments the heap, and the
    # process's memory then grows with the number of samples.
    features: Tensor | None = None
    logits: Tensor | None = None
    done = 0
    with tqdm(total=total, desc=f"{what} features ({feats.name})", unit="img", disable=not progress,
              leave=False) as bar:  # fmt: skip
        for images in batches:
            f, lg = feats(images.to(device))
            if features is None:
                features = torch.empty(total, *f.shape[1:])
                logits = torch.empty(total, *lg.shape[1:]) if lg is not None else None
            features[done : done + len(f)] = f.float()
            if logits is not None:
                logits[done : done + len(f)] = lg.float()
            done += len(f)
            bar.update(len(images))
    if features is None or done != total:
        raise ValueError(f"expected {total} {what} samples, got {done}")
    return FeatureSet(features, logits)


def split_batches(dataset: Any, n: int, batch_size: int) -> Iterator[Tensor]:
    """The first ``n`` samples of a dataset, ``batch_size`` at a time."""
    for i in range(0, n, batch_size):
        indices = list(range(i, min(i + batch_size, n)))
        getitems = getattr(dataset, "__getitems__", None)  # batched datasets gather a batch in one indexing op
        yield getitems(indices)[0] if getitems else torch.stack([dataset[j][0] for j in indices])


def real_features(dm: Any, split: str, n_real: int | None, feats: Features, batch_size: int,
                  progress: bool = False, memory: dict | None = None) -> FeatureSet:  # fmt: skip
    """Features of the first ``n_real`` samples (all if None) of a datamodule split, cached in memory and on disk."""
    if split not in dm.datasets:
        dm.setup("fit" if split in ("train", "val") else "test")
    dataset = dm.datasets[split]
    n = len(dataset) if n_real is None else min(n_real, len(dataset))
    key = hashlib.sha1(f"{dm.source}|{split}|{n}|{feats.name}|{feats.weights}|{feats.resize}".encode()).hexdigest()[:20]
    if memory is not None and key in memory:
        return memory[key]
    path = cache_dir() / f"{key}.pt"
    stored = load_cached(path)
    if stored is not None:
        result = FeatureSet(stored["features"], stored["logits"])
    else:
        result = extract(feats, split_batches(dataset, n, batch_size), n, f"real {split}", progress)
        save_cached(path, {"features": result.features, "logits": result.logits})
    if memory is not None:
        memory[key] = result
    return result


@dataclass
class ImageContext(Context):
    """A noise GAN on image data: real and generated feature sets, each computed once, on demand."""

    memory: dict | None = None
    feature_net: Features | None = None
    _real: FeatureSet | None = field(default=None, repr=False)
    _fake: FeatureSet | None = field(default=None, repr=False)

    @property
    def feature(self) -> str:
        """``lenet`` or ``inception`` (``auto`` resolved against the data)."""
        from ganzoo.metrics.classifier import has_classifier

        chosen = self.options.feature
        if chosen == "auto":
            chosen = "lenet" if has_classifier(self.datamodule) else "inception"
        return chosen

    def features(self) -> Features:
        if self.feature_net is None:
            self.feature_net = make_features(self.feature, self.datamodule, self.options.inception_weights)
            self.feature_net.to(self.model.device)
            net = self.feature_net
            self.settings |= {"feature": net.name, "weights": net.weights, "resize": net.resize, "engine": net.engine}
        return self.feature_net

    def real(self) -> FeatureSet:
        if self._real is None:
            o = self.options
            self._real = real_features(self.datamodule, o.split, o.n_real, self.features(), o.batch_size, o.progress,
                                       self.memory)  # fmt: skip
            self.settings |= {"n_real": len(self._real.features), "split": o.split}
        return self._real

    def fake(self) -> FeatureSet:
        if self._fake is None:
            o = self.options
            batches = rebatch(generated(self.model, o.n_fake, o.seed, o.ema), o.batch_size)
            self._fake = extract(self.features(), batches, o.n_fake, "generated", o.progress)
            self.settings |= {"n_fake": o.n_fake}
        return self._fake

    def name(self, metric: str, *, real: bool = True) -> str:
        """The protocol name: ``fid`` → ``fid_lenet_10k_test``; Inception is the unnamed default."""
        from ganzoo.metrics.protocol import count_tag

        parts = [metric] + ([self.feature] if self.feature != "inception" else []) + [count_tag(self.options.n_fake)]
        return "_".join(parts + ([self.options.split] if real else []))


@dataclass
class PointContext(Context):
    """A noise GAN on a 2D mixture (:class:`~ganzoo.data.Toy2DData`): generated points."""

    def points(self, n: int) -> Tensor:
        z = torch.randn(n, self.model.latent_dim, generator=torch.Generator().manual_seed(self.options.seed))
        self.settings |= {"n_fake": n}
        return self.model.sample(z=z, ema=self.options.ema).cpu()
