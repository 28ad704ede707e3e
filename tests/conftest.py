"""Shared fixtures: every test runs in its own directory, offline, with tiny settings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import lightning.pytorch  # noqa: F401  (its log handler binds sys.stderr on import: here, before any test captures it)
import numpy as np
import pytest
from PIL import Image

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


#: Small networks per model; a model registered later runs with its defaults on 16×16 digits.
TINY_MODEL = {
    "vanilla_gan": ["--model.g_hidden=[32]", "--model.d_hidden=[32]"],
    "dcgan": ["--model.base_channels=8"],
    "dragan": ["--model.base_channels=8"],
    "cgan": ["--model.base_channels=8"],
    "unrolled_gan": ["--model.g_hidden=[32]", "--model.d_hidden=[32]", "--model.unroll_steps=2"],
    "minibatch_gan": ["--model.base_channels=8", "--model.hidden=[32]"],
    "pacgan": ["--model.base_channels=8", "--model.g_hidden=[32]", "--model.d_hidden=[32]"],
    "wgan": ["--model.base_channels=8"],
    "wgan_gp": ["--model.base_channels=8"],
    "stylegan_lite": ["--model.channel_max=16", "--model.w_dim=32", "--model.latent_dim=32", "--model.r1_interval=2"],
    "cyclegan": ["--model.g_channels=8", "--model.d_channels=8", "--model.pool_size=4"],
}
#: Models that need other data than the bundled digits.
MODEL_DATA = {"cyclegan": ["--data", "mnist_usps", f"--data.root={SHARED_DATA}"]}


@pytest.fixture(scope="session")
def _feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One feature cache for the whole session: shared by its tests (real features computed once), never the user's
    ``~/.cache/ganzoo``, which a test must neither fill nor read features of another version from."""
    return tmp_path_factory.mktemp("feature-cache")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _feature_cache: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("GANZOO_CACHE", str(_feature_cache))
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


def one_line_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """Runs ``ganzoo ARGS`` in-process; returns its one error line (and checks there is exactly one, no traceback)."""
    from ganzoo.cli import main

    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("ganzoo: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err[-2000:]
    return errors[0]


def fit_briefly(model, datamodule, batches: int, val_batches: int = 1, **trainer_kwargs):
    """A few real optimisation steps in a bare Trainer (no logger, checkpoints or progress bar)."""
    import lightning as L

    trainer = L.Trainer(
        max_epochs=trainer_kwargs.pop("max_epochs", 1),
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


def write_images(folder: Path, n: int, size=(20, 24), mode="RGB") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        color = (i * 40 % 256, 100, 200) if mode == "RGB" else i * 40 % 256
        Image.new(mode, size, color).save(folder / f"{i:03d}.png")


def write_domains(root: Path, n_train: int = 10, n_test: int = 4, size: tuple[int, int] = (40, 36)) -> Path:
    """ROOT/trainA … testB of random RGB images; A images are dark, B images bright, so the domains differ."""
    rng = np.random.default_rng(0)
    counts = {"trainA": n_train, "trainB": n_train + 3, "testA": n_test, "testB": n_test + 1}
    for folder, n in counts.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        low = 0 if folder.endswith("A") else 128
        for i in range(n):
            pixels = rng.integers(low, low + 128, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / folder / f"{i:03d}.png")
    return root
