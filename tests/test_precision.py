"""Mixed precision: every registered model trains under ``bf16-mixed`` on CPU (and ``16-mixed``/``bf16-mixed`` on a
GPU, where there is one) with finite weights and float32 samples."""

from __future__ import annotations

import pytest
import torch

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.models import GAN
from ganzoo.registry import models
from tests.conftest import MODEL_DATA, SHARED_DATA, TINY_MODEL

#: Minutes on two CPU cores (CycleGAN's bf16 validation step).
SLOW = {"cyclegan"}

CASES = [("cpu", "bf16-mixed")]
if torch.cuda.is_available():
    CASES += [("gpu", "16-mixed"), ("gpu", "bf16-mixed")]


def _fit(model: str, accelerator: str, precision: str):
    data = MODEL_DATA.get(model, ["--data", "digits"])
    if data[1] == "mnist_usps" and not (SHARED_DATA / "MNIST" / "raw").is_dir():
        pytest.skip(f"no offline MNIST/USPS under {SHARED_DATA}")
    args = [
        "fit", "--model", model, *data, "--data.image_size=16", "--data.batch_size=8", "--seed_everything=0",
        *TINY_MODEL.get(model, []), "--model.n_critic=1", f"--trainer.accelerator={accelerator}",
        "--trainer.devices=1", f"--trainer.precision={precision}", "--trainer.max_epochs=1",
        "--trainer.limit_train_batches=3", "--trainer.limit_val_batches=1", "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false", "--trainer.logger=false", "--metrics.metrics=[]",
    ]  # fmt: skip
    return run_cli(expand_aliases(args))


@pytest.mark.parametrize(("accelerator", "precision"), CASES, ids=[f"{a}-{p}" for a, p in CASES])
@pytest.mark.parametrize("model", [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in models()])
def test_every_model_trains_in_mixed_precision(model, accelerator, precision):
    cli = _fit(model, accelerator, precision)
    trainer, gan = cli.trainer, cli.model
    assert trainer.precision == precision
    assert gan.g_steps == 3 and trainer.global_step == 6
    for name, tensor in gan.state_dict().items():
        if tensor.is_floating_point():
            assert tensor.dtype == torch.float32, name  # mixed precision keeps float32 master weights
            assert torch.isfinite(tensor).all(), name
    losses = {k: v for k, v in trainer.callback_metrics.items() if k.startswith("val/")}
    assert losses and all(torch.isfinite(v) for v in losses.values()), losses
    if isinstance(gan, GAN):
        device_type = "cuda" if accelerator == "gpu" else "cpu"
        with torch.autocast(device_type, dtype=torch.bfloat16):  # as in predict_step under mixed precision
            samples = gan.sample(4)
        assert samples.dtype == torch.float32 and torch.isfinite(samples).all()
        assert samples.shape[0] == 4 and samples.abs().max() <= 1
    assert trainer.checkpoint_callback.last_model_path  # the checkpoint was written
