"""FID / KID / IS through torchmetrics, checked against direct computations and known cases."""

import numpy as np
import pytest
import torch
from scipy import linalg

from ganzoo.errors import UserError
from ganzoo.metrics.image_metrics import FeatureSet, fid, inception_score, kid
from tests.conftest import SHARED_DATA

INCEPTION_NOFC = SHARED_DATA / "fid" / "pt_inception-2015-12-05-nofc-fidhelper.pth"


def gaussian_features(n: int, dim: int = 16, shift: float = 0.0, seed: int = 0) -> FeatureSet:
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(dim, dim, generator=torch.Generator().manual_seed(99)) / dim**0.5
    return FeatureSet(torch.randn(n, dim, generator=g) @ mixing + shift, None)


def scipy_frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    real = gaussian_features(2000)
    assert fid(real, real) == pytest.approx(0.0, abs=1e-6)
    values = [fid(real, gaussian_features(2000, shift=s, seed=1)) for s in (0.0, 0.5, 1.0, 2.0)]
    assert values == sorted(values) and values[-1] > 10 * values[0]


def test_torchmetrics_fid_matches_a_direct_scipy_frechet_distance():
    real, fake = gaussian_features(3000, seed=0), gaussian_features(3000, shift=0.3, seed=1)
    expected = scipy_frechet(real.features.double().numpy(), fake.features.double().numpy())
    assert fid(real, fake) == pytest.approx(expected, rel=1e-4)


def test_kid_is_unbiased_on_sets_from_one_distribution():
    real = gaussian_features(400, seed=0)
    same = [kid(real, gaussian_features(400, seed=s)) for s in range(1, 4)]
    shifted = kid(real, gaussian_features(400, shift=0.5, seed=5))
    assert abs(np.mean(same)) < 0.05 * shifted
    assert shifted > 0


def test_inception_score_of_confident_balanced_logits_is_the_class_count():
    logits = torch.full((1000, 10), -20.0)
    logits[torch.arange(1000), torch.arange(1000) % 10] = 20.0
    # torchmetrics shuffles before its 10 splits, so a split's classes are nearly (not exactly) balanced.
    assert 9.3 < inception_score(None, FeatureSet(torch.zeros(1000, 1), logits)) <= 10.0
    collapsed = torch.zeros(1000, 10)
    collapsed[:, 3] = 20.0
    assert inception_score(None, FeatureSet(torch.zeros(1000, 1), collapsed)) == pytest.approx(1.0, rel=1e-3)


def test_inception_score_is_refused_without_logits():
    with pytest.raises(UserError, match="no logits layer"):
        inception_score(None, gaussian_features(10))


def test_offline_inception_weights_give_fid_and_refuse_is():
    if not INCEPTION_NOFC.is_file():
        pytest.skip(f"no offline Inception weights at {INCEPTION_NOFC}")
    from ganzoo.metrics.features import InceptionFeatures

    feats = InceptionFeatures(str(INCEPTION_NOFC))
    assert not feats.has_logits and feats.resize.startswith("tf1")
    images = torch.rand(4, 1, 32, 32) * 2 - 1
    features, logits = feats(images)
    assert features.shape == (4, 2048) and logits is None
    # Out-of-range inputs are clamped, not wrapped around (torchmetrics' own uint8 conversion wraps).
    assert torch.equal(feats(images * 3)[0], feats((images * 3).clamp(-1, 1))[0])
