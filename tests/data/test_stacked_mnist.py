"""Stacked MNIST: three MNIST digits per image, its label the triple."""

import pytest
import torch

from ganzoo.data import StackedMNISTData
from ganzoo.errors import UserError


def test_each_channel_is_an_mnist_digit_and_the_label_reads_the_three(shared_data):
    dm = StackedMNISTData(root=str(shared_data), num_samples=300, seed=1)
    train = dm.make_dataset("train")
    assert dm.data_shape == (3, 28, 28) and dm.num_classes == 0 and len(train) == 300
    mnist = [dm._open(t) for t in (True, False)]
    pool = torch.cat([torch.as_tensor(m.data.numpy()) for m in mnist]).flatten(1)
    pool_labels = torch.cat([m.targets for m in mnist])
    x, y = train.__getitems__(list(range(5)))
    for image, mode in zip(x, y, strict=True):
        digits = []
        for channel in image:
            pixels = ((channel + 1) * 127.5).round().to(torch.uint8).flatten()
            match = (pool == pixels).all(1).nonzero()[0, 0]
            digits.append(int(pool_labels[match]))
        assert mode == digits[0] * 100 + digits[1] * 10 + digits[2]
    # The set is a function of the seed; held-out splits are other draws.
    assert torch.equal(StackedMNISTData(root=str(shared_data), num_samples=300, seed=1).make_dataset("train").x,
                       train.x)  # fmt: skip
    assert not torch.equal(dm.make_dataset("test").x[:300], train.x)
    assert StackedMNISTData(root=str(shared_data), image_size=32).data_shape == (3, 32, 32)


def test_a_bad_size_is_one_line():
    with pytest.raises(UserError, match="num_samples must be ≥ 1"):
        StackedMNISTData(num_samples=0)
