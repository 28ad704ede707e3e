"""Translation metrics: the shipped USPS classifier and label preservation on MNIST ↔ USPS."""

import pytest
import torch
from torch import nn

from ganzoo.data import MNISTUSPSData, UnpairedFolderData, USPSData
from ganzoo.errors import UserError
from ganzoo.metrics import EvaluationOptions, evaluate
from ganzoo.metrics.classifier import load_classifier, weights_path
from ganzoo.models import CycleGAN
from tests.conftest import write_domains


@pytest.fixture
def usps_root(shared_data):
    if not (shared_data / "usps" / "usps.h5").is_file():
        pytest.skip(f"no usps.h5 under {shared_data}")
    return shared_data


def test_shipped_usps_classifier_accuracy_on_the_test_split(usps_root):
    assert weights_path("usps").stat().st_size < 2_000_000
    model = load_classifier("usps")
    dm = USPSData(root=str(usps_root), image_size=28, batch_size=1000)
    dm.setup("test")
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in dm.test_dataloader())
    assert correct / len(dm.datasets["test"]) >= 0.97


class Shift(nn.Module):
    """A "translation" that rolls images sideways: it hurts any classifier."""

    def forward(self, x):
        return torch.roll(x, 10, dims=3)


def test_label_preservation_against_the_no_adaptation_baseline(usps_root):
    dm = MNISTUSPSData(root=str(usps_root), image_size=32)
    model = CycleGAN(data_shape=dm.data_shape, g_channels=4, d_channels=4, n_blocks=1)
    model.generator = nn.ModuleDict({"a2b": nn.Identity(), "b2a": Shift()})
    records = evaluate(model, dm, options=EvaluationOptions(n_real=300, batch_size=128))
    values = {r["metric"]: r["value"] for r in records}
    # Identity: the translated images are the source images, so the metrics equal the baseline's.
    assert values["acc_a2b"] == values["acc_a2b_baseline"]
    assert values["fid_lenet_a2b"] == values["fid_lenet_a2b_baseline"]
    # The target classifier recognises most untranslated digits of the other domain (USPS's on MNIST, MNIST's on USPS).
    assert 0.6 < values["acc_a2b_baseline"] < 1 and 0.6 < values["acc_b2a_baseline"] < 1
    assert values["acc_b2a"] < values["acc_b2a_baseline"] - 0.2
    assert values["fid_lenet_b2a"] > values["fid_lenet_b2a_baseline"] > 0


def test_label_preservation_needs_classifiers(tmp_path):
    dm = UnpairedFolderData(root=str(write_domains(tmp_path / "d")), image_size=16, num_workers=0)
    model = CycleGAN(data_shape=dm.data_shape, g_channels=4, d_channels=4, n_blocks=1)
    with pytest.raises(UserError, match="no small-CNN classifiers .* --feature inception"):
        evaluate(model, dm, options=EvaluationOptions(feature="lenet"))
