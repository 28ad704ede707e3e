"""Shared fixtures: every test runs in its own directory, offline, with tiny settings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Offline copies of the datasets (MNIST, Fashion-MNIST, the CIFAR-10 subset) for tests that need real data.
SHARED_DATA = Path(os.environ.get("GANZOO_DATA_ROOT", REPO.parent / "shared" / "data")).resolve()
CIFAR_NPZ = SHARED_DATA / "cifar10" / "cifar10_partial_6102.npz"

#: Trainer settings that make a CLI run take seconds.
TINY = [
    "--trainer.max_epochs=1",
    "--trainer.limit_train_batches=3",
    "--trainer.limit_val_batches=2",
    "--trainer.enable_progress_bar=false",
    "--trainer.enable_model_summary=false",
    "--metrics.metrics=[]",
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WANDB_MODE", "offline")
    os.environ.pop("GANZOO_RUN_DIR", None)
    yield
    os.environ.pop("GANZOO_RUN_DIR", None)


@pytest.fixture
def shared_data() -> Path:
    """The offline dataset root; tests that need it are skipped, with the reason, where it is absent."""
    if not (SHARED_DATA / "MNIST" / "raw").is_dir():
        pytest.skip(f"no offline MNIST under {SHARED_DATA} (set GANZOO_DATA_ROOT)")
    return SHARED_DATA


@pytest.fixture
def as_rank(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``as_rank(r)`` makes this process pass for rank r of a 2-process group, seeded like every rank (seed 0)."""
    import torch
    import torch.distributed as dist

    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)

    def become(rank: int) -> None:
        monkeypatch.setattr(dist, "get_rank", lambda: rank)
        torch.manual_seed(0)

    return become


def run_ganzoo(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs the real ``ganzoo`` console script in a subprocess (for exit codes and stderr)."""
    exe = Path(sys.executable).with_name("ganzoo")
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def fit_briefly(model, datamodule, batches: int, val_batches: int = 1, **trainer_kwargs):
    """A few real optimisation steps in a bare Trainer (no logger, checkpoints or progress bar)."""
    import lightning as L

    trainer = L.Trainer(
        max_epochs=1,
        limit_train_batches=batches,
        limit_val_batches=val_batches,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **trainer_kwargs,
    )
    trainer.fit(model, datamodule)
    return trainer
