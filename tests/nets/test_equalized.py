"""Equalised-learning-rate layers (ganzoo.nets.equalized)."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganzoo.nets import EqualizedConv2d, EqualizedLinear


def test_equalized_layers_scale_unit_weights_by_lr_mul_over_sqrt_fan_in():
    torch.manual_seed(0)
    fc = EqualizedLinear(400, 300, bias_init=0.5, lr_mul=0.01)
    assert fc.weight_gain == pytest.approx(0.01 / math.sqrt(400))
    # Stored N(0, 1)/lr_mul, so the effective weight is N(0, 1/fan_in) and only the learning speed is scaled.
    assert (fc.weight * fc.weight_gain).std().item() == pytest.approx(1 / math.sqrt(400), rel=0.02)
    x = torch.randn(5, 400)
    expected = x @ (fc.weight * 0.01 / 20).T + 0.5
    torch.testing.assert_close(fc(x), expected)

    def effective_sgd_step(lr_mul: float) -> tuple[torch.Tensor, torch.Tensor]:
        torch.manual_seed(1)
        layer = EqualizedLinear(400, 300, lr_mul=lr_mul)
        before = (layer.weight * layer.weight_gain).detach()
        out = layer(x)
        out.sum().backward()
        with torch.no_grad():
            layer.weight -= 0.1 * layer.weight.grad
        return out.detach(), (layer.weight * layer.weight_gain).detach() - before

    # Same function at initialisation; the same SGD step moves the effective weights lr_mul² as far.
    (out_slow, step_slow), (out_plain, step_plain) = effective_sgd_step(0.01), effective_sgd_step(1.0)
    torch.testing.assert_close(out_slow, out_plain)
    torch.testing.assert_close(step_slow, step_plain * 0.01**2)

    conv = EqualizedConv2d(6, 4, 3)
    assert conv.weight_gain == pytest.approx(1 / math.sqrt(6 * 9))
    img = torch.randn(2, 6, 8, 8)
    torch.testing.assert_close(conv(img), F.conv2d(img, conv.weight / math.sqrt(54), conv.bias, padding=1))
