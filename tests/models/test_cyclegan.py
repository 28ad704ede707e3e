"""CycleGAN: the paper's networks and losses, the image pool, training steps, and the CLI end to end."""

import json
import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ganzoo.cli import main
from ganzoo.data import UnpairedFolderData
from ganzoo.models import CycleGAN
from ganzoo.models.cyclegan import linear_decay
from ganzoo.models.image_pool import ImagePool
from tests.conftest import TINY, fit_briefly, run_ganzoo, write_domains

TINY_NETS = {"g_channels": 4, "d_channels": 4, "n_blocks": 1}


def tiny_cyclegan(**kwargs) -> CycleGAN:
    return CycleGAN(data_shape=(3, 16, 16), **{**TINY_NETS, **kwargs})


def batch(n: int = 2, side: int = 16) -> tuple[torch.Tensor, ...]:
    return torch.rand(n, 3, side, side) * 2 - 1, torch.rand(n, 3, side, side) * 2 - 1, torch.zeros(n), torch.zeros(n)


# ---------------------------------------------------------------------- networks
def test_depth_scales_with_image_size_and_players_are_module_dicts():
    for side, blocks, layers in [(32, 3, 1), (64, 3, 2), (128, 6, 3), (256, 9, 3)]:
        model = CycleGAN(data_shape=(3, side, side), g_channels=2, d_channels=2)
        assert set(model.generator) == {"a2b", "b2a"} and set(model.discriminator) == {"a", "b"}
        assert sum(isinstance(m, nn.InstanceNorm2d) for m in model.generator["a2b"].modules()) == 5 + 2 * blocks
        assert sum(isinstance(m, nn.InstanceNorm2d) for m in model.discriminator["b"].modules()) == layers
    with pytest.raises(Exception, match="side ≥ 16 divisible by 4"):
        CycleGAN(data_shape=(3, 18, 18))


# ---------------------------------------------------------------------- losses
def test_cycle_and_identity_losses_vanish_for_identity_generators():
    model = tiny_cyclegan()
    model.generator = nn.ModuleDict({"a2b": nn.Identity(), "b2a": nn.Identity()})
    losses = model.generator_loss(batch())
    assert losses["cycle_a"] == losses["cycle_b"] == losses["idt_a"] == losses["idt_b"] == 0
    assert losses["loss"].item() == pytest.approx((losses["adv_a2b"] + losses["adv_b2a"]).item())


def test_generator_loss_terms_have_the_paper_weights():
    torch.manual_seed(0)
    model = tiny_cyclegan(lambda_cycle=7.0, lambda_identity=0.5)
    a, b = batch()[:2]
    losses = model.generator_loss((a, b))
    g, f, d_a, d_b = model.generator["a2b"], model.generator["b2a"], model.discriminator["a"], model.discriminator["b"]
    assert losses["cycle_a"] == pytest.approx(7 * F.l1_loss(f(g(a)), a).item(), rel=1e-5)
    assert losses["cycle_b"] == pytest.approx(7 * F.l1_loss(g(f(b)), b).item(), rel=1e-5)
    assert losses["idt_a"] == pytest.approx(3.5 * F.l1_loss(f(a), a).item(), rel=1e-5)
    assert losses["idt_b"] == pytest.approx(3.5 * F.l1_loss(g(b), b).item(), rel=1e-5)
    # Least squares from D's patch logits: G wants every patch of G(a) scored 1 by D_B.
    assert losses["adv_a2b"] == pytest.approx(0.5 * (d_b(g(a)) - 1).square().mean().item(), rel=1e-5)
    assert losses["adv_b2a"] == pytest.approx(0.5 * (d_a(f(b)) - 1).square().mean().item(), rel=1e-5)
    assert losses["loss"].item() == pytest.approx(sum(v.item() for k, v in losses.items() if k != "loss"), rel=1e-5)
    assert "idt_a" not in tiny_cyclegan(lambda_identity=0).generator_loss((a, b))  # switched off


def test_discriminators_see_pooled_fakes_only_in_training():
    model = tiny_cyclegan(pool_size=3)
    model.discriminator_loss(batch(2))
    assert int(model.pool_a.count) == int(model.pool_b.count) == 2
    model.eval()
    losses = model.discriminator_loss(batch(2))
    assert int(model.pool_a.count) == 2 and set(losses) == {"loss", "d_a", "d_b"}
    assert losses["loss"].item() == pytest.approx((losses["d_a"] + losses["d_b"]).item())


# ---------------------------------------------------------------------- image pool
def tagged(values) -> torch.Tensor:
    """Images whose every pixel holds their tag."""
    return torch.tensor(values, dtype=torch.float).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).clone()


def tags(images: torch.Tensor) -> list[float]:
    return images[:, 0, 0, 0].tolist()


def test_pool_of_capacity_zero_returns_exactly_its_input():
    pool, images = ImagePool(0, (1, 2, 2)), torch.randn(5, 1, 2, 2)
    assert torch.equal(pool.query(images), images)


def test_pool_returns_new_images_while_filling_then_half_old_ones():
    torch.manual_seed(0)
    pool = ImagePool(50, (1, 2, 2))
    assert tags(pool.query(tagged(range(30)))) == list(range(30))
    assert tags(pool.query(tagged(range(30, 50)))) == list(range(30, 50))  # still filling: all new
    assert int(pool.count) == 50 and sorted(tags(pool.images)) == list(range(50))
    n, returned_old = 4000, set()
    for start in range(50, 50 + n, 40):
        new = list(range(start, start + 40))
        for tag, given in zip(tags(pool.query(tagged(new))), new, strict=True):
            if tag != given:
                # An image stored earlier (possibly earlier in this batch), handed out once and then gone.
                assert tag < given and tag not in returned_old
                returned_old.add(tag)
    assert abs(len(returned_old) / n - 0.5) < 4 * (0.25 / n) ** 0.5  # within 4 standard deviations of ½
    assert len(set(tags(pool.images))) == 50  # the pool holds distinct images, most of them recent
    assert sum(t >= 50 + n - 400 for t in tags(pool.images)) > 10


# ---------------------------------------------------------------------- schedule
def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    assert [linear_decay(e, constant=2, decay=3) for e in range(7)] == [1, 1, 0.75, 0.5, 0.25, 0, 0]
    optimizers, schedulers = tiny_cyclegan(lr_constant_epochs=2, lr_decay_epochs=3).configure_optimizers()
    assert len(optimizers) == len(schedulers) == 2
    for _ in range(3):
        schedulers[0].step()
    assert optimizers[0].param_groups[0]["lr"] == pytest.approx(2e-4 * 0.5)
    assert tiny_cyclegan(lr_decay_epochs=0).configure_optimizers()[1] == []


# ---------------------------------------------------------------------- training
def test_a_few_real_steps_train_all_four_networks(tmp_path):
    torch.manual_seed(0)
    dm = UnpairedFolderData(root=str(write_domains(tmp_path / "d")), image_size=16, batch_size=3, num_workers=0)
    model = CycleGAN(data_shape=dm.data_shape, **TINY_NETS)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer = fit_briefly(model, dm, 3, log_every_n_steps=1)
    for net in ("generator.a2b.", "generator.b2a.", "discriminator.a.", "discriminator.b."):
        weights = [k for k in before if k.startswith(net) and k.endswith("weight")]
        assert weights and all(not torch.equal(before[k], model.state_dict()[k]) for k in weights), net
    assert (model.g_steps, model.d_steps, int(model.pool_a.count), model.images_seen) == (3, 3, 9, 9)
    logged = set(trainer.callback_metrics)
    for term in ("adv_a2b", "adv_b2a", "cycle_a", "cycle_b", "idt_a", "idt_b", "d_a", "d_b", "loss_g", "loss_d"):
        assert f"train/{term}" in logged, term
    assert {"val/cycle_a", "val/d_b"} <= logged
    # Progress grid: A | G(A) | F(G(A)) triplets of the fixed test images, then B | F(B) | G(F(B)).
    test_a, test_b = dm.fixed_images(8)
    assert torch.equal(model.fixed_a, test_a) and torch.equal(model.fixed_b, test_b)
    grid = model.progress_samples()
    assert grid.shape == (48, 3, 16, 16) and model.progress_grid_rows() == 6
    assert torch.equal(grid[0], test_a[0]) and torch.equal(grid[24], test_b[0])
    assert torch.allclose(grid[1], model.translate(test_a[:1], "a2b")[0], atol=1e-5)
    assert torch.allclose(grid[2], model.translate(grid[1:2], "b2a")[0], atol=1e-5)
    assert torch.allclose(grid[25], model.translate(test_b[:1], "b2a")[0], atol=1e-5)


def test_translation_uses_the_ema_generators_when_there_are_some():
    model, x = tiny_cyclegan(ema_decay=0.5), batch()[0]
    for _ in range(2):  # the first update copies the weights, the second averages
        with torch.no_grad():
            for p in model.generator.parameters():
                p.add_(0.1)
        model.generator_ema.update_parameters(model.generator)
    ema, raw = model.translate(x, "b2a"), model.translate(x, "b2a", ema=False)
    assert not torch.allclose(ema, raw) and torch.allclose(raw, model.generator["b2a"].eval()(x))
    assert torch.allclose(ema, model.generator_ema.module["b2a"].eval()(x))


def test_translation_follows_the_weights_precision_and_returns_float32():
    model, x = tiny_cyclegan(), batch()[0]
    model.double()  # as under --trainer.precision 64-true
    out = model.translate(x.float(), "a2b")
    assert out.dtype == torch.float32
    assert torch.allclose(out, model.generator["a2b"].eval()(x.double()).float())


def test_cyclegan_refuses_single_domain_data_and_is_no_noise_gan():
    from ganzoo.data import DigitsData
    from ganzoo.errors import UserError
    from ganzoo.models import GAN, TranslationGAN

    model = CycleGAN(data_shape=(1, 16, 16), **TINY_NETS)
    with pytest.raises(UserError, match="two-domain data"):
        fit_briefly(model, DigitsData(image_size=16, batch_size=4), 1)
    # The type says what it is: a translation model, without the noise GANs' latents or sample().
    assert isinstance(model, TranslationGAN) and not isinstance(model, GAN)
    assert "fixed_z" not in model.state_dict()


# ---------------------------------------------------------------------- CLI
CLI_NETS = ["--model.g_channels=4", "--model.d_channels=4", "--model.n_blocks=1", "--model.num_progress_samples=4"]


def test_fit_on_a_folder_then_translate_a_folder(tmp_path, capsys):
    root = write_domains(tmp_path / "d")
    main(["fit", "--model", "cyclegan", "--data", "unpaired_folder", f"--data.root={root}", "--data.image_size=16",
          "--data.batch_size=2", "--data.num_workers=0", *CLI_NETS, *TINY])  # fmt: skip
    run = Path("runs/cyclegan-unpaired_folder/version_0")
    assert Image.open(run / "samples" / "final.png").size == (6 * 18 + 2, 4 * 18 + 2)  # 2 triplets a row, 4 rows
    ckpt = run / "checkpoints" / "last.ckpt"
    main(["sample", "--ckpt", str(ckpt), "--input", str(root / "testA"), "--direction", "a2b", "--out", "out"])
    assert sorted(os.listdir("out")) == sorted(os.listdir(root / "testA"))
    assert Image.open("out/000.png").size == (16, 16) and Image.open("out/000.png").mode == "RGB"
    main(["sample", "--ckpt", str(ckpt), "--input", str(root / "testB"), "--direction", "b2a"])
    assert len(os.listdir("translated_b2a")) == 5
    assert "wrote 5 translated images (b2a)" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path):
    root = write_domains(tmp_path / "d", n_train=2, n_test=1)
    for f in (root / "trainA").iterdir():
        f.unlink()
    (root / "trainA").rmdir()
    result = run_ganzoo("fit", "--model", "cyclegan", "--data", "unpaired_folder", f"--data.root={root}", *TINY)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"ganzoo: error: no trainA folder in {root}")


def test_fit_mnist_usps_through_the_cli_then_evaluate(shared_data):
    if not (shared_data / "usps" / "usps.h5").is_file():
        pytest.skip(f"no usps.h5 under {shared_data}")
    result = run_ganzoo("fit", "--model", "cyclegan", "--data", "mnist_usps", f"--data.root={shared_data}",
                        "--data.batch_size=8", *CLI_NETS, *TINY,
                        "--metrics.metrics=[translation]", "--metrics.n_real=40",
                        "--metrics.batch_size=20")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    run = Path("runs/cyclegan-mnist_usps/version_0")
    # The Evaluation callback ran the translation metrics at the end of fit, on 40 images per domain.
    fit_lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(fit_lines) == 8 and {line["n_a"] for line in fit_lines} == {40}
    assert Image.open(run / "samples" / "final.png").size == (6 * 34 + 2, 4 * 34 + 2)
    from ganzoo.commands.evaluate import main as evaluate

    records = evaluate(["--ckpt", str(run / "checkpoints" / "last.ckpt"), "--n-real", "60", "--batch-size", "25"])
    values = {r["metric"]: r["value"] for r in records}
    names = {f"{m}_{d}{s}" for m in ("acc", "fid_lenet") for d in ("a2b", "b2a") for s in ("", "_baseline")}
    assert set(values) == names
    assert all(0 <= values[f"acc_{d}{s}"] <= 1 for d in ("a2b", "b2a") for s in ("", "_baseline"))
    assert values["acc_a2b_baseline"] > 0.3  # untranslated MNIST under the USPS classifier: far above chance
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 16 and lines[8]["data"] == "MNISTUSPSData"
    assert lines[8]["n_a"] == lines[8]["n_b"] == 60 and lines[8]["g_steps"] == 3
