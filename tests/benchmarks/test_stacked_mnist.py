"""benchmarks/stacked_mnist.py: its settings and its table."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import stacked_mnist  # noqa: E402


def row(method: str, seed: int, kimg: float, modes: float, args: list[str] | None = None) -> dict:
    args = stacked_mnist.SETTINGS["dcgan"][method] if args is None else args
    return {"setting": "dcgan", "method": method, "seed": seed, "args": args, "modes": modes, "kl": 0.5,
            "kimg": kimg, "fit_seconds": 60.0, "eval_seconds": 60.0}  # fmt: skip


def test_the_table_has_a_line_per_budget_and_leaves_out_rows_of_an_earlier_command_line():
    rows = [row("dcgan", 0, 128, 990), row("dcgan", 1, 128, 980), row("dcgan", 0, 512, 1000),
            row("dcgan", 2, 128, 10, args=["--model", "dcgan", "--model.base_channels", "8"])]  # fmt: skip
    lines = [line for line in stacked_mnist.table(rows, "dcgan").splitlines() if line.startswith("| ganzoo")]
    assert lines == ["| ganzoo dcgan | 985.0 ± 7.1 | 0.50 ± 0.00 | 2 | 128 | 2 |",
                     "| ganzoo dcgan | 1000.0 | 0.50 | 1 | 512 | 2 |"]  # fmt: skip


def test_a_config_file_row_is_current_wherever_the_repository_was_checked_out():
    args = ["--config", "/elsewhere/configs/r3gan_stacked_mnist.yaml"]
    assert stacked_mnist.current({"setting": "dcgan", "method": "r3gan loss", "args": args})
    assert not stacked_mnist.current({"setting": "dcgan", "method": "no such method", "args": args})


def test_the_small_d_setting_is_metz_et_al_networks():
    # PacGAN's unrolled_GAN_experiment (D=0.25G): its networks at 28×28, z of 256, batch 128; every method shares it.
    for args in stacked_mnist.SETTINGS["small_d"].values():
        assert args[args.index("--model.backbone") + 1] == "metz"
        assert args[args.index("--data.image_size") + 1] == "28"
        assert args[args.index("--model.latent_dim") + 1] == "256"
