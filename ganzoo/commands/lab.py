"""``ganzoo lab [NAME ...]``: the GAN notes' claims as experiments. With no name, lists them; with names (or
``all``), runs each, prints its numbers and writes its figures and a JSON of its numbers to ``--out``."""

from __future__ import annotations

import argparse
import json
import logging
import warnings
from pathlib import Path

from ganzoo.console import plain
from ganzoo.errors import UserError
from ganzoo.parse_errors import CommandParser


def parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="ganzoo lab", description=plain(__doc__))
    p.add_argument("names", nargs="*", help="experiments to run (`all` for every one); none: list them")
    p.add_argument("--out", default="lab", help="folder for the figures and JSON files (default ./lab)")
    p.add_argument("--tiny", action="store_true", help="a seconds-long smoke version (what the tests run)")
    return p


def main(argv: list[str]) -> None:
    from ganzoo.lab import experiments, run

    args = parser().parse_args(argv)
    table = experiments()
    if not args.names:
        width = max(map(len, table))
        for name, entry in table.items():
            print(f"{name:<{width}}  §{entry.section}: {entry.claim}")
        return
    names = list(table) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in table]
    if unknown:
        raise UserError(f"unknown experiment {unknown[0]!r}; choose from: {', '.join(table)} (or all)")
    # Each experiment trains small models in bare Trainers: Lightning's per-run notices would drown its numbers.
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="lightning")
    out = Path(args.out)
    for name in names:
        result = run(name, out, tiny=args.tiny)
        shown = {k: v for k, v in result.items() if k not in ("claim", "fingerprint", "tiny", "figures")}
        print(json.dumps(shown, indent=1, default=float))
        print(f"figures: {', '.join(str(out / f) for f in result['figures'])}; numbers: {out / (name + '.json')}")
