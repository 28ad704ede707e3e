"""Metrics during training, from a Callback: the feature network never becomes part of the model or its checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_warn

from ganzoo.errors import UserError
from ganzoo.metrics.evaluate import append_jsonl, evaluate_images, evaluate_modes
from ganzoo.metrics.translation import evaluate_translation


class Evaluation(L.Callback):
    """Computes metrics every ``every_n_epochs`` validation epochs and once more when fit ends, logs them as
    ``val/<name>`` and appends one JSON line per value to ``metrics.jsonl`` in the run directory.

    On the 2D toys (datamodules with ``modes``) it computes mode coverage (``val/modes``, ``val/hq_pct``,
    ``val/rkl``) at every validation. On images it computes ``metrics`` on ``feature`` features. For translation
    models (CycleGAN) any non-empty ``metrics`` selects their own set: label preservation beside its no-adaptation
    baseline and the FID of translated against real target images (:mod:`ganzoo.metrics.translation`).

    Args:
        metrics: image metrics among ``fid``, ``kid``, ``is``; empty disables image metrics.
        feature: ``lenet`` (the shipped small CNN: MNIST, Fashion-MNIST, digits), ``inception`` (the TF InceptionV3
            of the papers; minutes per 1,000 images on a CPU), or ``auto``: ``lenet`` where it exists, else
            ``inception`` on a GPU (on a CPU image metrics are then skipped with a warning).
        n_fake: generated samples per evaluation.
        n_real: real samples of the reference split (None: all of it); their features are cached.
        split: the real reference, ``test`` or ``train``.
        every_n_epochs: epochs between image evaluations (0: only at the end of fit).
        ema: use the EMA generator when the model has one.
        batch_size: images per feature-network batch.
        seed: seed of the generated latents (the same samples at every evaluation).
        inception_weights: local Inception weights (default ``$GANZOO_INCEPTION_WEIGHTS``, else downloaded).
    """

    def __init__(
        self,
        metrics: list[str] | None = None,
        feature: Literal["auto", "lenet", "inception"] = "auto",
        n_fake: int = 10_000,
        n_real: int | None = 10_000,
        split: Literal["test", "train"] = "test",
        every_n_epochs: int = 5,
        ema: bool = True,
        batch_size: int = 500,
        seed: int = 0,
        inception_weights: str | None = None,
    ) -> None:
        self.metrics = ["fid", "kid", "is"] if metrics is None else list(metrics)
        self.feature = feature
        self.n_fake, self.n_real, self.split = n_fake, n_real, split
        self.every_n_epochs = every_n_epochs
        self.ema, self.batch_size, self.seed = ema, batch_size, seed
        self.inception_weights = inception_weights
        self._real_cache: dict = {}
        self._evaluated_at: int | None = None
        self.last: list[dict] = []

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        dm = trainer.datamodule
        due = self.every_n_epochs > 0 and (trainer.current_epoch + 1) % self.every_n_epochs == 0
        if hasattr(dm, "modes") or (due and self.metrics):
            for record in self._evaluate(trainer, pl_module):
                pl_module.log(f"val/{record['metric']}", float(record["value"]), sync_dist=False)

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._evaluated_at == pl_module.g_steps or not (self.metrics or hasattr(trainer.datamodule, "modes")):
            return
        values = {f"val/{r['metric']}": float(r["value"]) for r in self._evaluate(trainer, pl_module)}
        for logger in trainer.loggers:
            logger.log_metrics(values, step=pl_module.g_steps)

    def _evaluate(self, trainer: L.Trainer, pl_module: L.LightningModule) -> list[dict]:
        # Under DDP one process computes and shares the values: every rank logs the same number (which a monitoring
        # checkpoint needs), the work is not repeated, and rank 0's weights and buffers (which DDP broadcasts) decide.
        log_dir = Path(trainer.log_dir or trainer.default_root_dir)  # a collective under DDP: every rank must ask
        records = self._compute(trainer, pl_module, log_dir) if trainer.is_global_zero else []
        if trainer.world_size > 1:
            records, self.metrics = trainer.strategy.broadcast((records, self.metrics), src=0)
        if records:
            self._evaluated_at = pl_module.g_steps
            self.last = records
        return records

    def _compute(self, trainer: L.Trainer, pl_module: L.LightningModule, log_dir: Path) -> list[dict]:
        dm = trainer.datamodule
        cuda = [pl_module.device] if pl_module.device.type == "cuda" else []
        # A private, seeded RNG: metrics (KID's subsets, StyleGAN's noise) repeat for the same weights, and turning
        # them on does not change the training run's later latents and shuffles.
        with torch.random.fork_rng(devices=cuda), torch.inference_mode(False), torch.no_grad():
            torch.manual_seed(self.seed)
            if hasattr(dm, "modes"):
                records = evaluate_modes(pl_module, dm, ema=self.ema, seed=self.seed)
            elif hasattr(pl_module, "translate"):  # CycleGAN: label preservation and FID of translations
                records = self._guarded(evaluate_translation, pl_module, dm, None if self.feature == "auto" else
                                        self.feature, self.n_real, self.split, self.batch_size, self.ema,
                                        self.inception_weights)  # fmt: skip
            elif (feature := self._feature(dm, pl_module)) is None:
                return []
            else:
                records = self._guarded(
                    evaluate_images, pl_module, dm, self.metrics, feature, self.n_fake, self.n_real, self.split,
                    self.ema, self.batch_size, self.seed, self.inception_weights,
                    progress=trainer.is_global_zero and trainer.progress_bar_callback is not None,
                    memory=self._real_cache,
                )  # fmt: skip
        if records:
            append_jsonl(log_dir / "metrics.jsonl", records)
        return records

    def _guarded(self, evaluate: Callable[..., list[dict]], *args: Any, **kwargs: Any) -> list[dict]:
        try:
            return evaluate(*args, **kwargs)
        except UserError as err:
            # A metric that cannot be computed (no weights offline, say) must not fail a finished training.
            rank_zero_warn(f"image metrics disabled: {err}")
            self.metrics = []
            return []

    def _feature(self, dm: object, pl_module: L.LightningModule) -> str | None:
        if self.feature != "auto":
            return self.feature
        from ganzoo.metrics.classifier import CLASSIFIER_FOR_DATA, weights_path

        name = CLASSIFIER_FOR_DATA.get(type(dm).__name__)
        if name and weights_path(name).is_file():
            return "lenet"
        if pl_module.device.type != "cpu":
            return "inception"
        rank_zero_warn(
            f"image metrics skipped: no small-CNN features for {type(dm).__name__}, and Inception features take "
            "minutes per 1,000 images on a CPU; set --metrics.feature inception to compute them anyway"
        )
        self.metrics = []
        return None
