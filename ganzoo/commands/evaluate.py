"""``ganzoo evaluate``: metrics of a checkpoint, printed as a table and appended as JSON lines.

Translation models (CycleGAN) get the label-preservation accuracies and FIDs of :mod:`ganzoo.metrics.translation`.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from ganzoo.errors import UserError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganzoo evaluate", description=__doc__)
    p.add_argument("--ckpt", required=True, help="a checkpoint written by `ganzoo fit` (loaded weights-only)")
    p.add_argument("--metrics", default="fid,kid,is", help="comma-separated: fid, kid, is (image data); "
                   "ignored on the 2D toys, which get modes, hq_pct, rkl")  # fmt: skip
    p.add_argument("--n-fake", type=int, default=10_000)
    p.add_argument("--n-real", type=int, default=10_000,
                   help="real reference size; images per domain for translation models (0: whole split)")  # fmt: skip
    p.add_argument("--split", choices=["test", "train"], default="test")
    p.add_argument("--feature", choices=["inception", "lenet"], default=None,
                   help="default inception; lenet for translation models on classified data (mnist_usps)")  # fmt: skip
    p.add_argument("--inception-weights", default=None, help="local Inception weights ($GANZOO_INCEPTION_WEIGHTS)")
    p.add_argument("--data", default=None, help="dataset name or class path (default: the run's config.yaml)")
    p.add_argument("--data-root", default=None, help="data root (default: the run's, $GANZOO_DATA_ROOT, ~/.cache)")
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ema", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=None, help="JSON lines file (default: metrics.jsonl in the run directory)")
    return p


def _import(class_path: str) -> Any:
    module, _, name = class_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def datamodule_for(ckpt: Path, model: Any, data: str | None, root: str | None) -> Any:
    """The run's datamodule (from the ``config.yaml`` beside its checkpoints), or ``data`` at the model's size."""
    from ganzoo.registry import DATA

    if data is None:
        import yaml

        config = ckpt.resolve().parent.parent / "config.yaml"
        if not config.is_file():
            raise UserError(f"no config.yaml in {config.parent}; say which data to compare with: --data NAME")
        spec = yaml.safe_load(config.read_text())["data"]
        class_path, kwargs = spec["class_path"], dict(spec.get("init_args") or {})
    else:
        class_path = DATA[data].class_path if data in DATA else data
        kwargs = {"image_size": model.data_shape[-1]} if len(model.data_shape) == 3 else {}
    if root:
        kwargs["root"] = root
    return _import(class_path)(**kwargs)


def main(argv: list[str]) -> list[dict]:
    args = parser().parse_args(argv)
    from ganzoo import load_model
    from ganzoo.metrics.evaluate import append_jsonl, evaluate_images, evaluate_modes

    ckpt = Path(args.ckpt)
    model = load_model(ckpt, map_location=args.device).to(args.device)
    dm = datamodule_for(ckpt, model, args.data, args.data_root)
    dm.prepare_data()
    if hasattr(model, "translate"):
        from ganzoo.metrics.translation import evaluate_translation

        records = evaluate_translation(model, dm, args.feature, args.n_real or None, args.split, args.batch_size,
                                       args.ema, args.inception_weights)  # fmt: skip
    elif hasattr(dm, "modes"):
        records = evaluate_modes(model, dm, ema=args.ema, seed=args.seed)
    else:
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        records = evaluate_images(
            model, dm, metrics, args.feature or "inception", args.n_fake, args.n_real or None, args.split, args.ema,
            args.batch_size, args.seed, args.inception_weights,
        )  # fmt: skip
    out = Path(args.out) if args.out else ckpt.resolve().parent.parent / "metrics.jsonl"
    append_jsonl(out, records)
    width = max(len(r["metric"]) for r in records)
    print(f"{'metric':<{width}}  value")
    for r in records:
        print(f"{r['metric']:<{width}}  {r['value']:.4f}")
    print(f"ganzoo: appended {len(records)} lines to {out}")
    return records
