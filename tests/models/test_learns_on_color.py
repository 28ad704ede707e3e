"""Every noise variant learns on 3-channel data with its defaults (on its convolutional backbone where it has a
choice): after a short run on Stacked MNIST its samples' channels are read as many different digit triples by the MNIST
classifier, where the untrained generator's are one (a backbone that lacked its own norms trained to noise here)."""

import lightning as L
import pytest
import torch

from ganzoo.data import StackedMNISTData
from ganzoo.metrics.classifier import load_classifier
from ganzoo.metrics.stacked_mnist import classify_channels, mode_counts
from ganzoo.models import GAN
from ganzoo.registry import models
from tests.conftest import fit_briefly

#: Conditional variants need class labels, which Stacked MNIST does not offer.
VARIANTS = [name for name, entry in models().items() if issubclass(entry.cls, GAN) and not entry.cls.num_classes
            and name != "cgan"]  # fmt: skip
SMALL = {"stylegan_lite": {"channel_max": 64, "w_dim": 64, "latent_dim": 64}}
#: Variants with a choice of networks are tested on the DCGAN backbone and its own defaults.
CONVOLUTIONAL = {"vanilla_gan", "unrolled_gan", "minibatch_gan", "pacgan", "dragan", "wgan", "wgan_gp"}
#: Generator steps: MNIST digits take shape after about a thousand (MLP players take far longer).
STEPS = 1500


def triples(model, n: int = 2000) -> int:
    with torch.no_grad():
        images = model.sample(n)
    return int((mode_counts(classify_channels(images, load_classifier("mnist"))) > 0).sum())


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("name", VARIANTS)
def test_a_short_run_on_stacked_mnist_covers_many_digit_triples(name, shared_data):
    L.seed_everything(0, verbose=False)
    dm = StackedMNISTData(root=str(shared_data), num_samples=128_000, image_size=16, batch_size=64)
    backbone = {"backbone": "dcgan"} if name in CONVOLUTIONAL else {}
    model = models()[name].cls(data_shape=dm.data_shape, **backbone, **SMALL.get(name, {}))
    before = triples(model)
    fit_briefly(model, dm, STEPS, val_batches=0, max_epochs=model.n_critic)  # STEPS G steps whatever n_critic
    after = triples(model)
    # 2,000 samples of a generator that covered all 1,000 triples evenly would show about 865 distinct ones.
    assert after >= 100 and after > 3 * before, (name, before, after)
