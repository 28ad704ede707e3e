"""Every registered model × every registered datamodule, through the real CLI: it trains, or it stops with one line
whose advice, when followed, works (the advice's own runs are in the same matrix or in the tests below)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ganzoo.cli import main
from ganzoo.models import TranslationGAN
from ganzoo.registry import datasets, models
from tests.conftest import SHARED_DATA, TINY_MODEL, write_domains, write_images

FLAT = {"ring", "grid"}
TWO_DOMAINS = {"unpaired_folder", "mnist_usps"}
#: Data whose labels are not classes to condition on (Stacked MNIST's are its modes, kept for evaluation).
UNLABELLED = {"image_folder", "celeba", "unpaired_folder", "stacked_mnist"}
#: Data read from ../shared/data: tens of thousands of images to load, so run with the slow tests.
SHARED = {"mnist", "fashion_mnist", "usps", "mnist_usps", "stacked_mnist"}
RUN = ["--trainer.max_epochs=1", "--trainer.limit_train_batches=2", "--trainer.limit_val_batches=1",
       "--trainer.enable_progress_bar=false", "--trainer.enable_model_summary=false", "--trainer.logger=false",
       "--metrics.metrics=[]", "--model.n_critic=1"]  # fmt: skip


def data_args(name: str, where: Path) -> list[str]:
    """Tiny offline data of each registered kind (the shared copies for the sets too large to fake)."""
    if name in FLAT:
        return ["--data.num_samples=256", "--data.batch_size=64"]
    images = ["--data.image_size=16", "--data.batch_size=4"]
    if name == "image_folder":
        write_images(where / "images", 12)
        return [f"--data.root={where / 'images'}", "--data.num_workers=0", *images]
    if name == "celeba":
        write_images(where / "img_align_celeba", 12, size=(178, 218))
        return [f"--data.root={where}", "--data.num_workers=0", *images]
    if name == "unpaired_folder":
        return [f"--data.root={write_domains(where / 'domains')}", "--data.num_workers=0", *images]
    if name == "cifar10":
        rng = np.random.default_rng(0)
        np.savez(where / "c.npz", images=rng.integers(0, 255, (40, 32, 32, 3), np.uint8),
                 labels=rng.integers(0, 10, 40))  # fmt: skip
        return [f"--data.npz={where / 'c.npz'}", *images]
    if name in SHARED:
        if not (SHARED_DATA / "MNIST" / "raw").is_dir():
            pytest.skip(f"no offline data under {SHARED_DATA}")
        extra = ["--data.num_samples=64"] if name == "stacked_mnist" else []
        return [f"--data.root={SHARED_DATA}", *images, *extra]
    return images


def expected_error(model: str, data: str) -> str | None:
    """The advice a one-line refusal must give, or None where the pair must train."""
    cls = models()[model].cls
    if issubclass(cls, TranslationGAN):
        return None if data in TWO_DOMAINS else ": use --data unpaired_folder or mnist_usps"
    if model == "cgan" and data in UNLABELLED:
        return "cgan needs labelled data: use digits, .*or image_folder with --data.labels true"
    if data in TWO_DOMAINS:
        return "holds two unpaired domains: train cyclegan on it"
    if data in FLAT and not cls.accepts_flat_data:
        return "generates images, but this data is flat .*; for the 2D toys use one of: "
    return None


CASES = [
    pytest.param(m, d, marks=[pytest.mark.slow] if d in SHARED else [], id=f"{m}-{d}")
    for m in models()
    for d in datasets()
]


@pytest.mark.parametrize(("model", "data"), CASES)
def test_every_model_on_every_datamodule_trains_or_says_what_to_do(model, data, tmp_path, capsys):
    args = ["fit", "--model", model, "--data", data, *data_args(data, tmp_path), *TINY_MODEL.get(model, []), *RUN]
    advice = expected_error(model, data)
    if advice is None:
        main(args)
        assert list(Path("runs").glob("*/version_0/checkpoints/*.ckpt")), "trained, but wrote no checkpoint"
        return
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("ganzoo: error: ")]
    assert len(errors) == 1 and "Traceback" not in err and err.strip().endswith(errors[0]), err[-2000:]
    assert re.search(advice, errors[0]), errors[0]


def test_the_flat_data_advice_names_exactly_the_models_that_train_on_it(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--model", "dcgan", "--data", "ring", *RUN])
    named = capsys.readouterr().err.strip().splitlines()[-1].rsplit(": ", 1)[1].split(", ")
    trains = [m for m in models() if expected_error(m, "ring") is None]
    assert named == trains and "vanilla_gan" in named and "wgan_gp" in named


def test_cgan_on_unlabelled_folders_follows_its_advice(tmp_path):
    for label in ("cats", "dogs"):
        write_images(tmp_path / "pets" / label, 6)
    main(["fit", "--model", "cgan", "--data", "image_folder", f"--data.root={tmp_path / 'pets'}",
          "--data.labels=true", "--data.image_size=16", "--data.batch_size=4", "--data.num_workers=0",
          *TINY_MODEL["cgan"], *RUN])  # fmt: skip
    assert list(Path("runs").glob("cgan-image_folder/version_0/checkpoints/*.ckpt"))
