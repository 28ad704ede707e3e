"""Metrics during training: logged, written as JSON lines, never stored in checkpoints."""

import json
from pathlib import Path

import pytest
import torch

from ganzoo.cli import main
from tests.conftest import TINY


def test_image_metrics_are_logged_and_appended_and_not_checkpointed():
    main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--metrics.every_n_epochs=1",
          "--metrics.n_fake=300", "--metrics.feature=lenet", "--metrics.metrics=[fid,kid,is]"])  # fmt: skip
    run = Path("runs/dcgan-digits/version_0")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["metric"] for r in records] == ["fid_lenet_300_test", "kid_lenet_300_test", "is_lenet_300"]
    assert {"model", "data", "kimg", "g_steps", "n_real", "n_fake", "split", "feature", "weights", "resize", "ema",
            "seed", "value", "time"} <= set(records[0])  # fmt: skip
    ckpt = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert not any(k.startswith(("fid", "metric", "inception")) for k in ckpt["state_dict"])
    assert sum(v.numel() for v in ckpt["state_dict"].values()) < 200_000


def test_toys_log_mode_coverage_at_every_validation_and_plot_the_modes():
    main(["fit", "--model", "vanilla_gan", "--data", "ring", "--data.num_samples=2048",
          "--model.g_hidden=[32]", "--model.d_hidden=[32]", *TINY[:-1], "--trainer.max_epochs=2"])  # fmt: skip
    # No --metrics.every_n_epochs: the toys' mode coverage costs milliseconds, so it runs at every validation.
    run = Path("runs/vanilla_gan-ring/version_0")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["metric"] for r in records] == ["modes", "hq_pct", "rkl"] * 2
    assert all(0 <= r["value"] <= 8 for r in records if r["metric"] == "modes")
    assert (run / "samples" / "final.png").is_file()


def test_metrics_that_cannot_be_computed_do_not_fail_the_training(tmp_path):
    # CIFAR-10 has no small CNN; on a CPU `auto` skips Inception, and a forced Inception without weights is disabled
    # with a warning instead of failing the finished run.
    import numpy as np

    np.savez(tmp_path / "c.npz", images=np.zeros((40, 32, 32, 3), np.uint8), labels=np.zeros(40, np.int64))
    args = ["fit", "--model=dcgan", "--model.base_channels=8", "--data=cifar10", f"--data.npz={tmp_path / 'c.npz'}",
            "--data.batch_size=8", *TINY[:-1]]  # fmt: skip
    with pytest.warns(UserWarning, match="image metrics skipped: no small-CNN features for CIFAR10Data"):
        main(args)
    with pytest.warns(UserWarning, match="metrics disabled: could not load the Inception weights"):
        main([*args, "--metrics.feature=inception", "--metrics.inception_weights=" + str(tmp_path / "c.npz")])
    for run in ("version_0", "version_1"):
        ckpt = torch.load(Path("runs/dcgan-cifar10") / run / "checkpoints" / "last.ckpt", weights_only=True)
        assert ckpt["ganzoo"]["g_steps"] == 3  # the whole run trained
        assert not (Path("runs/dcgan-cifar10") / run / "metrics.jsonl").exists()  # and no metric was written


def test_metrics_use_their_own_seeded_rng_and_leave_the_training_run_unchanged():
    args = ["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--trainer.max_epochs=2",
            "--seed_everything=3"]  # fmt: skip
    main(args)  # no metrics
    # KID draws random subsets and the generator random latents: from the global RNG, these would shift every later
    # latent and shuffle of the run.
    main([*args, "--metrics.every_n_epochs=1", "--metrics.n_fake=200", "--metrics.feature=lenet",
          "--metrics.metrics=[fid,kid]"])  # fmt: skip
    main([*args, "--metrics.every_n_epochs=1", "--metrics.n_fake=200", "--metrics.feature=lenet",
          "--metrics.metrics=[fid,kid]"])  # fmt: skip
    runs = [Path(f"runs/dcgan-digits/version_{i}") for i in range(3)]
    weights = [torch.load(r / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"] for r in runs]
    assert all(torch.equal(weights[0][k], v) for k, v in weights[1].items())
    values = [[json.loads(line)["value"] for line in (r / "metrics.jsonl").read_text().splitlines()] for r in runs[1:]]
    assert len(values[0]) == 4 and values[0] == values[1]  # the same weights give the same FID and KID


def test_metrics_follow_the_training_epochs_when_validation_is_off():
    main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--trainer.max_epochs=2",
          "--trainer.limit_val_batches=0", "--metrics.every_n_epochs=1", "--metrics.n_fake=200",
          "--metrics.feature=lenet", "--metrics.metrics=[fid]"])  # fmt: skip
    records = [json.loads(line) for line in Path("runs/dcgan-digits/version_0/metrics.jsonl").read_text().splitlines()]
    assert [r["g_steps"] for r in records] == [3, 6]  # after each epoch; the end of fit adds nothing new
