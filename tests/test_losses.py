import math

import pytest
import torch

from ganzoo.losses import LOSSES, get_loss


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_logistic_losses_match_the_formulas_of_the_paper():
    real, fake = torch.tensor([2.0, -0.5]), torch.tensor([-1.0, 0.3])
    d = LOSSES["minimax"].d(real, fake)
    expected = (
        -(math.log(sigmoid(2.0)) + math.log(sigmoid(-0.5))) / 2
        - (math.log(1 - sigmoid(-1.0)) + math.log(1 - sigmoid(0.3))) / 2
    )
    assert d.item() == pytest.approx(expected, rel=1e-6)
    assert LOSSES["minimax"].g(fake).item() == pytest.approx(
        (math.log(1 - sigmoid(-1.0)) + math.log(1 - sigmoid(0.3))) / 2, rel=1e-6
    )
    assert LOSSES["non_saturating"].g(fake).item() == pytest.approx(
        -(math.log(sigmoid(-1.0)) + math.log(sigmoid(0.3))) / 2, rel=1e-6
    )


def test_d_loss_at_the_equilibrium_is_log_4():
    # D outputs 1/2 everywhere when p_g = p_data: V(D*, G*) = −log 4, so the D loss (−V) is log 4.
    zeros = torch.zeros(8)
    assert LOSSES["non_saturating"].d(zeros, zeros).item() == pytest.approx(math.log(4), rel=1e-6)


def test_other_losses_match_hand_computed_values():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 0.3])
    assert LOSSES["wasserstein"].d(real, fake).item() == pytest.approx((-1.0 + 0.3) / 2 - (2.0 + 0.5) / 2)
    assert LOSSES["wasserstein"].g(fake).item() == pytest.approx(-(-1.0 + 0.3) / 2)
    assert LOSSES["hinge"].d(real, fake).item() == pytest.approx((0 + 0.5) / 2 + (0 + 1.3) / 2)
    assert LOSSES["least_squares"].d(real, fake).item() == pytest.approx(0.5 * ((1.0 + 0.25) / 2 + (1.0 + 0.09) / 2))
    assert LOSSES["least_squares"].g(fake).item() == pytest.approx(0.5 * ((4.0 + 0.49) / 2))


def test_minimax_gradient_vanishes_when_d_rejects_fakes_but_non_saturating_does_not():
    # The notes' point (3.3): with D(G(z)) ≈ 0, log(1 − D(G(z))) gives G almost no gradient.
    logit = torch.tensor([-10.0], requires_grad=True)  # D(G(z)) = σ(−10) ≈ 4.5e-5
    (g_minimax,) = torch.autograd.grad(LOSSES["minimax"].g(logit), logit)
    (g_ns,) = torch.autograd.grad(LOSSES["non_saturating"].g(logit), logit)
    assert abs(g_minimax.item()) < 1e-4
    assert abs(g_ns.item()) > 0.99
    assert g_minimax.item() == pytest.approx(-sigmoid(-10.0), rel=1e-4)


def test_losses_stay_finite_for_extreme_logits():
    # Sigmoid + BCE would give log(0) here; the logit formulation does not.
    extreme = torch.tensor([-200.0, 200.0])
    for loss in LOSSES.values():
        assert torch.isfinite(loss.d(extreme, extreme.flip(0)))
        assert torch.isfinite(loss.g(extreme, extreme.flip(0)))


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="non_saturating"):
        get_loss("bce")


def test_the_relativistic_loss_pairs_each_fake_with_the_real_at_its_position():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 0.0])
    softplus = lambda t: math.log1p(math.exp(t))  # noqa: E731
    loss = LOSSES["relativistic"]
    assert loss.pairs and not LOSSES["non_saturating"].pairs
    assert loss.d(real, fake).item() == pytest.approx((softplus(0.5 - 2.0) + softplus(0.0 + 1.0)) / 2, rel=1e-6)
    assert loss.g(fake, real).item() == pytest.approx((softplus(2.0 - 0.5) + softplus(-1.0 - 0.0)) / 2, rel=1e-6)
    with pytest.raises(ValueError, match="pairs generated with real samples"):
        loss.g(fake)
