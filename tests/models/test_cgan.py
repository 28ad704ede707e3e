"""Conditional GAN: the label drives both players."""

from pathlib import Path

import numpy as np
import pytest
import torch

from ganzoo.cli import main
from ganzoo.data import DigitsData
from ganzoo.errors import UserError
from ganzoo.models import CGAN
from tests.conftest import TINY, fit_briefly


def fit(model, batches: int = 3) -> None:
    fit_briefly(model, DigitsData(image_size=16, batch_size=16), batches)


@pytest.mark.parametrize("projection", [False, True])
@pytest.mark.parametrize("backbone", ["dcgan", "mlp"])
def test_cgan_trains_and_its_samples_depend_on_the_label(backbone, projection):
    torch.manual_seed(0)
    model = CGAN(data_shape=(1, 16, 16), num_classes=10, backbone=backbone, projection=projection, base_channels=8,
                 hidden=(32,))  # fmt: skip
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit(model)
    for role in ("generator.", "discriminator."):
        assert any(not torch.equal(v, model.state_dict()[k]) for k, v in before.items() if k.startswith(role))
    z = torch.randn(1, model.latent_dim).repeat(2, 1)
    same_z = model.sample(z=z, labels=torch.tensor([3, 7]))
    assert not torch.allclose(same_z[0], same_z[1])
    x = torch.rand(2, 1, 16, 16)
    model.eval()  # in train mode BatchNorm cancels a label shared by the whole batch
    assert not torch.allclose(model.discriminate(x, torch.tensor([1, 1])), model.discriminate(x, torch.tensor([2, 2])))


def test_progress_grid_has_one_row_per_class():
    model = CGAN(data_shape=(1, 16, 16), num_classes=10, base_channels=8)
    samples = model.progress_samples()
    assert samples.shape == (100, 1, 16, 16) and model.progress_grid_rows() == 10
    # The same latents in every row: rows differ only by the label.
    assert not torch.allclose(samples[:10], samples[10:20])


def test_cgan_refuses_unlabelled_data():
    with pytest.raises(UserError, match="cgan needs labelled data"):
        CGAN(data_shape=(2,), num_classes=0)


def test_cgan_from_the_cli_then_sample_chosen_labels(capsys):
    main(["fit", "--model", "cgan", "--model.base_channels", "8", "--data", "digits", "--data.image_size", "16",
          "--data.batch_size", "16", *TINY])  # fmt: skip
    ckpt = Path("runs/cgan-digits/version_0/checkpoints/last.ckpt")
    main(["sample", "--ckpt", str(ckpt), "--labels", "3,3,7", "--format", "npz", "--out", "s.npz"])
    data = np.load("s.npz")
    assert data["images"].shape == (3, 16, 16, 1) and data["labels"].tolist() == [3, 3, 7]
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "--ckpt", str(ckpt), "--labels", "12"])
    assert exit_info.value.code == 2 and "--labels must lie in 0…9" in capsys.readouterr().err
