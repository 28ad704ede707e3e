"""``GanzooCLI``: LightningCLI with data→model geometry links, forced callbacks (checkpoints, sample grids, metrics,
NaN guard, checkpoint on SIGTERM/Ctrl-C), DDP settings that suit GANs, and a fresh run directory for every run."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lightning.pytorch import Trainer
from lightning.pytorch.accelerators import CPUAccelerator
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI

from ganzoo.errors import UserError
from ganzoo.lightning_compat import find_unused_parameters
from ganzoo.registry import Entry, datasets, models

SUBCOMMANDS = ("fit", "validate", "test", "predict")
RUN_DIR_ENV = "GANZOO_RUN_DIR"
_CHECKPOINT_NAMES = ("last", "best", "hpc", "registry")


def new_run_dir(parent: Path, name: str) -> Path:
    """Creates and returns ``parent/name/version_N`` for the first N not taken: runs never share a directory."""
    base = parent / name
    base.mkdir(parents=True, exist_ok=True)
    n = 0
    while True:
        candidate = base / f"version_{n}"
        try:
            candidate.mkdir()  # atomic: two runs starting together still get distinct directories
            return candidate
        except FileExistsError:
            n += 1


class GanzooTrainer(Trainer):
    """Lightning's Trainer whose ``limit_*_batches`` read a whole number as a batch count.

    Lightning types them ``float | int``, so the command line's ``--trainer.limit_train_batches 1`` became the float
    1.0, which means *every* batch. Declared ``int | float`` here, ``1`` is one batch and ``1.0`` all of them.
    """

    def __init__(
        self,
        *,
        limit_train_batches: int | float | None = None,
        limit_val_batches: int | float | None = None,
        limit_test_batches: int | float | None = None,
        limit_predict_batches: int | float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            limit_train_batches=limit_train_batches,
            limit_val_batches=limit_val_batches,
            limit_test_batches=limit_test_batches,
            limit_predict_batches=limit_predict_batches,
            **kwargs,
        )


class GanzooCLI(LightningCLI):
    """LightningCLI with the geometry links, forced callbacks (checkpoint, sample grid, metrics, NaN guard, save on
    SIGTERM/Ctrl-C), DDP settings that suit GANs, and a run directory."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        from ganzoo.callbacks import Evaluation, NaNGuard, SampleGrid, SaveOnInterrupt

        parser.link_arguments("data.data_shape", "model.init_args.data_shape", apply_on="instantiate")
        parser.link_arguments("data.num_classes", "model.init_args.num_classes", apply_on="instantiate")
        parser.add_lightning_class_args(ModelCheckpoint, "checkpoint")
        # One checkpoint per epoch (the best one once a metric is monitored) and last.ckpt linking to it.
        parser.set_defaults({"checkpoint.save_last": "link", "checkpoint.every_n_epochs": 1})
        parser.add_lightning_class_args(SampleGrid, "samples")
        parser.add_lightning_class_args(Evaluation, "metrics")
        parser.add_lightning_class_args(NaNGuard, "nan_guard")
        parser.add_lightning_class_args(SaveOnInterrupt, "interrupt")

    def instantiate_trainer(self, **kwargs: Any) -> Trainer:
        trainer = super().instantiate_trainer(**kwargs)
        configure_strategy(trainer, bool(self.config[self.subcommand].trainer.get("sync_batchnorm")))
        return trainer

    def before_instantiate_classes(self) -> None:
        cfg = self.config[self.subcommand]
        ckpt = cfg.get("ckpt_path")
        if ckpt and ckpt not in _CHECKPOINT_NAMES and not Path(ckpt).is_file():
            raise UserError(f"--ckpt_path {ckpt} does not exist; give the path of a .ckpt file (runs/*/checkpoints/)")
        self.run_dir = self._run_dir(cfg)
        cfg.trainer.default_root_dir = str(self.run_dir)
        if cfg.trainer.logger in (None, True):
            cfg.trainer.logger = _default_logger(self.run_dir)
        elif _is_wandb(cfg.trainer.logger) and cfg.trainer.logger.init_args.get("save_dir") in (None, "."):
            cfg.trainer.logger.init_args.save_dir = str(self.run_dir)
        if cfg.checkpoint.dirpath is None:
            cfg.checkpoint.dirpath = str(self.run_dir / "checkpoints")
        if _is_rank_zero():
            print(f"ganzoo: run directory {self.run_dir}", file=sys.stderr)

    def _run_dir(self, cfg: Any) -> Path:
        # DDP children re-run this command; they must join rank 0's directory, not create their own.
        if not _is_rank_zero() and os.environ.get(RUN_DIR_ENV):
            return Path(os.environ[RUN_DIR_ENV])
        name = f"{_short_name(cfg.model, models())}-{_short_name(cfg.data, datasets())}"
        if self.subcommand != "fit":
            name += f"-{self.subcommand}"
        run_dir = new_run_dir(Path(cfg.trainer.default_root_dir or "runs"), name)
        os.environ[RUN_DIR_ENV] = str(run_dir)
        return run_dir

    def after_fit(self) -> None:
        if not self.trainer.is_global_zero:
            return
        from ganzoo.callbacks import SampleGrid

        ckpt = self.trainer.checkpoint_callback
        grid = next((cb.last_path for cb in self.trainer.callbacks if isinstance(cb, SampleGrid)), None)
        print(
            f"ganzoo: done. samples: {grid}  checkpoint: {ckpt.last_model_path if ckpt else None}",
            file=sys.stderr,
        )


def configure_strategy(trainer: Trainer, sync_batchnorm: bool = False) -> None:
    """Makes multi-process training work for every GAN without the user knowing DDP's options.

    Each GAN step backpropagates into one player only, so plain DDP fails ("parameters that were not used in
    producing the loss"); DDP must look for unused parameters (``find_unused_parameters=True``, what
    ``--trainer.strategy ddp_find_unused_parameters_true`` sets). Applied to every DDP strategy (``ddp``,
    ``ddp_spawn``, ``auto`` with several devices) unless the user chose that option explicitly.
    """
    find_unused_parameters(trainer.strategy)
    if sync_batchnorm and isinstance(trainer.accelerator, CPUAccelerator):
        raise UserError(
            "--trainer.sync_batchnorm needs GPUs (torch's SyncBatchNorm has no CPU implementation); on CPUs use "
            "--model.g_norm / --model.d_norm layer or none"
        )


def _is_rank_zero() -> bool:
    return os.environ.get("LOCAL_RANK", "0") == "0" and os.environ.get("NODE_RANK", "0") == "0"


def _is_wandb(logger: Any) -> bool:
    return "WandbLogger" in str(getattr(logger, "class_path", ""))


def _default_logger(run_dir: Path) -> dict[str, Any]:
    """TensorBoard when installed, CSV otherwise, writing straight into the run directory."""
    try:
        import tensorboard  # noqa: F401

        class_path = "lightning.pytorch.loggers.TensorBoardLogger"
    except ImportError:
        class_path = "lightning.pytorch.loggers.CSVLogger"
    return {"class_path": class_path, "init_args": {"save_dir": str(run_dir), "name": "", "version": ""}}


def _short_name(spec: Any, table: dict[str, Entry]) -> str:
    class_path = getattr(spec, "class_path", None) or str(spec)
    for name, entry in table.items():
        if class_path in (entry.class_path, f"{entry.cls.__module__}.{entry.cls.__qualname__}", entry.cls.__name__):
            return name
    return class_path.rsplit(".", 1)[-1].lower()


def run_cli(args: Sequence[str] | None) -> GanzooCLI:
    """Runs a LightningCLI subcommand (``fit``, ``validate``, ``test``, ``predict``) with ganzoo's defaults."""
    from ganzoo.data import GANDataModule
    from ganzoo.models import TwoPlayerModule

    models(), datasets()  # every registered class imported, so that bare class names resolve

    cli_args = None if args is None else list(args)  # None: sys.argv
    return GanzooCLI(
        TwoPlayerModule,
        GANDataModule,
        trainer_class=GanzooTrainer,
        subclass_mode_model=True,
        subclass_mode_data=True,
        args=cli_args,
    )
