"""``ganzoo sample``: images from a checkpoint, as a grid, an .npz, a folder of PNGs, or an interpolation strip;
with a translation model (CycleGAN), a folder of images translated A → B or B → A."""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from pathlib import Path

import torch

from ganzoo.console import plain
from ganzoo.errors import UserError
from ganzoo.parse_errors import CommandParser


def parser() -> argparse.ArgumentParser:
    from ganzoo.commands.evaluate import FLAG_STYLE, add_checkpoint_flag

    p = CommandParser(prog="ganzoo sample", description=plain(__doc__), epilog=FLAG_STYLE)
    add_checkpoint_flag(p)
    p.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--out", default=None, help="output file or folder (default samples.png / samples.npz / samples/)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ema", action=argparse.BooleanOptionalAction, default=True, help="sample from the EMA generator")
    p.add_argument("--labels", default=None, help="comma-separated class labels for conditional models, e.g. 3,3,7")
    p.add_argument("--format", choices=list(DEFAULT_OUT), default=None,
                   help="png: a grid; npz: uint8 images (and labels); png-dir: a folder of PNGs (default: from --out's "
                   "extension, else png)")  # fmt: skip
    p.add_argument("--interpolate", action="store_true", help="a strip of --n steps between two random latents")
    p.add_argument("--device", default="cpu")
    p.add_argument("--input", default=None, help="translation models: a folder of images to translate (PNGs written "
                   "under --out, default translated_<direction>/, with the same relative names)")  # fmt: skip
    p.add_argument("--direction", choices=["a2b", "b2a"], default="a2b", help="translation direction (default a2b)")
    p.add_argument(
        "--truncation",
        type=float,
        default=None,
        metavar="PSI",
        help="StyleGAN: truncation ψ, every w pulled towards the mean w (1: none, 0: the mean image)",
    )
    p.add_argument("--drs", type=int, default=None, metavar="STEPS", help="discriminator rejection sampling "
                   "(logistic D, unconditional models; from the raw generator): refit D for STEPS steps on the run's "
                   "training data against the frozen G (0: use D as trained), then keep samples by D's density "
                   "ratio")  # fmt: skip
    p.add_argument("--drs-quantile", "--drs_quantile", type=float, default=0.95,
                   help="DRS γ as a quantile of F (default 0.95)")  # fmt: skip
    p.add_argument("--style-mixing", "--style_mixing", action="store_true", help="StyleGAN: a grid mixing the coarse "
                   "styles of the top row with the fine styles of the left column, √n sources each")  # fmt: skip
    return p


#: What each --format writes when --out is not given.
DEFAULT_OUT = {"png": "samples.png", "npz": "samples.npz", "png-dir": "samples"}


def image_suffixes() -> set[str]:
    """File extensions Pillow can write (.png, .jpg, …)."""
    from PIL import Image

    Image.init()
    return {suffix for suffix, name in Image.registered_extensions().items() if name in Image.SAVE}


def output(fmt: str | None, out: str | None, default: str | None = None) -> tuple[str, Path]:
    """The format and path to write: ``--format``, else inferred from ``--out``'s extension; checked before any work,
    so a name the format cannot be written under is one line, not a traceback after sampling."""
    if out is None:
        fmt = fmt or "png"
        return fmt, Path(default or DEFAULT_OUT[fmt])
    path = Path(out)
    suffix = path.suffix.lower()
    images = image_suffixes()
    fmt = fmt or ("npz" if suffix == ".npz" else "png")
    if fmt == "npz" and suffix != ".npz":
        raise UserError(f"--format npz writes an .npz file; end --out in .npz (got {out})")
    if fmt == "png" and suffix not in images:
        raise UserError(f"--out {out} is not an image file name; end it in .png (or .jpg, …) for a grid, or give "
                        "--format npz (an .npz) or --format png-dir (a folder of PNGs)")  # fmt: skip
    if fmt == "png-dir" and (path.is_file() or suffix in images | {".npz"}):
        raise UserError(f"--out {out} names a file; --format png-dir writes a folder of PNGs: give a folder name")
    return fmt, path


#: Images per translation batch.
TRANSLATE_BATCH = 32


def translate_folder(model: torch.nn.Module, folder: Path, direction: str, out: Path, ema: bool) -> Path:
    """Translates every image below ``folder`` (resized and centre-cropped to the model's size) into ``out``."""
    from torchvision.utils import save_image

    from ganzoo.data.image_folder import IMAGE_EXTENSIONS, ImageFiles, list_images
    from ganzoo.data.unpaired import gather
    from ganzoo.models import TranslationGAN

    if not isinstance(model, TranslationGAN):
        raise UserError(f"{type(model).__name__} generates from noise; --input needs a translation model (cyclegan)")
    try:
        paths = list_images(folder)
    except UserError as err:
        raise UserError(f"--input {folder} holds no images ({', '.join(IMAGE_EXTENSIONS)}); give a folder") from err
    images = ImageFiles(paths, None, model.data_shape[-1], model.data_shape[0])
    for start in range(0, len(paths), TRANSLATE_BATCH):
        batch = range(start, min(start + TRANSLATE_BATCH, len(paths)))
        translated = model.translate(gather(images, batch)[0], direction, ema=ema).cpu()
        for i, image in zip(batch, translated, strict=True):
            target = out / paths[i].relative_to(folder).with_suffix(".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            save_image(image.add(1).div(2).clamp(0, 1), target)
    print(f"ganzoo: wrote {len(paths)} translated images ({direction}) to {out}")
    return out


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[−1, 1] NCHW → uint8 NHWC."""
    return ((images.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


def rejection_samples(model: torch.nn.Module, args: argparse.Namespace) -> torch.Tensor:
    """``--drs``: ``args.n`` samples kept by discriminator rejection sampling (``ganzoo.rejection``)."""
    from ganzoo.commands.evaluate import datamodule_for
    from ganzoo.rejection import check_drs_applicable, refit_discriminator, rejection_sample

    if args.interpolate or args.labels or args.truncation is not None:
        raise UserError("--drs draws free samples; drop --interpolate, --labels and --truncation")
    try:
        check_drs_applicable(model)
    except ValueError as err:
        raise UserError(f"{err}; drop --drs") from err
    judge = model
    if args.drs:
        dm = datamodule_for(Path(args.ckpt), model, None, None)
        dm.prepare_data()
        dm.setup("fit")
        judge = refit_discriminator(model, dm.train_dataloader(), args.drs)
    samples, rate = rejection_sample(
        model, args.n, judge, quantile=args.drs_quantile, generator=torch.Generator().manual_seed(args.seed)
    )
    print(f"ganzoo: discriminator rejection sampling kept {rate:.1%} of the generated samples")
    return samples


def main(argv: list[str]) -> Path:
    args = parser().parse_args(argv)
    if args.n < 1:
        raise UserError(f"--n must be ≥ 1 (the number of samples), got {args.n}")
    if args.input is None:
        args.format, out = output(args.format, args.out, "style_mixing.png" if args.style_mixing else None)
        if args.style_mixing and args.format != "png":
            raise UserError("--style-mixing writes one grid image; drop --format or give --format png")
    labels_given = None
    if args.labels:
        try:
            labels_given = [int(v) for v in args.labels.split(",")]
        except ValueError:
            raise UserError(f"--labels takes comma-separated class numbers, e.g. 3,3,7; got {args.labels!r}") from None
    from ganzoo import load_model
    from ganzoo.models import TranslationGAN

    model = load_model(args.ckpt, map_location=args.device).to(args.device)
    if args.input is not None:
        out = Path(args.out or f"translated_{args.direction}")
        return translate_folder(model, Path(args.input), args.direction, out, args.ema)
    if isinstance(model, TranslationGAN):
        raise UserError(f"{type(model).__name__} translates images: give --input DIR (and --direction a2b|b2a)")
    torch.manual_seed(args.seed)
    style: dict = {}
    if args.truncation is not None or args.style_mixing:
        from ganzoo.models.stylegan_lite import StyleGANLite, style_mixing_grid

        if not isinstance(model, StyleGANLite):
            raise UserError(f"{type(model).__name__} has no styles; --truncation and --style-mixing need stylegan_lite")
        style = {"truncation": 1.0 if args.truncation is None else args.truncation}
        if args.style_mixing:
            from torchvision.utils import save_image

            k = max(1, round(math.sqrt(args.n)))
            out.parent.mkdir(parents=True, exist_ok=True)
            save_image(
                style_mixing_grid(model, model.sample_latent(k), model.sample_latent(k), ema=args.ema, **style), out
            )
            print(f"ganzoo: wrote {out}")
            return out
    labels = None
    if args.labels:
        if not model.num_classes:
            raise UserError(f"{type(model).__name__} is not conditional; drop --labels")
        labels = torch.tensor(labels_given, device=model.device)
        if labels.min() < 0 or labels.max() >= model.num_classes:
            raise UserError(f"--labels must lie in 0…{model.num_classes - 1}")
        args.n = len(labels)
    elif model.num_classes:
        labels = torch.arange(args.n, device=model.device) % model.num_classes
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.drs is not None:
        chunks = iter([rejection_samples(model, args)])
    elif args.interpolate:
        ends = model.sample_latent(2)
        t = torch.linspace(0, 1, args.n, device=model.device).unsqueeze(1)
        z = (1 - t) * ends[0] + t * ends[1]
        labels = labels[:1].expand(args.n) if labels is not None else None
        chunks = iter([model.sample(z=z, labels=labels, ema=args.ema, **style).cpu()])
    else:
        # In fixed seeded chunks, written as they come (a folder of PNGs; an .npz keeps uint8 images only), and for
        # unconditional models the samples `ganzoo evaluate --seed S` scores (conditional ones cycle the classes here).
        from ganzoo.metrics.samples import generated

        chunks = (c.cpu() for c in generated(model, args.n, args.seed, args.ema, labels=labels, **style))
    write(chunks, args, out, labels)
    print(f"ganzoo: wrote {out}")
    return out


def write(chunks: Iterator[torch.Tensor], args: argparse.Namespace, out: Path, labels: torch.Tensor | None) -> None:
    """Writes streamed samples as ``args.format``: a grid (or a scatter plot of 2D points), an .npz of uint8 images
    (and their labels), or a folder of PNGs."""
    import numpy as np
    from torchvision.utils import save_image

    from ganzoo.plots import image_grid, scatter_image

    if args.format == "png-dir":
        out.mkdir(parents=True, exist_ok=True)
    stored: list = []
    count = 0
    for chunk in chunks:
        if chunk.ndim == 4 and args.format == "png-dir":
            for i, image in enumerate(chunk, start=count):
                save_image(image.add(1).div(2).clamp(0, 1), out / f"{i:0{max(5, len(str(args.n - 1)))}d}.png")
        else:  # uint8 images for an .npz (a quarter of float32), float images for a grid, or 2D points
            stored.append(to_uint8(chunk).numpy() if chunk.ndim == 4 and args.format == "npz" else chunk)
        count += len(chunk)
    if not stored:
        return
    if stored[0].ndim != 4 and not isinstance(stored[0], np.ndarray):  # flat data (2D toys)
        points = torch.cat(stored)
        if args.format == "npz":
            np.savez(out, samples=points.numpy())
        else:
            save_image(scatter_image(points[:, :2]), out if args.format == "png" else out / "scatter.png")
    elif args.format == "npz":
        extra = {"labels": labels.cpu().numpy()} if labels is not None else {}
        np.savez_compressed(out, images=np.concatenate(stored), **extra)
    else:
        nrow = args.n if args.interpolate else max(1, round(math.sqrt(args.n)))
        save_image(image_grid(torch.cat(stored), nrow=nrow), out)
