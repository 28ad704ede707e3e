"""Two-domain datamodules: the CycleGAN folder layout and MNIST ↔ USPS."""


import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.data import MNISTUSPSData, UnpairedFolderData, USPSData
from ganzoo.errors import UserError
from tests.conftest import write_domains


def test_unpaired_folder_yields_unpaired_batches_in_range(tmp_path):
    dm = UnpairedFolderData(root=str(write_domains(tmp_path / "d")), image_size=16, batch_size=4, num_workers=0)
    dm.setup("fit")
    assert dm.data_shape == (3, 16, 16) and dm.num_classes == 0
    assert len(dm.datasets["train"]) == 13  # max(|A|, |B|), as in the paper's code
    a, b, labels_a, labels_b = next(iter(dm.train_dataloader()))
    assert a.shape == b.shape == (4, 3, 16, 16) and labels_a.tolist() == labels_b.tolist() == [0] * 4
    assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
    assert a.mean() < 0 < b.mean()  # A from the dark folder, B from the bright one
    assert len(dm.train_dataloader()) == 3  # drop_last


def test_training_pairs_are_random_and_evaluation_pairs_fixed(tmp_path):
    root = write_domains(tmp_path / "d", n_train=30, size=(36, 36))
    # No crop or flip: only the B partner is random.
    dm = UnpairedFolderData(root=str(root), image_size=16, load_size=16, flip=False, batch_size=4)
    dm.setup("fit")
    train, val = dm.datasets["train"], dm.datasets["val"]
    torch.manual_seed(0)
    draws = [train.__getitems__([0, 1, 2]) for _ in range(4)]
    assert all(torch.equal(draws[0][0], d[0]) for d in draws)  # the same A images
    assert not all(torch.equal(draws[0][1], d[1]) for d in draws[1:])  # a new B partner each time
    first, second = val.__getitems__([0, 1, 5]), val.__getitems__([0, 1, 5])
    assert all(torch.equal(x, y) for x, y in zip(first, second, strict=True))
    assert len(val) == 5 and torch.equal(val[4][0], val[0][0])  # A test images cycle under the longer B
    fixed_a, fixed_b = dm.fixed_images(6)
    assert fixed_a.shape == (6, 3, 16, 16) and torch.equal(fixed_a[0], val[0][0]) and torch.equal(fixed_b[5], val[5][1])


def test_training_images_are_randomly_cropped_test_images_centre_cropped(tmp_path):
    dm = UnpairedFolderData(root=str(write_domains(tmp_path / "d")), image_size=16, batch_size=2, flip=False)
    dm.setup("fit")
    train_a, test_a = dm.datasets["train"].a, dm.datasets["val"].a
    assert dm.load_size == 18  # 16 × 286/256
    assert not all(torch.equal(train_a[0][0], train_a[0][0]) for _ in range(5))
    assert torch.equal(test_a[0][0], test_a[0][0])


def test_training_images_are_flipped_at_random_when_asked(tmp_path):
    root = write_domains(tmp_path / "d", size=(16, 16))
    dm = UnpairedFolderData(root=str(root), image_size=16, load_size=16, batch_size=2, flip=True)
    dm.setup("fit")
    pixels = np.asarray(Image.open(root / "trainA" / "000.png"), dtype=np.float32)
    image = torch.from_numpy(pixels).permute(2, 0, 1) / 127.5 - 1
    torch.manual_seed(0)
    draws = [dm.datasets["train"].a[0][0] for _ in range(20)]
    as_is = [torch.allclose(d, image, atol=1e-6) for d in draws]
    mirrored = [torch.allclose(d, image.flip(-1), atol=1e-6) for d in draws]
    assert all(x or y for x, y in zip(as_is, mirrored, strict=True)) and any(as_is) and any(mirrored)


def test_unpaired_folder_greyscale(tmp_path):
    root = write_domains(tmp_path / "d")
    dm = UnpairedFolderData(root=str(root), channels=1, image_size=16, batch_size=2, num_workers=0)
    dm.setup("fit")
    assert dm.data_shape == (1, 16, 16) and next(iter(dm.val_dataloader()))[1].shape == (2, 1, 16, 16)


@pytest.mark.parametrize("missing", ["trainA", "testB"])
def test_missing_domain_folder_is_a_user_error(tmp_path, missing):
    root = write_domains(tmp_path / "d", n_train=2, n_test=1)
    for f in (root / missing).iterdir():
        f.unlink()
    (root / missing).rmdir()
    with pytest.raises(UserError, match=f"no {missing} folder in .*trainA, ROOT/trainB"):
        UnpairedFolderData(root=str(root))


def test_mnist_usps_pairs_the_two_digit_sets(shared_data):
    if not (shared_data / "usps" / "usps.h5").is_file():
        pytest.skip(f"no usps.h5 under {shared_data}")
    dm = MNISTUSPSData(root=str(shared_data), batch_size=64)
    dm.setup("fit")
    assert dm.data_shape == (1, 32, 32) and dm.num_classes == 10 and dm.classifiers == ("mnist", "usps")
    train, val = dm.datasets["train"], dm.datasets["val"]
    assert (len(train.a), len(train.b), len(val.a), len(val.b)) == (60_000, 7_291, 10_000, 2_007)
    a, b, labels_a, labels_b = next(iter(dm.train_dataloader()))
    assert a.shape == b.shape == (64, 1, 32, 32) and a.min() >= -1 and b.max() <= 1
    assert labels_a.max() <= 9 and labels_b.max() <= 9 and len(labels_b.unique()) > 3
    # USPS digits fill their frame, MNIST's sit in a 4-pixel border: the domain gap translation must close.
    border = torch.ones(32, 32, dtype=torch.bool)
    border[5:-5, 5:-5] = False
    assert a[:, 0, border].mean() < b[:, 0, border].mean()
    # The h5 copy and torchvision's USPS agree on the class counts of the standard split.
    assert torch.bincount(val.b.y).tolist() == [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


def test_usps_missing_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="--data.usps_path .* does not exist"):
        USPSData(usps_path=str(tmp_path / "nope.h5"), root=str(tmp_path)).prepare_data()
    with pytest.raises(UserError, match=r"no USPS at .*usps\.h5.*--data\.download true"):
        MNISTUSPSData(root=str(tmp_path), download=False).usps.prepare_data()


def test_ranks_draw_their_own_random_partners_under_ddp(tmp_path, as_rank):
    dm = UnpairedFolderData(root=str(write_domains(tmp_path / "d", n_train=40)), image_size=8, batch_size=4)
    dm.setup("fit")
    dataset = dm.datasets["train"]
    partners = []
    for rank in (0, 1):
        as_rank(rank)
        partners.append(dataset.__getitems__([0, 1, 2, 3])[1])
    assert not torch.equal(partners[0], partners[1])
