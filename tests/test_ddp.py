"""Multi-process training: ``--trainer.strategy ddp --trainer.devices N`` works for GANs and equals one process."""

from __future__ import annotations

import inspect
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from lightning import Trainer

from ganzoo.distributed import draw_for_rank
from ganzoo.errors import UserError
from ganzoo.lightning_cli import configure_strategy
from ganzoo.registry import models
from tests.conftest import MODEL_DATA, SHARED_DATA, TINY_MODEL, run_ganzoo

HALF_BATCH = 8


def _trainer(**kwargs) -> Trainer:
    return Trainer(accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, **kwargs)


@pytest.mark.parametrize("strategy", ["ddp", "ddp_spawn", "auto"])
def test_every_ddp_strategy_looks_for_unused_parameters(strategy):
    trainer = _trainer(strategy=strategy, devices=2)
    configure_strategy(trainer)
    assert trainer.strategy._ddp_kwargs["find_unused_parameters"] is True  # private: see lightning_compat


def test_an_explicit_ddp_choice_is_kept():
    trainer = _trainer(strategy="ddp_find_unused_parameters_false", devices=2)
    configure_strategy(trainer)
    assert trainer.strategy._ddp_kwargs["find_unused_parameters"] is False


def test_sync_batchnorm_on_cpus_is_refused_with_a_hint():
    with pytest.raises(UserError, match="SyncBatchNorm.*--model.g_norm"):
        configure_strategy(_trainer(strategy="ddp", devices=2, sync_batchnorm=True), sync_batchnorm=True)


def test_ranks_share_one_draw_for_the_global_batch(as_rank):
    """Rank r keeps rows r, r + W, r + 2W, ... of the global draw: DistributedSampler's layout of the data."""
    torch.manual_seed(0)
    full = torch.randn(2 * 4, 3)
    parts = []
    for rank in (0, 1):
        as_rank(rank)
        parts.append(draw_for_rank(lambda m: torch.randn(m, 3), 4))
    assert not torch.equal(parts[0], parts[1])
    assert torch.equal(torch.stack(parts, dim=1).reshape(8, 3), full)


def _fit(model: str, devices: int, *extra: str) -> Path:
    result = run_ganzoo(*_fit_args(model, devices, *extra))
    assert result.returncode == 0, result.stderr[-3000:]
    return sorted(Path("runs").glob(f"{model}-digits/version_*"), key=lambda p: int(p.name.split("_")[1]))[-1]


def _fit_args(model: str, devices: int, *extra: str) -> list[str]:
    return [
        "fit", "--model", model, "--data", "digits", "--seed_everything=3", "--data.image_size=16",
        "--model.base_channels=8", "--model.g_norm=none", "--trainer.precision=64-true", "--trainer.max_epochs=1",
        "--trainer.limit_train_batches=4", "--trainer.limit_val_batches=1", "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false", "--trainer.accelerator=cpu", "--trainer.strategy=ddp",
        f"--trainer.devices={devices}", f"--data.batch_size={HALF_BATCH * 2 // devices}", "--metrics.metrics=[fid]",
        "--metrics.feature=lenet", "--metrics.n_fake=64", "--metrics.n_real=64", "--metrics.every_n_epochs=0", *extra,
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "extra"),
    [("dcgan", ["--model.d_norm=none"]), ("wgan_gp", ["--model.n_critic=2"])],  # wgan_gp: layer norm, the penalty
)
def test_two_processes_equal_one_process_on_the_full_batch(model, extra):
    """Two CPU processes (gloo) with half batches end with the parameters of one process with full batches, and
    report the same FID.

    What "the same run" requires: (1) the same data per step: both runs use a DistributedSampler (the one-process
    run through ``--trainer.strategy ddp --trainer.devices 1``, a seeded shuffle with one replica), so rank r's
    half batch is rows r, r + 2, ... of the one process's batch; (2) the same noise: ganzoo draws latents and the
    gradient penalty's α for the global batch on every rank and keeps the rank's rows (:func:`draw_for_rank`),
    exactly those rows; (3) no per-process statistics: no BatchNorm (layer norm or none; BatchNorm needs
    ``--trainer.sync_batchnorm``, GPU only); (4) float64 (``64-true``), so only summation order differs. DDP
    averages the two half-batch gradients, which equals the full-batch gradient of a mean loss; the gradient
    penalty pairs each real sample with its own fake and α on both sides.
    """
    two = _fit(model, 2, *extra)
    one = _fit(model, 1, *extra)
    a = torch.load(two / "checkpoints" / "last.ckpt", weights_only=True)
    b = torch.load(one / "checkpoints" / "last.ckpt", weights_only=True)
    assert a["global_step"] == b["global_step"] > 4
    assert a["ganzoo"]["images_seen"] == b["ganzoo"]["images_seen"] == 4 * 2 * HALF_BATCH
    for key, value in b["state_dict"].items():
        torch.testing.assert_close(a["state_dict"][key], value, rtol=1e-9, atol=1e-12, msg=key)
    assert all(state["step"] > 0 for opt in a["optimizer_states"] for state in opt["state"].values())  # both trained
    metrics = [[json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()] for run in (two, one)]
    assert len(metrics[0]) == len(metrics[1]) == 1  # computed once, by rank 0
    # The weights agree to summation order (1e-9); FID's matrix square root amplifies that (7e-9 measured once).
    assert metrics[0][0]["value"] == pytest.approx(metrics[1][0]["value"], rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("model", list(models()))
def test_every_model_trains_with_plain_ddp_flags(model):
    """``--trainer.strategy ddp --trainer.devices 2`` with each model's own networks (BatchNorm included) trains
    without any DDP option, and counts the images of both ranks."""
    data = MODEL_DATA.get(model, ["--data", "digits"])
    if "mnist_usps" in data and not (SHARED_DATA / "MNIST" / "raw").is_dir():
        pytest.skip(f"no offline MNIST/USPS under {SHARED_DATA}")
    result = run_ganzoo(
        "fit", "--model", model, *data, "--data.image_size=16", "--data.batch_size=8", *TINY_MODEL.get(model, []),
        "--model.n_critic=1", "--trainer.accelerator=cpu", "--trainer.strategy=ddp", "--trainer.devices=2",
        "--trainer.max_epochs=1", "--trainer.limit_train_batches=2", "--trainer.limit_val_batches=1",
        "--trainer.enable_progress_bar=false", "--trainer.enable_model_summary=false", "--metrics.metrics=[]",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (ckpt,) = Path("runs").glob(f"{model}-*/version_0/checkpoints/last.ckpt")
    state = torch.load(ckpt, weights_only=True)
    assert state["ganzoo"]["g_steps"] == 2 and state["ganzoo"]["images_seen"] == 2 * 2 * 8


@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan", "wgan_gp"])  # BatchNorm in their default networks
def test_models_run_with_sync_batchnorm_layers(model):
    """``--trainer.sync_batchnorm true`` swaps every BatchNorm for SyncBatchNorm (on GPUs); the models must not
    depend on the layer type. Without a process group SyncBatchNorm computes plain BatchNorm, so a CPU step checks
    the swapped model end to end."""
    from ganzoo.data import DigitsData
    from tests.conftest import fit_briefly

    cls = models()[model].cls
    conditional = {"num_classes": 10} if "num_classes" in inspect.signature(cls.__init__).parameters else {}
    gan = cls(data_shape=(1, 16, 16), base_channels=8, **conditional)
    gan = torch.nn.SyncBatchNorm.convert_sync_batchnorm(gan)
    assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in gan.modules())
    fit_briefly(gan, DigitsData(image_size=16, batch_size=8), batches=2)
    assert gan.d_steps == 2 and all(torch.isfinite(p).all() for p in gan.parameters())
    assert gan.sample(3).shape == (3, 1, 16, 16)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fit_two_nodes(model: str, launcher: str, *extra: str) -> list[Path]:
    """The one-process run's command on 2 "nodes" × 1 process over the loopback, each node started as on a cluster:
    by ``torchrun --nnodes 2 --node-rank R`` or by Lightning's own launcher (``NODE_RANK``, ``MASTER_ADDR``)."""
    port = str(_free_port())
    exe = Path(sys.executable).with_name("ganzoo")
    args = [*_fit_args(model, 1, *extra), "--trainer.num_nodes=2", f"--data.batch_size={HALF_BATCH}"]
    nodes = []
    for node in (0, 1):
        env = {k: v for k, v in os.environ.items() if k != "GANZOO_RUN_DIR"}
        if launcher == "torchrun":
            command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc-per-node=1",
                       f"--node-rank={node}", "--master-addr=127.0.0.1", f"--master-port={port}", str(exe), *args]
        else:
            command = [str(exe), *args]
            env |= {"NODE_RANK": str(node), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        nodes.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in nodes:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
    return sorted(Path("runs").glob(f"{model}-digits/version_*"))


@pytest.mark.slow
# torchrun's variant is outside CI (make test-long): twice in CI, under load, node 1's process aborted at exit and
# torchrun's exit barrier waited 300 s for it. ganzoo now ends the process group after training (cli.end_process_group);
# no abort since, in 10 runs, but that is not proof.
@pytest.mark.parametrize("launcher", [pytest.param("torchrun", marks=pytest.mark.long), "lightning"])
@pytest.mark.parametrize(
    ("model", "extra"),
    [("dcgan", ["--model.d_norm=none"]), ("wgan_gp", ["--model.n_critic=2"])],
)
def test_two_nodes_equal_one_process_on_the_full_batch(model, extra, launcher):
    """Multi-node DDP (``--trainer.num_nodes 2``) as a cluster runs it, two single-process nodes over gloo: the
    same parameters as one process with the full batch (see the two-process test for what that requires), and one
    run directory, written by the global rank 0 only."""
    runs = _fit_two_nodes(model, launcher, *extra)
    assert len(runs) == 1, runs  # node 1 joined the run instead of starting one of its own
    one = _fit(model, 1, *extra)
    a = torch.load(runs[0] / "checkpoints" / "last.ckpt", weights_only=True)
    b = torch.load(one / "checkpoints" / "last.ckpt", weights_only=True)
    assert a["global_step"] == b["global_step"] > 4
    assert a["ganzoo"]["images_seen"] == b["ganzoo"]["images_seen"] == 4 * 2 * HALF_BATCH
    for key, value in b["state_dict"].items():
        torch.testing.assert_close(a["state_dict"][key], value, rtol=1e-9, atol=1e-12, msg=key)
