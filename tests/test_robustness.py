"""A run that diverges stops with a clear message and keeps its last good checkpoint; SIGTERM and Ctrl-C save a
checkpoint the run resumes from."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from ganzoo.callbacks import NaNGuard, NonFiniteLossError
from ganzoo.cli import main
from tests.conftest import TINY

SMALL = [
    "--model", "vanilla_gan", "--data", "digits", "--data.image_size=8", "--data.batch_size=16",
    "--model.g_hidden=[16]", "--model.d_hidden=[16]", "--trainer.limit_train_batches=2",
    "--trainer.limit_val_batches=1", "--trainer.enable_progress_bar=false", "--trainer.enable_model_summary=false",
    "--metrics.metrics=[]", "--samples.every_n_epochs=0",
]  # fmt: skip


def _state(path: Path) -> dict:
    return torch.load(path, weights_only=True)


def _finite(ckpt: dict) -> bool:
    return all(torch.isfinite(v).all() for v in ckpt["state_dict"].values() if v.is_floating_point())


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_keeps_its_last_good_checkpoint(capsys):
    # D's learning rate is multiplied by 1e30 after the first epoch: epoch 0 trains and is saved, epoch 1 explodes.
    blow_up = ["--model.scheduler_d=ExponentialLR", "--model.scheduler_d.gamma=1e30", "--trainer.max_epochs=4"]
    with pytest.raises(SystemExit) as stop:
        main(["fit", *SMALL, *blow_up])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("ganzoo: error:"))
    # D blows up in its step of epoch 1, batch 0; the generator loss that follows is the first non-finite one.
    pattern = r"non-finite generator loss at generator step (\d+) \((nan|inf|-inf); epoch 1, batch 0\)"
    match = re.search(pattern, line)
    assert match, line
    assert int(match[1]) == 2  # epoch 0 = 2 batches = 2 generator steps went fine
    checkpoints = Path("runs/vanilla_gan-digits/version_0/checkpoints")
    named = Path(line.split("last good checkpoint: ", 1)[1])
    assert named.is_file() and named.name.startswith("epoch=0") and named.samefile(checkpoints / "last.ckpt")
    assert [p.name.split("-")[0] for p in sorted(checkpoints.iterdir())] == ["epoch=0", "last.ckpt"]  # none after
    last = _state(checkpoints / "last.ckpt")
    assert last["epoch"] == 0 and _finite(last)


def test_non_finite_weights_are_never_saved():
    guard = NaNGuard()
    trainer, model = SimpleNamespace(global_step=14, checkpoint_callback=None), SimpleNamespace(g_steps=7)
    guard.on_save_checkpoint(trainer, model, {"state_dict": {"w": torch.ones(2), "n": torch.tensor(3)}})
    with pytest.raises(NonFiniteLossError, match=r"non-finite weights \(w\) at generator step 7: not saving"):
        guard.on_save_checkpoint(trainer, model, {"state_dict": {"w": torch.tensor([1.0, float("nan")])}})


def test_weights_that_blow_up_while_the_losses_stay_finite_stop_the_run_naming_a_file_that_exists(capsys):
    # A huge D learning rate sends BatchNorm statistics to inf before any loss is non-finite.
    with pytest.raises(SystemExit):
        main(["fit", "--model=dcgan", "--data=digits", "--data.image_size=16", "--model.base_channels=8", *TINY,
              "--model.optimizer_d.lr=1e10", "--trainer.max_epochs=3"])  # fmt: skip
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("ganzoo: error:"))
    assert "non-finite" in line and "at generator step" in line
    named = line.split("last good checkpoint: ", 1)[1]
    assert named.startswith("none (") or (Path(named).is_file() and _finite(_state(Path(named)))), line


def _wait_for(pattern: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not list(Path().glob(pattern)):
        if time.monotonic() > deadline:
            raise TimeoutError(pattern)
        time.sleep(0.2)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, pytest.param(signal.SIGINT, marks=pytest.mark.slow)], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_saves_a_checkpoint_that_the_run_resumes_from(signum):
    exe = Path(sys.executable).with_name("ganzoo")
    proc = subprocess.Popen(
        [str(exe), "fit", *SMALL, "--trainer.max_epochs=100000"], stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        _wait_for("runs/vanilla_gan-digits/version_0/checkpoints/epoch=*.ckpt")  # training is under way
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, err[-3000:]
    saved = Path("runs/vanilla_gan-digits/version_0/checkpoints/interrupted.ckpt").resolve()
    assert f"stopped by {signum.name} at generator step" in err and f"saved {saved}" in err
    resume = next(x for x in err.splitlines() if x.startswith("ganzoo: resume with: "))
    assert resume.endswith(f"--ckpt_path={saved}") and "--trainer.max_epochs=100000" in resume
    interrupted = _state(saved)
    assert _finite(interrupted) and interrupted["global_step"] > 0
    assert _state(saved.with_name("last.ckpt"))["global_step"] <= interrupted["global_step"]  # untouched

    epochs = interrupted["epoch"] + 2
    main(["fit", *SMALL, f"--trainer.max_epochs={epochs}", f"--ckpt_path={saved}"])
    resumed = _state(Path("runs/vanilla_gan-digits/version_1/checkpoints/last.ckpt"))
    assert resumed["ganzoo"]["g_steps"] == epochs * 2  # the interrupted run's batches count: nothing is redone
    assert resumed["global_step"] == 2 * epochs * 2


@pytest.mark.parametrize("frozen", [False, True])
def test_a_non_finite_loss_is_named_after_the_player_whose_step_made_it(frozen):
    from ganzoo.models import VanillaGAN

    model = VanillaGAN(data_shape=(1, 8, 8), g_hidden=[4], d_hidden=[4])
    trainer = SimpleNamespace(strategy=SimpleNamespace(reduce_boolean_decision=lambda failed, all: failed),
                              current_epoch=0, checkpoint_callback=None)  # fmt: skip
    guard = NaNGuard()
    guard.on_train_start(trainer, model)
    guard.on_train_batch_start(trainer, model, None, 0)
    model.discriminator.requires_grad_(not frozen)  # the generator step freezes the discriminator
    guard.on_before_backward(trainer, model, torch.tensor(float("nan")))
    player = "generator" if frozen else "discriminator"
    with pytest.raises(NonFiniteLossError, match=f"non-finite {player} loss at generator step 0 \\(nan; epoch 0"):
        guard.on_train_batch_end(trainer, model, None, None, 0)


def test_the_fast_weight_check_finds_what_the_full_one_finds():
    from ganzoo.callbacks.nan_guard import first_non_finite_weight

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    assert first_non_finite_weight(model) is None
    with torch.no_grad():
        model[0].weight.fill_(3e30)  # finite, but the squared norm overflows float32: not a bad weight
    assert first_non_finite_weight(model) is None
    model[1].running_var[2] = float("inf")  # a buffer, as BatchNorm statistics blow up
    assert first_non_finite_weight(model) == "1.running_var"
