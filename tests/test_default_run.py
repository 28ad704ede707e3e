"""`ganzoo fit` with no argument: trains on the bundled digits and leaves recognisable digits and a checkpoint."""

import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from ganzoo import load_model
from tests.conftest import run_ganzoo


def digit_classifier():
    """A logistic regression on the real 8×8 digits (≈ 96 % test accuracy)."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    digits = load_digits()
    return LogisticRegression(max_iter=2000).fit(digits.data, digits.target)


def as_sklearn_digits(images: torch.Tensor):
    """[−1, 1] 32×32 samples → the 8×8, 0–16 scale of sklearn's digits."""
    small = F.adaptive_avg_pool2d((images + 1) / 2, 8)
    return (small.clamp(0, 1) * 16).flatten(1).numpy()


@pytest.mark.slow
def test_fit_without_arguments_learns_recognisable_digits(tmp_path: Path):
    start = time.perf_counter()
    result = run_ganzoo("fit", "--trainer.enable_progress_bar=false", timeout=900)
    minutes = (time.perf_counter() - start) / 60
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "runs" / "dcgan-digits" / "version_0"
    assert (run / "samples" / "final.png").is_file()
    model = load_model(run / "checkpoints" / "last.ckpt")
    torch.manual_seed(0)
    probs = digit_classifier().predict_proba(as_sklearn_digits(model.sample(1000)))
    confident = (probs.max(axis=1) > 0.9).mean()
    classes = len(set(probs.argmax(axis=1)[probs.max(axis=1) > 0.9]))
    print(f"default fit: {minutes:.2f} min, {confident:.0%} confidently classified, {classes} classes")
    assert confident > 0.5 and classes >= 9
