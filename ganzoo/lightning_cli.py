"""``GanzooCLI``: LightningCLI with data→model geometry links, forced callbacks (checkpoints, sample grids, metrics,
NaN guard, checkpoint on SIGTERM/Ctrl-C), DDP settings that suit GANs, and a fresh run directory for every run."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml
from jsonargparse import Namespace
from lightning.fabric.plugins import TorchCheckpointIO
from lightning.pytorch import Trainer
from lightning.pytorch.accelerators import CPUAccelerator
from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback
from lightning.pytorch.utilities.exceptions import MisconfigurationException

from ganzoo.checkpoint import AtomicCheckpointIO, newest_checkpoint_file, read_checkpoint
from ganzoo.errors import UserError
from ganzoo.lightning_compat import find_unused_parameters
from ganzoo.parse_errors import one_line
from ganzoo.profiling import NoProfiler
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


class RunConfig(SaveConfigCallback):
    """Saves ``config.yaml`` in the run directory (Lightning's behaviour) and, for a W&B run, the full configuration
    (model, data, trainer, seed, callbacks) as the run's config (which W&B stores as the run's own ``config.yaml``),
    with the live ``metrics.jsonl`` among its files."""

    def save_config(self, trainer: Trainer, pl_module: Any, stage: str) -> None:
        from lightning.pytorch.loggers import WandbLogger

        run_dir = Path(trainer.default_root_dir)
        for logger in trainer.loggers:
            if isinstance(logger, WandbLogger):
                experiment = logger.experiment
                experiment.config.update(yaml.safe_load(self.parser.dump(self.config, skip_none=False)),
                                         allow_val_change=True)  # fmt: skip
                experiment.save(str(run_dir / "metrics.jsonl"), base_path=str(run_dir), policy="live")


class OneLineErrorParser(LightningArgumentParser):
    """LightningCLI's parser, whose errors are :class:`~ganzoo.errors.UserError` s of one line (the ``ganzoo``
    command prints them and exits with 2) instead of the usage and jsonargparse's nested report; set
    ``JSONARGPARSE_DEBUG=true`` for that report."""

    def error(self, message: str, ex: Exception | None = None) -> NoReturn:
        # exit_on_error is off while jsonargparse tries a type's alternatives: those errors are its own business.
        if not self.exit_on_error or os.environ.get("JSONARGPARSE_DEBUG"):
            super().error(message, ex)
        # A subcommand parser's prog is "<argv[0]> [options] fit"; argv[0] is __main__.py under ``python -m``.
        words = (getattr(ex, "subcommand_parser", None) or self).prog.split()
        raise UserError(one_line(message, f"ganzoo {words[-1]}" if len(words) > 1 else "ganzoo"))


class GanzooCLI(LightningCLI):
    """LightningCLI with the geometry links, forced callbacks (checkpoint, sample grid, metrics, NaN guard, save on
    SIGTERM/Ctrl-C), DDP settings that suit GANs, and a run directory."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        from ganzoo.callbacks import Evaluation, GeneratorStepCheckpoint, NaNGuard, SampleGrid, SaveOnInterrupt

        parser.link_arguments("data.data_shape", "model.init_args.data_shape", apply_on="instantiate")
        parser.link_arguments("data.num_classes", "model.init_args.num_classes", apply_on="instantiate")
        parser.add_lightning_class_args(GeneratorStepCheckpoint, "checkpoint")
        # One checkpoint per epoch (the best one once a metric is monitored) and last.ckpt linking to it. The epoch
        # interval is left unset: Lightning then saves every epoch, and --checkpoint.every_n_train_steps alone works.
        parser.set_defaults({"checkpoint.save_last": "link"})
        parser.add_lightning_class_args(SampleGrid, "samples")
        parser.add_lightning_class_args(Evaluation, "metrics")
        parser.add_lightning_class_args(NaNGuard, "nan_guard")
        parser.add_lightning_class_args(SaveOnInterrupt, "interrupt")

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        super().parse_arguments(parser, args)
        # The command line can be repeated (to resume) only when it is the process's own: ``ganzoo ...``.
        self.command = list(sys.argv[1:]) if args is None else None
        # Before LightningCLI reads a --ckpt_path's hyper-parameters (an empty file fails there with a traceback) and
        # replaces the model with the one they name: compare with the model the user asked for.
        sub = self.config.get("subcommand")
        ckpt = self.config[sub].get("ckpt_path") if sub else None
        if ckpt == "last":
            ckpt = self.config[sub].ckpt_path = str(newest_checkpoint(self.config[sub]))
            if _is_rank_zero():
                print(f"ganzoo: --ckpt_path last is {ckpt}", file=sys.stderr)
        if ckpt and ckpt not in _CHECKPOINT_NAMES:
            check_checkpoint(Path(ckpt), self.config[sub].get("model"))

    def instantiate_trainer(self, **kwargs: Any) -> Trainer:
        from ganzoo.callbacks import SaveOnInterrupt

        config = self.config_init[self.subcommand].trainer
        chosen = config.get("callbacks")
        # A copy: Lightning extends this very list with its own callbacks, its default progress bar among them.
        chosen = list(chosen) if isinstance(chosen, list) else [chosen]
        if config.get("profiler") is None:
            kwargs.setdefault("profiler", NoProfiler())
        try:
            trainer = super().instantiate_trainer(**kwargs)
        except MisconfigurationException as err:  # an impossible trainer setting, e.g. a GPU on a machine without
            raise UserError(f"{str(err).strip().splitlines()[0]} (check the --trainer.* arguments)") from err
        configure_strategy(trainer, bool(self.config[self.subcommand].trainer.get("sync_batchnorm")))
        for callback in trainer.callbacks:
            if isinstance(callback, SaveOnInterrupt):
                callback.command = self.command
        use_quiet_progress_bar(trainer, chosen)
        if isinstance(trainer.strategy.checkpoint_io, TorchCheckpointIO):  # unless the user chose their own plugin
            trainer.strategy.checkpoint_io = AtomicCheckpointIO()
        return trainer

    def before_instantiate_classes(self) -> None:
        cfg = self.config[self.subcommand]
        unpin_saved_run(cfg)
        bound_validation(cfg)
        self.run_dir = self._run_dir(cfg)
        cfg.trainer.default_root_dir = str(self.run_dir)
        if cfg.trainer.logger in (None, True):
            cfg.trainer.logger = _default_logger(self.run_dir)
        elif _is_wandb(cfg.trainer.logger):
            # The W&B run beside the others: project ganzoo, named like its run directory, files in it.
            wandb = cfg.trainer.logger.init_args
            if wandb.get("save_dir") in (None, "."):
                wandb.save_dir = str(self.run_dir)
            if not wandb.get("project"):
                wandb.project = "ganzoo"
            if not wandb.get("name"):
                wandb.name = f"{self.run_dir.parent.name}-{self.run_dir.name}"
        if cfg.checkpoint.dirpath is None:
            cfg.checkpoint.dirpath = str(self.run_dir / "checkpoints")
        if _is_rank_zero():
            print(f"ganzoo: run directory {self.run_dir}", file=sys.stderr)

    def _run_dir(self, cfg: Any) -> Path:
        name = run_name(cfg)
        if self.subcommand != "fit":
            name += f"-{self.subcommand}"
        parent = Path(cfg.trainer.default_root_dir or "runs")
        if not _is_rank_zero():
            # The processes rank 0 started (Lightning's launcher) join its directory through the environment. Ranks
            # on other nodes cannot know it, and need none: only the global rank 0 writes (checkpoints, logs,
            # samples), so they get a path without creating it.
            return Path(os.environ.get(RUN_DIR_ENV) or parent / name / "other_node")
        try:
            run_dir = new_run_dir(parent, name)
        except OSError as err:
            raise UserError(f"cannot create a run directory under {parent} ({err.strerror}); give a writable "
                            "--trainer.default_root_dir") from err  # fmt: skip
        os.environ[RUN_DIR_ENV] = str(run_dir)
        return run_dir

    def after_fit(self) -> None:
        if not self.trainer.is_global_zero:
            return
        from ganzoo.callbacks import SampleGrid

        ckpt = self.trainer.checkpoint_callback
        grid = next((cb.last_path for cb in self.trainer.callbacks if isinstance(cb, SampleGrid)), None)
        saved = ckpt.last_model_path if ckpt else ""
        if not saved and self.trainer.ckpt_path:  # resumed a run that had already reached its max_epochs/max_steps
            saved = f"none new ({self.trainer.ckpt_path} had already reached the run's limit; raise it to go on)"
        print(f"ganzoo: done. samples: {grid}  checkpoint: {saved or 'none'}", file=sys.stderr)


def bound_validation(cfg: Any) -> None:
    """A run limited to N training batches per epoch (``--trainer.limit_train_batches N``, a quick check) validates on
    at most N batches too, unless ``--trainer.limit_val_batches`` says otherwise, and is told that the metrics still
    run in full at the end."""
    limit = cfg.trainer.get("limit_train_batches")
    if not isinstance(limit, int) or isinstance(limit, bool) or cfg.trainer.get("limit_val_batches") is not None:
        return
    cfg.trainer.limit_val_batches = limit
    if _is_rank_zero() and cfg.metrics.get("metrics") != []:
        print(f"ganzoo: --trainer.limit_train_batches {limit} limits validation to {limit} batches as well; the "
              f"metrics still run on {cfg.metrics.n_fake:,} samples at the end (--metrics.metrics [] skips them)",
              file=sys.stderr)  # fmt: skip


def unpin_saved_run(cfg: Any) -> None:
    """A ``config.yaml`` that a run saved pins that run's directory (root, checkpoints, logger): rerunning it
    (``ganzoo fit --config runs/NAME/version_N/config.yaml``) starts a new run beside it instead of writing into it."""
    root = cfg.trainer.default_root_dir
    if not root or not _is_run_dir(Path(root)):
        return
    old = Path(root).resolve()
    cfg.trainer.default_root_dir = str(Path(root).parent.parent)
    if cfg.checkpoint.dirpath and old in Path(cfg.checkpoint.dirpath).resolve().parents:
        cfg.checkpoint.dirpath = None
    logger = cfg.trainer.logger
    save_dir = logger.init_args.get("save_dir") if isinstance(logger, Namespace) and logger.get("init_args") else None
    if save_dir and Path(save_dir).resolve() == old:
        if _is_wandb(logger):
            logger.init_args.save_dir = None
        else:
            cfg.trainer.logger = None  # ganzoo's default logger, in the new run directory


def _is_run_dir(path: Path) -> bool:
    return path.name.startswith("version_") and (path / "config.yaml").is_file()


def newest_checkpoint(cfg: Any) -> Path:
    """What ``--ckpt_path last`` means in ganzoo: the newest checkpoint of the earlier runs of this model on this data
    (under ``--trainer.default_root_dir``, or in ``--checkpoint.dirpath`` when that is set).

    Lightning's own ``last`` looks in the run's checkpoint folder, which for a ganzoo run is always new and empty, so it
    would silently start afresh.
    """
    unpin_saved_run(cfg)  # a saved run's config.yaml names that run's directory; its siblings are searched too
    name = run_name(cfg)
    parent = Path(cfg.trainer.default_root_dir or "runs")
    chosen = cfg.checkpoint.dirpath
    newest = newest_checkpoint_file([Path(chosen)] if chosen else (parent / name).glob("version_*/checkpoints"))
    if newest is None:
        where = chosen or parent / name / "version_*" / "checkpoints"
        raise UserError(f"--ckpt_path last: no checkpoint in {where}; give a .ckpt file, or leave --ckpt_path out to "
                        "start a new run")  # fmt: skip
    return newest


def run_name(cfg: Any) -> str:
    """``MODEL-DATA`` in short names (``dcgan-digits``): the folder of a model's runs on a dataset."""
    return f"{_short_name(cfg.model, models())}-{_short_name(cfg.data, datasets())}"


def check_checkpoint(path: Path, requested_model: Any) -> None:
    """Refuses, with one line, a ``--ckpt_path`` that is missing, empty, truncated, pickled or of another model
    class. The tensors stay on disk (``mmap``): only the hyper-parameters are read here."""
    saved = read_checkpoint(path, "--ckpt_path", mmap=True).get("hyper_parameters", {}).get("_class_path")
    requested = requested_model.get("class_path") if requested_model is not None else None
    if saved and requested and _class_name(saved) != _class_name(requested):
        raise UserError(f"--ckpt_path {path} holds a {_class_name(saved)} checkpoint, not {_class_name(requested)}; "
                        "resume it with its own --model (or its run's --config .../config.yaml)")  # fmt: skip


def _class_name(class_path: str) -> str:
    return class_path.rsplit(".", 1)[-1]


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


def use_quiet_progress_bar(trainer: Trainer, chosen: list[Any]) -> None:
    """Replaces the progress bar Lightning adds by default (redrawn after every batch) with ganzoo's
    :class:`~ganzoo.callbacks.ProgressBar`; a bar among the ``chosen`` callbacks (the user's) stays."""
    from ganzoo.callbacks import ProgressBar

    bar = trainer.progress_bar_callback
    if type(bar) is TQDMProgressBar and not any(bar is callback for callback in chosen):
        trainer.callbacks[trainer.callbacks.index(bar)] = ProgressBar(process_position=bar.process_position)


def _is_rank_zero() -> bool:
    """Whether this is the global rank 0, read from the environment before any process group exists: Lightning's
    launcher sets LOCAL_RANK and NODE_RANK, torchrun RANK, SLURM SLURM_PROCID."""
    return all(os.environ.get(key, "0") == "0" for key in ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID"))


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
    from ganzoo.allocator import keep_freed_memory
    from ganzoo.console import quiet_library_notices
    from ganzoo.data import GANDataModule
    from ganzoo.models import TwoPlayerModule

    keep_freed_memory()  # the command does it too; here for runs started from Python (benchmarks, notebooks)
    quiet_library_notices()
    models(), datasets()  # every registered class imported, so that bare class names resolve

    cli_args = None if args is None else list(args)  # None: sys.argv
    return GanzooCLI(
        TwoPlayerModule,
        GANDataModule,
        trainer_class=GanzooTrainer,
        parser_class=OneLineErrorParser,
        subclass_mode_model=True,
        subclass_mode_data=True,
        # Each model owns two optimizers (--model.optimizer_g/_d); LightningCLI's single --optimizer cannot apply.
        auto_configure_optimizers=False,
        save_config_callback=RunConfig,
        # Lightning seeds 0 when asked for no seed (with a warning); saying 0 outright records it in the run's config.
        seed_everything_default=0,
        args=cli_args,
    )
