"""ganzoo/metrics/samples.py: where real features are cached, and a cache file written whole or recomputed."""

from pathlib import Path

import torch

from ganzoo.metrics.samples import cache_dir, load_cached, save_cached


def test_the_cache_follows_the_environment_and_tests_never_use_the_users(monkeypatch, tmp_path):
    assert not cache_dir().is_relative_to(Path.home() / ".cache")  # conftest's cache, one per test session
    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path / "chosen"))
    assert cache_dir() == tmp_path / "chosen"
    monkeypatch.delenv("GANZOO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ganzoo" / "features"


def test_a_cache_file_reads_back_and_a_damaged_one_is_computed_again(tmp_path):
    path = tmp_path / "features" / "key.pt"
    save_cached(path, {"features": torch.arange(6.0).view(2, 3), "logits": None})
    assert torch.equal(load_cached(path)["features"], torch.arange(6.0).view(2, 3))
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it
    path.write_bytes(b"cut off")
    assert load_cached(path) is None
    assert load_cached(tmp_path / "absent.pt") is None
