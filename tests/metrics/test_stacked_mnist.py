"""modes_stacked: digit triples of generated Stacked MNIST images, counted and compared with uniform."""

import math

import pytest
import torch

from ganzoo.data import DigitsData, StackedMNISTData
from ganzoo.errors import UserError
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.metrics.stacked_mnist import classify_channels, mode_counts, modes_and_kl, real_floor
from ganzoo.models import DCGAN


def test_uniform_counts_give_zero_kl_and_one_mode_gives_log_1000():
    assert modes_and_kl(torch.full((1000,), 7)) == {"modes": 1000.0, "kl": pytest.approx(0.0, abs=1e-12)}
    one = torch.zeros(1000, dtype=torch.long)
    one[123] = 50
    assert modes_and_kl(one) == {"modes": 1.0, "kl": pytest.approx(math.log(1000))}


def test_triples_are_read_red_digit_first():
    assert mode_counts(torch.tensor([[1, 2, 3], [1, 2, 3], [9, 0, 0]])).nonzero().flatten().tolist() == [123, 900]


def test_each_channel_is_classified_on_its_own():
    class Brightest(torch.nn.Module):  # "classifies" a grey image by its mean brightness: 10 levels
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return torch.nn.functional.one_hot(((x.mean((1, 2, 3)) + 1) * 4.99).long(), 10).float()

    images = torch.stack([torch.full((3, 4, 4), -1.0), torch.tensor([-1.0, 0.0, 1.0]).view(3, 1, 1).expand(3, 4, 4)])
    assert classify_channels(images, Brightest()).tolist() == [[0, 0, 0], [0, 4, 9]]


@pytest.mark.slow
def test_real_stacked_images_cover_every_mode_near_the_floor(shared_data):
    dm = StackedMNISTData(root=str(shared_data), num_samples=26_000)
    floor = real_floor(dm.make_dataset("train"))
    # Measured: 1,000 modes, KL 0.022 (26 samples per mode, and the classifier's 0.6 % errors per digit).
    assert floor["modes"] == 1000 and floor["kl"] < 0.05


@pytest.mark.slow
def test_it_is_the_stacked_datas_default_and_refused_on_other_data(shared_data, tmp_path):
    dm = StackedMNISTData(root=str(shared_data), num_samples=64)
    model = DCGAN(data_shape=(3, 32, 32), base_channels=4)
    dm.image_size = 32
    records = evaluate(model, dm, options=EvaluationOptions(batch_size=1000))
    values = {r["metric"]: r["value"] for r in records}
    assert set(values) == {"modes_stacked_26k", "kl_stacked_26k"}
    assert 1 <= values["modes_stacked_26k"] <= 1000 and 0 <= values["kl_stacked_26k"] <= math.log(1000)
    with pytest.raises(UserError, match="modes_stacked counts the digit triples of Stacked MNIST"):
        evaluate(DCGAN(data_shape=(1, 16, 16), base_channels=4), DigitsData(root=str(tmp_path)), ["modes_stacked"])
