"""Each model takes real optimisation steps on every datamodule it supports, and both players change."""

import pytest
import torch

from ganzoo.data import CIFAR10Data, DigitsData, FashionMNISTData, GridData, ImageFolderData, MNISTData, RingData
from ganzoo.models import DCGAN, VanillaGAN
from tests.conftest import CIFAR_NPZ, fit_briefly, write_images


def datamodule(name: str, tmp_path, shared_data_root):
    small = {"batch_size": 8}
    if name == "digits":
        return DigitsData(image_size=16, **small)
    if name in ("mnist", "fashion_mnist"):
        cls = MNISTData if name == "mnist" else FashionMNISTData
        return cls(root=str(shared_data_root()), image_size=16, **small)
    if name == "cifar10":
        if not CIFAR_NPZ.is_file():
            pytest.skip(f"no CIFAR-10 subset at {CIFAR_NPZ}")
        return CIFAR10Data(npz=str(CIFAR_NPZ), image_size=16, **small)
    if name == "image_folder":
        write_images(tmp_path / "imgs", 24)
        return ImageFolderData(root=str(tmp_path / "imgs"), image_size=16, num_workers=0, **small)
    return {"ring": RingData, "grid": GridData}[name](num_samples=64, **small)


def train_a_few_steps(model, dm) -> None:
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fit_briefly(model, dm, 2)
    for role in ("generator", "discriminator"):
        weights = [k for k in before if k.startswith(f"{role}.") and k.endswith("weight")]
        assert weights and all(not torch.equal(before[k], model.state_dict()[k]) for k in weights), role
    assert model.g_steps == 2


@pytest.fixture
def shared_data_root(request):
    return lambda: request.getfixturevalue("shared_data")


@pytest.mark.parametrize("data", ["digits", "mnist", "fashion_mnist", "cifar10", "image_folder", "ring", "grid"])
@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
def test_vanilla_gan_trains_on_images_and_toys(data, loss, tmp_path, shared_data_root):
    dm = datamodule(data, tmp_path, shared_data_root)
    model = VanillaGAN(
        data_shape=dm.data_shape, g_hidden=(32, 32), d_hidden=(32,), loss=loss
    )
    train_a_few_steps(model, dm)
    samples = model.sample(3)
    assert samples.shape == (3, *dm.data_shape)
    if len(dm.data_shape) == 3:
        assert samples.abs().max() <= 1  # tanh output for images only


@pytest.mark.parametrize("data", ["digits", "mnist", "fashion_mnist", "cifar10", "image_folder"])
def test_dcgan_trains_on_every_image_set(data, tmp_path, shared_data_root):
    dm = datamodule(data, tmp_path, shared_data_root)
    train_a_few_steps(DCGAN(data_shape=dm.data_shape, base_channels=8), dm)


@pytest.mark.parametrize("side", [16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_networks_follow_the_paper_for_each_size(side, channels):
    model = DCGAN(data_shape=(channels, side, side), base_channels=8)
    z = torch.randn(2, 100)
    assert model.generator(z).shape == (2, channels, side, side)
    assert model.discriminator(model.generator(z)).shape == (2,)
    g_layers, d_layers = list(model.generator.net), list(model.discriminator.body)
    # No BatchNorm on G's output layer or D's input layer; tanh output; LeakyReLU(0.2) in D.
    assert isinstance(g_layers[-1], torch.nn.Tanh) and isinstance(g_layers[-2], torch.nn.ConvTranspose2d)
    assert isinstance(d_layers[0], torch.nn.Conv2d) and isinstance(d_layers[1], torch.nn.LeakyReLU)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(bn.eps == 1e-5 and bn.momentum == 0.1 for bn in bns)
    conv_std = torch.cat([m.weight.detach().flatten() for m in model.modules() if isinstance(m, torch.nn.Conv2d)]).std()
    assert conv_std == pytest.approx(0.02, rel=0.1)
