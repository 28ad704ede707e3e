"""Metrics during training, from a Callback: the feature network never becomes part of the model or its checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import lightning as L
from lightning.pytorch.utilities import rank_zero_warn

from ganzoo.errors import UserError
from ganzoo.metrics.evaluate import append_jsonl, evaluate, subject_of
from ganzoo.metrics.protocol import EvaluationOptions, select


class Evaluation(L.Callback):
    """Computes metrics every ``every_n_epochs`` validation epochs (training epochs when validation is off) and once
    more when fit ends, logs them as ``val/<name>`` and appends one JSON line per value to ``metrics.jsonl`` in the
    run directory.

    What is measured follows from the model and the data (:func:`ganzoo.metrics.evaluate.evaluate`): FID, KID and
    IS of generated images; mode coverage on the 2D toys (milliseconds, so at every validation); label preservation
    and FIDs of translations for CycleGAN.

    Args:
        metrics: the metrics to compute (``ganzoo evaluate --help`` lists them); None: the defaults for the model and
            data; empty: none.
        feature: ``lenet`` (the shipped small CNN: MNIST, Fashion-MNIST, digits, USPS), ``inception`` (the TF
            InceptionV3 of the papers; minutes for 10k images on a CPU), or ``auto``: ``lenet`` where it exists, else
            ``inception`` on a GPU (on a CPU image metrics are then skipped with a warning).
        n_fake: generated samples per evaluation.
        n_real: real samples of the reference split (None: all of it); their features are cached.
        split: the real reference, ``test`` or ``train``.
        every_n_epochs: epochs between evaluations (0: only at the end of fit).
        ema: use the EMA generator when the model has one.
        batch_size: images per feature-network batch.
        seed: seed of the generated samples (the same samples at every evaluation).
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
        batch_size: int = EvaluationOptions.batch_size,
        seed: int = 0,
        inception_weights: str | None = None,
    ) -> None:
        self.metrics = None if metrics is None else list(metrics)
        self.options = EvaluationOptions(feature, n_fake, n_real, split, ema, batch_size, seed, inception_weights)
        self.every_n_epochs = every_n_epochs
        self._real_cache: dict = {}
        self._evaluated_at: int | None = None
        self.enabled = True
        self.last: list[dict] = []

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        # Unknown names fail before training starts, not at the first evaluation.
        if self.metrics and trainer.datamodule is not None:
            select(self.metrics, subject_of(pl_module, trainer.datamodule), trainer.datamodule)

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking:
            self._evaluate_if_due(trainer, pl_module)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Without validation (--trainer.limit_val_batches 0, no val data) the schedule follows the training epochs.
        if not trainer.enable_validation:
            self._evaluate_if_due(trainer, pl_module)

    def _evaluate_if_due(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        cheap = subject_of(pl_module, trainer.datamodule) == "points"
        due = cheap or (self.every_n_epochs > 0 and (trainer.current_epoch + 1) % self.every_n_epochs == 0)
        if due:
            for record in self._evaluate(trainer, pl_module):
                pl_module.log(f"val/{record['metric']}", float(record["value"]), sync_dist=False)

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._evaluated_at == pl_module.g_steps:
            return
        values = {f"val/{r['metric']}": float(r["value"]) for r in self._evaluate(trainer, pl_module)}
        for logger in trainer.loggers:
            logger.log_metrics(values, step=pl_module.g_steps)

    def _evaluate(self, trainer: L.Trainer, pl_module: L.LightningModule) -> list[dict]:
        # Under DDP one process computes and shares the values: every rank logs the same number (which a monitoring
        # checkpoint needs), the work is not repeated, and rank 0's weights and buffers (which DDP broadcasts) decide.
        if self.metrics == [] or not self.enabled:
            return []
        log_dir = Path(trainer.log_dir or trainer.default_root_dir)  # a collective under DDP: every rank must ask
        records = self._compute(trainer, pl_module, log_dir) if trainer.is_global_zero else []
        if trainer.world_size > 1:
            records, self.enabled = trainer.strategy.broadcast((records, self.enabled), src=0)
        if records:
            self._evaluated_at = pl_module.g_steps
            self.last = records
        return records

    def _compute(self, trainer: L.Trainer, pl_module: L.LightningModule, log_dir: Path) -> list[dict]:
        dm = trainer.datamodule
        options = self.options
        if self._skip_inception_on_cpu(pl_module, dm):
            return []
        options.progress = trainer.progress_bar_callback is not None
        try:
            records = evaluate(pl_module, dm, self.metrics, options, memory=self._real_cache)
        except UserError as err:
            # A metric that cannot be computed (no weights offline, say) must not fail a finished training.
            rank_zero_warn(f"metrics disabled: {err}")
            self.enabled = False
            return []
        append_jsonl(log_dir / "metrics.jsonl", records)
        return records

    def _skip_inception_on_cpu(self, pl_module: L.LightningModule, dm: object) -> bool:
        from ganzoo.metrics.classifier import has_classifier

        if self.options.feature != "auto" or subject_of(pl_module, dm) != "images" or has_classifier(dm):
            return False
        if not any(m.uses_features for m in select(self.metrics, "images", dm)):
            return False
        if pl_module.device.type != "cpu":
            return False
        rank_zero_warn(
            f"image metrics skipped: no small-CNN features for {type(dm).__name__}, and a 10k Inception FID takes "
            "5 to 10 minutes on a 2-core CPU; set --metrics.feature inception to compute it during training anyway, "
            "or run `ganzoo evaluate --feature inception` afterwards"
        )
        self.enabled = False
        return True
