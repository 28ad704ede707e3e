"""Resuming from a checkpoint continues the run exactly: same parameters as an uninterrupted run."""

import os
import warnings
from pathlib import Path

import pytest
import torch
import yaml

from ganzoo import load_model
from ganzoo.cli import main
from ganzoo.errors import UserError
from ganzoo.models import DCGAN
from tests.conftest import one_line_error

COMMON = [
    "--seed_everything=7",
    "--data.image_size=16",
    "--model.base_channels=8",
    "--model.n_critic=2",
    "--model.ema_decay=0.9",
    "--model.scheduler_g=StepLR",
    "--model.scheduler_g.step_size=1",
    "--model.scheduler_g.gamma=0.5",
    "--trainer.limit_train_batches=5",  # odd, so the n_critic phase still crosses the epoch boundary
    "--trainer.limit_val_batches=1",
    "--trainer.enable_progress_bar=false",
    "--trainer.enable_model_summary=false",
    "--metrics.metrics=[]",
]


INTERRUPTED = "runs/dcgan-digits/version_1/checkpoints/last.ckpt"


def final_checkpoint(run: str) -> dict:
    return torch.load(f"runs/{run}/checkpoints/last.ckpt", weights_only=True)


def test_resumed_run_equals_an_uninterrupted_one():
    main(["fit", *COMMON, "--trainer.max_epochs=2"])  # version_0: straight through
    main(["fit", *COMMON, "--trainer.max_epochs=1"])  # version_1: stops after one epoch
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["fit", *COMMON, "--trainer.max_epochs=2", f"--ckpt_path={INTERRUPTED}"])
    # Into a new run directory, as documented: Lightning's notice about the changed checkpoint folder is not shown.
    assert not [w for w in caught if "dirpath" in str(w.message)], [str(w.message) for w in caught]
    straight, resumed = final_checkpoint("dcgan-digits/version_0"), final_checkpoint("dcgan-digits/version_2")
    assert straight["state_dict"].keys() == resumed["state_dict"].keys()
    for key, value in straight["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert straight["ganzoo"]["g_steps"] == resumed["ganzoo"]["g_steps"] == 5
    for opt_a, opt_b in zip(straight["optimizer_states"], resumed["optimizer_states"], strict=True):
        for state_a, state_b in zip(opt_a["state"].values(), opt_b["state"].values(), strict=True):
            assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    assert straight["lr_schedulers"][0]["_last_lr"] == resumed["lr_schedulers"][0]["_last_lr"] == [5e-5]
    # The interrupted run's checkpoint is untouched.
    assert final_checkpoint("dcgan-digits/version_1")["epoch"] == 0


def test_a_run_resumed_from_the_middle_of_an_epoch_equals_an_uninterrupted_one():
    main(["fit", *COMMON, "--trainer.max_epochs=2"])  # version_0: straight through
    # version_1: a checkpoint every 4 optimizer steps (Lightning's count): the first after 3 of the epoch's 5 batches.
    main(["fit", *COMMON, "--checkpoint.every_n_train_steps=4", "--checkpoint.every_n_epochs=0",
          "--trainer.max_epochs=1"])  # fmt: skip
    middle = "runs/dcgan-digits/version_1/checkpoints/epoch=0-step=1.ckpt"
    progress = torch.load(middle, weights_only=True)["loops"]["fit_loop"]["epoch_loop.batch_progress"]
    assert progress["current"]["processed"] == 3  # mid-epoch
    main(["fit", *COMMON, "--trainer.max_epochs=2", f"--ckpt_path={middle}"])  # version_2
    straight, resumed = final_checkpoint("dcgan-digits/version_0"), final_checkpoint("dcgan-digits/version_2")
    assert straight["ganzoo"]["g_steps"] == resumed["ganzoo"]["g_steps"] == 5
    for key, value in straight["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key


def test_resuming_a_finished_run_says_that_no_checkpoint_was_written(capsys):
    main(["fit", *COMMON, "--trainer.max_epochs=1"])
    capsys.readouterr()
    main(["fit", *COMMON, "--trainer.max_epochs=1", "--ckpt_path=runs/dcgan-digits/version_0/checkpoints/last.ckpt"])
    done = capsys.readouterr().err.splitlines()[-1]
    assert done.endswith("checkpoint: none new (runs/dcgan-digits/version_0/checkpoints/last.ckpt had already "
                         "reached the run's limit; raise it to go on)"), done  # fmt: skip


def test_checkpoints_load_weights_only_and_rebuild_the_model():
    main(["fit", *COMMON, "--trainer.max_epochs=1"])
    ckpt = final_checkpoint("dcgan-digits/version_0")  # weights_only=True: no code runs on load
    assert ckpt["hyper_parameters"]["_class_path"] == "ganzoo.models.DCGAN"
    assert "fid" not in " ".join(ckpt["state_dict"])
    path = "runs/dcgan-digits/version_0/checkpoints/last.ckpt"
    model = load_model(path)
    assert type(model) is DCGAN and model.data_shape == (1, 16, 16) and model.g_steps == 2
    assert model.generator_ema is not None and model.sample(2).shape == (2, 1, 16, 16)
    for key, value in model.state_dict().items():
        assert torch.equal(value, ckpt["state_dict"][key]), key
    assert type(DCGAN.load_from_checkpoint(path, weights_only=True)) is DCGAN  # Lightning's own way works too


def test_a_checkpoint_whose_pickle_runs_code_is_refused(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    torch.save({"state_dict": {}, "payload": Exploit()}, tmp_path / "evil.ckpt")
    with pytest.raises(UserError, match="refusing to load"):
        load_model(tmp_path / "evil.ckpt")
    assert not marker.exists()


@pytest.mark.parametrize(
    "model", ["vanilla_gan", "cgan", "wgan", "wgan_gp", "unrolled_gan", "minibatch_gan", "stylegan_lite"]
)
def test_every_variant_resumes_to_the_same_parameters(model):
    args = [
        "fit",
        "--model",
        model,
        "--data",
        "digits",
        "--data.image_size=16",
        "--data.batch_size=16",
        *[a for a in COMMON if not a.startswith(("--data.", "--model.base", "--model.ema", "--model.sched"))],
    ]
    if model in ("cgan", "wgan", "wgan_gp"):
        args.append("--model.base_channels=8")
    if model == "stylegan_lite":  # tiny widths; R1 on every other D step, so resuming must keep its phase
        args += ["--model.channel_base=64", "--model.channel_max=16", "--model.r1_interval=2"]
    main([*args, "--trainer.max_epochs=2"])
    main([*args, "--trainer.max_epochs=1"])
    main([*args, "--trainer.max_epochs=2", f"--ckpt_path=runs/{model}-digits/version_1/checkpoints/last.ckpt"])
    straight, resumed = final_checkpoint(f"{model}-digits/version_0"), final_checkpoint(f"{model}-digits/version_2")
    for key, value in straight["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert straight["ganzoo"] == {
        **resumed["ganzoo"],
        **{k: straight["ganzoo"][k] for k in straight["ganzoo"] if k.startswith("rng")},
    }


def test_cyclegan_resumes_to_the_same_parameters_image_pools_and_schedule(tmp_path):
    from tests.conftest import write_domains

    root = write_domains(tmp_path / "domains")
    args = [
        "fit", "--model", "cyclegan", "--data", "unpaired_folder", f"--data.root={root}", "--data.image_size=16",
        "--data.batch_size=2", "--data.num_workers=0", "--model.g_channels=4", "--model.d_channels=4",
        "--model.n_blocks=1", "--model.pool_size=4", "--model.lr_constant_epochs=1", "--model.lr_decay_epochs=2",
        *[a for a in COMMON if not a.startswith(("--data.", "--model."))],
    ]  # fmt: skip
    main([*args, "--trainer.max_epochs=2"])
    main([*args, "--trainer.max_epochs=1"])
    run = "cyclegan-unpaired_folder"
    main([*args, "--trainer.max_epochs=2", f"--ckpt_path=runs/{run}/version_1/checkpoints/last.ckpt"])
    straight, resumed = final_checkpoint(f"{run}/version_0"), final_checkpoint(f"{run}/version_2")
    assert int(straight["state_dict"]["pool_a.count"]) == 4  # full: the second epoch swapped images in and out
    for key, value in straight["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert straight["ganzoo"]["g_steps"] == resumed["ganzoo"]["g_steps"] == 10
    for scheduler in (straight, resumed):
        assert scheduler["lr_schedulers"][0]["_last_lr"] == [pytest.approx(2e-4 / 3)]  # 1, then 2/3, then 1/3


def test_ckpt_path_last_resumes_the_newest_checkpoint_of_the_earlier_runs(capsys):
    # Lightning's "last" looks in the new run's own (empty) folder and would start afresh without a word.
    assert "--ckpt_path last: no checkpoint in runs/dcgan-digits/version_*/checkpoints" in one_line_error(
        capsys, ["fit", *COMMON, "--trainer.max_epochs=1", "--ckpt_path=last"]
    )
    main(["fit", *COMMON, "--trainer.max_epochs=1"])  # version_0
    main(["fit", *COMMON, "--trainer.max_epochs=1", "--seed_everything=8"])  # version_1: the newest
    capsys.readouterr()
    main(["fit", *COMMON, "--trainer.max_epochs=2", "--ckpt_path=last"])  # version_2
    newest = "runs/dcgan-digits/version_1/checkpoints/epoch=0-step=2.ckpt"
    assert f"ganzoo: --ckpt_path last is {newest}" in capsys.readouterr().err
    resumed = final_checkpoint("dcgan-digits/version_2")
    assert resumed["epoch"] == 1 and resumed["ganzoo"]["g_steps"] == 5
    # It continued version_1's run (seed 8), not version_0's, and the run's config names the file.
    assert yaml.safe_load(Path("runs/dcgan-digits/version_2/config.yaml").read_text())["ckpt_path"] == newest
