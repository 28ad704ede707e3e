"""benchmarks/speed.py and gpu_check.py: what their numbers rest on (FLOP counts, peaks)."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import gpu_check  # noqa: E402
import speed  # noqa: E402
import throughput  # noqa: E402

from ganzoo.models import DCGAN  # noqa: E402


def test_flops_counted_on_ganzoos_step_equal_the_plain_loops_for_the_same_networks():
    case = throughput.CASES["dcgan"]
    model = DCGAN(data_shape=case.shape, base_channels=64, g_norm="batch", d_norm="batch")
    plain = throughput.step_flops(case, torch.device("cpu")) / throughput.BATCH_SIZE
    assert speed.flops_per_image(model, case.shape, throughput.BATCH_SIZE) == pytest.approx(plain, rel=1e-6)


def test_the_gemm_peak_is_a_rate_and_bf16_is_measured_too():
    assert speed.throughput.gemm_peak(torch.float32, repeats=1) > 1
    assert throughput.gemm_peak(torch.bfloat16, repeats=1) > 1


def test_metrics_speed_measures_the_peak_with_the_same_gemms_as_the_training_benchmarks():
    import metrics_speed

    assert metrics_speed.gemm_rates is throughput.gemm_rates  # one definition of "this CPU's peak"
    rates = throughput.gemm_rates(torch.float32, repeats=0)
    assert set(rates) == {"torch.mm (MKL)", "oneDNN 1x1 conv"} and min(rates.values()) > 1


def test_the_gpu_check_skips_cyclegan_where_its_data_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(gpu_check, "DATA_ROOT", tmp_path)
    assert gpu_check.data_args("cyclegan", 32) is None
    assert gpu_check.data_args("dcgan", 32) == ["--data", "digits", "--data.image_size=32"]
