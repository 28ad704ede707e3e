"""``ganzoo evaluate``: metrics of a checkpoint, printed as a table and appended as JSON lines.

What is measured follows from the model and the data, as during training (:func:`ganzoo.metrics.evaluate.evaluate`):
FID/KID/IS of generated images, mode coverage on the 2D toys, label preservation and FIDs of translations.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from ganzoo.console import plain
from ganzoo.errors import UserError
from ganzoo.metrics.protocol import EvaluationOptions
from ganzoo.parse_errors import CommandParser

#: fit's flags are LightningCLI's (``--metrics.n_fake``); these commands accept both spellings of theirs.
FLAG_STYLE = (
    "Every --dashed-flag is also accepted as --underscored_flag, the spelling of `ganzoo fit`'s options, and --ckpt as "
    "--ckpt_path."
)


def add_checkpoint_flag(p: argparse.ArgumentParser) -> None:
    """The checkpoint flag of ``sample`` and ``evaluate``, under Lightning's spelling too."""
    p.add_argument("--ckpt", "--ckpt_path", required=True,
                   help="a checkpoint written by `ganzoo fit` (loaded weights-only)")  # fmt: skip


def parser() -> argparse.ArgumentParser:
    from ganzoo.metrics.protocol import metrics

    by_subject: dict[str, list[str]] = {}
    for metric in metrics().values():
        by_subject.setdefault(metric.subject, []).append(metric.name)
    listing = "; ".join(f"{subject}: {', '.join(names)}" for subject, names in by_subject.items())
    p = CommandParser(prog="ganzoo evaluate", description=plain(__doc__), epilog=FLAG_STYLE)
    add_checkpoint_flag(p)
    p.add_argument("--metrics", default=None, help=f"comma-separated (default: all of the subject's): {listing}")
    p.add_argument("--n-fake", "--n_fake", type=int, default=10_000)
    p.add_argument("--n-real", "--n_real", type=int, default=10_000,
                   help="real reference size; images per domain for translation models (0: whole split)")  # fmt: skip
    p.add_argument("--split", choices=["test", "train"], default="test")
    p.add_argument("--feature", choices=["inception", "lenet"], default=None,
                   help="default inception; lenet for translation models on classified data (mnist_usps)")  # fmt: skip
    p.add_argument("--inception-weights", "--inception_weights", default=None,
                   help="local Inception weights ($GANZOO_INCEPTION_WEIGHTS)")  # fmt: skip
    p.add_argument("--data", default=None, help="dataset name or class path (default: the run's config.yaml)")
    p.add_argument("--data-root", "--data_root", default=None,
                   help="data root (default: the run's, $GANZOO_DATA_ROOT, ~/.cache)")  # fmt: skip
    p.add_argument("--batch-size", "--batch_size", type=int, default=EvaluationOptions.batch_size,
                   help="images per feature-network batch (never changes which images are generated)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ema", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=None, help="JSON lines file (default: metrics.jsonl in the run directory)")
    return p


def _import(class_path: str) -> Any:
    module, _, name = class_path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as err:
        raise UserError(f"cannot import the datamodule {class_path!r} ({err}); give a name from `ganzoo datasets` "
                        "or a dotted class path") from err  # fmt: skip


def datamodule_for(ckpt: Path, model: Any, data: str | None, root: str | None) -> Any:
    """The run's datamodule (from the ``config.yaml`` beside its checkpoints), or ``data`` at the model's size."""
    from ganzoo.registry import datasets

    if data is None:
        import yaml

        config = ckpt.resolve().parent.parent / "config.yaml"
        if not config.is_file():
            raise UserError(f"no config.yaml in {config.parent}; say which data to compare with: --data NAME")
        spec = yaml.safe_load(config.read_text())["data"]
        class_path, kwargs = spec["class_path"], dict(spec.get("init_args") or {})
    else:
        table = datasets()
        if data not in table and "." not in data:
            raise UserError(f"unknown dataset {data!r}; choose one of: {', '.join(table)} (see `ganzoo datasets`)")
        class_path = table[data].class_path if data in table else data
        kwargs = {"image_size": model.data_shape[-1]} if len(model.data_shape) == 3 else {}
    if root:
        kwargs["root"] = root
    return _import(class_path)(**kwargs)


def main(argv: list[str]) -> list[dict]:
    args = parser().parse_args(argv)
    from ganzoo import load_model
    from ganzoo.metrics.evaluate import append_jsonl, check_appendable, evaluate, subject_of
    from ganzoo.metrics.protocol import EvaluationOptions, select

    options = EvaluationOptions(
        feature=args.feature or "auto", n_fake=args.n_fake, n_real=args.n_real or None, split=args.split,
        ema=args.ema, batch_size=args.batch_size, seed=args.seed, inception_weights=args.inception_weights,
        progress=True,
    )  # fmt: skip
    names = None if args.metrics is None else [m.strip() for m in args.metrics.split(",") if m.strip()]
    if names == []:
        raise UserError("--metrics names no metric; leave it out for the defaults")
    ckpt = Path(args.ckpt)
    model = load_model(ckpt, map_location=args.device).to(args.device)
    out = Path(args.out) if args.out else ckpt.resolve().parent.parent / "metrics.jsonl"
    check_appendable(out, "--out")
    dm = datamodule_for(ckpt, model, args.data, args.data_root)
    if args.feature is None and subject_of(model, dm) == "images":
        options.feature = "inception"  # the papers' protocol unless asked otherwise
    select(names, subject_of(model, dm), dm)  # an unknown name fails before any work
    dm.prepare_data()
    records = evaluate(model, dm, names, options)
    if not records:
        raise UserError("the chosen metrics produced no value for this model and data; see `ganzoo evaluate --help`")
    append_jsonl(out, records)
    width = max(len(r["metric"]) for r in records)
    print(f"{'metric':<{width}}  value")
    for r in records:
        print(f"{r['metric']:<{width}}  {r['value']:.4f}")
    print(f"ganzoo: appended {len(records)} lines to {out}")
    return records
