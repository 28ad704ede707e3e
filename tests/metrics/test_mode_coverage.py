"""The VEEGAN/PacGAN mode metrics on hand-placed points."""

import math

import pytest
import torch

from ganzoo.data import GridData, RingData
from ganzoo.metrics import mode_coverage


def test_samples_on_every_mode_cover_all_modes_uniformly():
    ring = RingData()
    samples = ring.modes.repeat(100, 1) + 0.005
    result = mode_coverage(samples, ring.modes, ring.std)
    assert result == {"modes": 8.0, "hq_pct": 100.0, "rkl": pytest.approx(0.0, abs=1e-9)}


def test_all_samples_on_one_mode_is_collapse():
    grid = GridData()
    samples = grid.modes[7].repeat(500, 1)
    result = mode_coverage(samples, grid.modes, grid.std)
    assert result["modes"] == 1 and result["hq_pct"] == 100.0
    assert result["rkl"] == pytest.approx(math.log(25))


def test_off_mode_samples_are_not_high_quality():
    ring = RingData()
    samples = torch.zeros(100, 2)  # the centre of the ring: 1 from every mode, far beyond 3σ = 0.03
    result = mode_coverage(samples, ring.modes, ring.std)
    assert result["modes"] == 0 and result["hq_pct"] == 0.0 and math.isnan(result["rkl"])


def test_half_good_half_bad_and_the_three_sigma_boundary():
    ring = RingData()
    good = ring.modes[:2].repeat(25, 1) + torch.tensor([0.029, 0.0])  # inside 3σ
    bad = ring.modes[:2].repeat(25, 1) + torch.tensor([0.031, 0.0])  # just outside
    result = mode_coverage(torch.cat([good, bad]), ring.modes, ring.std)
    assert result["modes"] == 2 and result["hq_pct"] == pytest.approx(50.0)
    assert result["rkl"] == pytest.approx(math.log(8) - math.log(2))
