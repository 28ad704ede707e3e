"""Every datamodule yields (samples, labels) batches in the documented range and geometry."""


import pytest
import torch

from ganzoo.data import (
    CelebAData,
    CIFAR10Data,
    DigitsData,
    FashionMNISTData,
    GridData,
    ImageFolderData,
    MNISTData,
    RingData,
)
from ganzoo.errors import UserError
from tests.conftest import CIFAR_NPZ, write_images


def first_batch(dm, stage: str = "fit"):
    dm.prepare_data()
    dm.setup(stage)
    return next(iter(dm.train_dataloader() if stage == "fit" else dm.test_dataloader()))


def check_images(dm, batch_size: int) -> None:
    x, y = first_batch(dm)
    assert x.shape == (batch_size, *dm.data_shape) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1 and x.std() > 0.1
    assert y.shape == (batch_size,) and y.dtype == torch.long
    if dm.num_classes:
        assert y.min() >= 0 and y.max() < dm.num_classes


def test_digits_is_bundled_labelled_and_resized():
    dm = DigitsData(image_size=16, batch_size=32)
    check_images(dm, 32)
    assert dm.data_shape == (1, 16, 16) and dm.num_classes == 10
    assert len(dm.datasets["train"]) == 1617 and len(dm.datasets["val"]) == 180


@pytest.mark.parametrize("cls", [MNISTData, FashionMNISTData])
def test_torchvision_grey_sets_load_offline(cls, shared_data):
    dm = cls(root=str(shared_data), image_size=32, batch_size=16)
    check_images(dm, 16)
    assert len(dm.datasets["train"]) == 60_000 and len(dm.datasets["val"]) == 10_000


def test_cifar10_from_a_local_npz_uses_the_test_batch_as_test_split():
    if not CIFAR_NPZ.is_file():
        pytest.skip(f"no CIFAR-10 subset at {CIFAR_NPZ}")
    dm = CIFAR10Data(npz=str(CIFAR_NPZ), batch_size=16)
    check_images(dm, 16)
    assert dm.data_shape == (3, 32, 32)
    assert len(dm.datasets["train"]) == 5 * 1017 and len(dm.datasets["val"]) == 1017


def test_cifar10_npz_without_split_info_holds_out_the_last_tenth(tmp_path):
    path = tmp_path / "tiny.npz"
    import numpy as np

    solid = np.repeat(np.array([0, 255], dtype=np.uint8), 25)[:, None, None, None]  # resizing keeps solid colours
    np.savez(path, images=np.broadcast_to(solid, (50, 32, 32, 3)), labels=np.arange(50) % 10)
    dm = CIFAR10Data(npz=str(path), batch_size=8, image_size=16)
    check_images(dm, 8)
    assert len(dm.datasets["train"]) == 45 and dm.data_shape == (3, 16, 16)


@pytest.mark.parametrize(("cls", "n_modes", "std"), [(RingData, 8, 0.01), (GridData, 25, 0.05)])
def test_toy_mixtures_put_samples_on_their_modes(cls, n_modes, std):
    dm = cls(batch_size=256)
    x, y = first_batch(dm)
    # The labels (the mode each sample came from) are carried; only a conditional model uses them.
    assert dm.data_shape == (2,) and dm.num_classes == len(dm.modes) == n_modes
    distance = (x - dm.modes[y]).norm(dim=1)
    assert distance.max() < 6 * std
    assert torch.allclose((x - dm.modes[y]).std(), torch.tensor(std), rtol=0.2)


def test_ring_modes_lie_on_the_unit_circle_and_grid_on_the_lattice():
    assert torch.allclose(RingData().modes.norm(dim=1), torch.ones(8))
    assert set(GridData().modes.flatten().tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}


def test_image_folder_resizes_crops_and_labels_by_subfolder(tmp_path):
    write_images(tmp_path / "imgs" / "cats", 12)
    write_images(tmp_path / "imgs" / "dogs" / "nested", 12, mode="L")
    dm = ImageFolderData(root=str(tmp_path / "imgs"), image_size=16, labels=True, batch_size=8, num_workers=0)
    check_images(dm, 8)
    assert dm.num_classes == 2 and dm.data_shape == (3, 16, 16)
    assert len(dm.datasets["train"]) + len(dm.datasets["val"]) == 24


def test_image_folder_errors_say_what_to_do(tmp_path):
    with pytest.raises(UserError, match="no images"):
        first_batch(ImageFolderData(root=str(tmp_path), num_workers=0))
    with pytest.raises(UserError, match="does not exist"):
        first_batch(ImageFolderData(root=str(tmp_path / "missing"), num_workers=0))
    with pytest.raises(UserError, match="one sub-folder per class"):
        ImageFolderData(root=str(tmp_path), labels=True)
    write_images(tmp_path / "bad", 4)
    (tmp_path / "bad" / "000.png").write_bytes(b"not a png")
    dm = ImageFolderData(root=str(tmp_path / "bad"), batch_size=4, val_fraction=0.0, num_workers=0)
    dm.setup("fit")
    with pytest.raises(UserError, match="cannot read image .*000.png"):
        [dm.datasets["train"][i] for i in range(len(dm.datasets["train"]))]


def test_celeba_reads_a_plain_local_folder_and_the_official_split(tmp_path):
    write_images(tmp_path / "img_align_celeba", 10, size=(178, 218))
    dm = CelebAData(root=str(tmp_path), image_size=16, batch_size=4, num_workers=0)
    check_images(dm, 4)
    layout = tmp_path / "tv" / "celeba"
    write_images(layout / "img_align_celeba", 6, size=(178, 218))
    (layout / "list_eval_partition.txt").write_text("".join(f"{i:03d}.png {i % 3}\n" for i in range(6)))
    dm = CelebAData(root=str(tmp_path / "tv"), image_size=16, batch_size=2, num_workers=0)
    dm.setup("test")
    assert [p.name for p in dm.datasets["test"].paths] == ["002.png", "005.png"]


def test_batch_larger_than_the_data_is_a_user_error():
    dm = DigitsData(batch_size=5000)
    dm.setup("fit")
    with pytest.raises(UserError, match="batch_size"):
        dm.train_dataloader()


def test_default_root_follows_the_environment(monkeypatch, tmp_path):
    from ganzoo.data import default_root

    monkeypatch.setenv("GANZOO_DATA_ROOT", str(tmp_path))
    assert default_root() == tmp_path
    assert MNISTData().root == tmp_path
