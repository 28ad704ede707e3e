"""The shipped small-CNN classifiers reach the accuracy the metrics rely on."""

import pytest
import torch

from ganzoo.data import FashionMNISTData, MNISTData
from ganzoo.metrics.classifier import load_classifier, weights_path


@pytest.mark.parametrize(
    ("name", "cls", "floor"), [("mnist", MNISTData, 0.99), ("fashion_mnist", FashionMNISTData, 0.90)]
)
def test_shipped_classifier_accuracy_on_the_test_split(name, cls, floor, shared_data):
    assert weights_path(name).stat().st_size < 2_000_000  # small enough to ship in the package
    model = load_classifier(name)
    dm = cls(root=str(shared_data), image_size=28, batch_size=1000)
    dm.setup("test")
    correct = 0
    with torch.no_grad():
        for x, y in dm.test_dataloader():
            correct += (model(x).argmax(1) == y).sum().item()
    accuracy = correct / len(dm.datasets["test"])
    print(f"{name}: test accuracy {accuracy:.4f}")
    assert accuracy >= floor


def test_classifier_takes_any_size_and_rgb():
    model = load_classifier("mnist")
    features, logits = model.features_and_logits(torch.zeros(2, 3, 32, 32))
    assert features.shape == (2, 128) and logits.shape == (2, 10)
