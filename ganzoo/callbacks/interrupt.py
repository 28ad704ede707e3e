"""SIGTERM and Ctrl-C end a run with a resumable checkpoint instead of losing the work since the last epoch."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.utilities.exceptions import SIGTERMException

from ganzoo.callbacks.nan_guard import first_non_finite


class SaveOnInterrupt(L.Callback):
    """Saves ``<checkpoint dir>/interrupted.ckpt`` when training is stopped by SIGTERM (a cluster's preemption, a
    sweep agent's early stop) or Ctrl-C, prints its path and the command that resumes from it, and ends the run
    with ``SIGTERMException`` (the CLI exits with status 128 + signal number).

    A signal only sets a flag; at the end of the current training batch all processes agree on it (one all-reduce
    under DDP, so every rank stops at the same batch) and save together, so the checkpoint holds a consistent state.
    While training, these handlers replace Lightning's SIGTERM handler, whose collective inside the signal handler
    can deadlock DDP ranks (Lightning 2.6). A second Ctrl-C aborts at once without saving. The file is separate from
    the epoch checkpoints and ``last.ckpt``, and weights that are not finite are never saved.

    Args:
        filename: name of the checkpoint, in the checkpoint callback's directory (else the run directory).
    """

    def __init__(self, filename: str = "interrupted.ckpt") -> None:
        self.filename = filename
        self.path: Path | None = None
        #: The ``ganzoo`` arguments that started the run, set by the CLI when they are the process's own command line;
        #: None for a run started from Python (a benchmark, a notebook), whose command ganzoo cannot know.
        self.command: list[str] | None = None
        self._signal: int | None = None
        self._stopping = False
        self._previous: dict[int, Any] = {}

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._signal, self._stopping, self.path = None, False, None
        # After Lightning registered its own handlers (just before training starts); restored when training ends.
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                self._previous[signum] = signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if signum == signal.SIGINT:
            if self._signal is not None:
                raise KeyboardInterrupt  # the second Ctrl-C
            print("\nganzoo: stopping after this batch to save a checkpoint (Ctrl-C again aborts)", file=sys.stderr)
        self._signal = self._signal or signum

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not trainer.strategy.reduce_boolean_decision(self._signal is not None, all=False):
            return
        self._stopping = True
        signum = self._signal or signal.SIGTERM  # another rank may have got the signal
        self._save(trainer, pl_module, signum)
        stop = SIGTERMException()
        stop.signum = signum  # the CLI exits with 128 + signum
        raise stop

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._restore()

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        self._restore()

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        self._restore()
        # Lightning's own SIGTERM stop (a signal outside training, e.g. in the sanity check) also gets a checkpoint;
        # errors and a second Ctrl-C (which may strike in the middle of an update) do not.
        if isinstance(exception, SIGTERMException) and not self._stopping:
            self._save(trainer, pl_module, signal.SIGTERM)

    def _restore(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)
        self._previous = {}

    def _save(self, trainer: L.Trainer, pl_module: L.LightningModule, signum: int) -> None:
        name = signal.Signals(signum).name
        if first_non_finite(pl_module.state_dict()) is not None:
            if trainer.is_global_zero:
                print(f"ganzoo: stopped by {name}; the weights are not finite, so nothing was saved", file=sys.stderr)
            return
        ckpt = trainer.checkpoint_callback
        folder = Path(ckpt.dirpath if isinstance(ckpt, ModelCheckpoint) and ckpt.dirpath else trainer.default_root_dir)
        self.path = folder / self.filename
        trainer.save_checkpoint(self.path)
        if trainer.is_global_zero:
            print(
                f"ganzoo: stopped by {name} at generator step {pl_module.g_steps}; saved {self.path}\n"
                f"ganzoo: resume with: {resume_command(self.path, self.command)}",
                file=sys.stderr,
            )


def resume_command(ckpt: Path, command: list[str] | None) -> str:
    """The ``ganzoo`` command that started this run (aliases expanded), with ``--ckpt_path`` pointing at ``ckpt``;
    without that command, the argument to add to whatever started it."""
    if command is None:
        return f"the command that started this run, with --ckpt_path={ckpt}"
    kept: list[str] = []
    skip = False
    for arg in command:
        if skip:
            skip = False
        elif arg == "--ckpt_path":
            skip = True
        elif not arg.startswith("--ckpt_path="):
            kept.append(arg)
    return shlex.join(["ganzoo", *kept, f"--ckpt_path={ckpt}"])
