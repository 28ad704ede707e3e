"""Writes ``BENCHMARKS.md`` from the measured rows in ``benchmarks/results/*.jsonl``: nothing in it is typed by hand.

    python benchmarks/report.py [--out BENCHMARKS.md] [--readme README.md]

``--readme`` also rewrites the README's blocks marked ``<!-- report:NAME -->`` … ``<!-- /report:NAME -->`` (one per
entry of :data:`README_BLOCKS`: the Lucic et al., Stacked MNIST, quality-curve, 2D and CycleGAN results), so the
README cannot drift from the measured rows.

Every table row keeps the commit, device, torch threads and date it was measured with; rows measured under
different protocols are never merged into one mean.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import lucic2018
import quality
import stacked_mnist
from report_speed import speed_section
from report_tables import REPO, Column, Row, first, load, num, provenance, table
from toy2d import PUBLISHED


def quality_rows() -> list[Row]:
    """The longest run of each (model, data, protocol), the latest of equals (``quality.longest_runs``)."""
    return quality.longest_runs(load("quality.jsonl"))


def quality_curves_block() -> str:
    """The FID curves' table (best and final FID per variant) and their plot, per measured protocol."""
    rows = [r for r in quality_rows() if "curve" in r]
    if not rows:
        return "ganzoo: not run yet (`python benchmarks/quality.py --plot docs/quality.png`)."
    out = []
    for protocol in dict.fromkeys(r["protocol"] for r in rows):
        group = [r for r in rows if r["protocol"] == protocol]
        measured = "; ".join(dict.fromkeys(provenance(r) for r in group))
        out += [f"Protocol: {protocol}. Measured: {measured}.", "", quality.table(group, group[0]["samples"]), ""]
    out.append("![small-CNN FID against kimg and CPU minutes](docs/quality.png)")
    return "\n".join(out)


def quality_section() -> str:
    rows = quality_rows()
    images = [r for r in rows if r["model"] != "cyclegan" and "curve" not in r]
    cycle = [r for r in rows if r["model"] == "cyclegan"]
    out = ["## Sample quality as each variant trains (`benchmarks/quality.py`)", "", quality_curves_block(), ""]
    if images:
        out += ["### Earlier: one point per variant, at one budget", ""]
    for protocol in dict.fromkeys(r["protocol"] for r in images):
        out += [f"Protocol: {protocol}.", ""]
        group = sorted((r for r in images if r["protocol"] == protocol), key=lambda r: (r["data"], first(r, "fid_")))
        out.append(
            table(
                group,
                [
                    ("model", lambda r: r["model"]),
                    ("data", lambda r: r["data"]),
                    ("G steps", lambda r: r["g_steps"]),
                    ("FID (small CNN)", lambda r: num(first(r, "fid_lenet"))),
                    ("KID (small CNN)", lambda r: num(first(r, "kid_lenet"))),
                    ("IS (small CNN)", lambda r: num(first(r, "is_lenet"), 2)),
                    (
                        "FID (Inception)",
                        lambda r: num(first(r, "fid_", "lenet")) if first(r, "fid_", "lenet") else "not run",
                    ),
                    ("img/s", lambda r: num(r["img_per_s"], 0)),
                    ("minutes", lambda r: num(r["seconds"] / 60)),
                    ("measured", provenance),
                ],
            )
        )
        out.append("")
    if cycle:
        out += [cyclegan_block(cycle), ""]
    return "\n".join(out)


def cyclegan_block(rows: list[Row]) -> str:
    """CycleGAN's label preservation beside the no-adaptation baseline, one table per measured protocol."""
    out = []
    for r in rows:
        out += [f"CycleGAN, MNIST ↔ USPS. Protocol: {r['protocol']}; {provenance(r)}; {r['seconds'] / 60:.1f} min.", ""]
        out += ["| direction | no-adaptation accuracy | accuracy after translation | FID untranslated → translated |"]
        out.append("|---|---|---|---|")
        for d, name in (("a2b", "MNIST → USPS"), ("b2a", "USPS → MNIST")):
            acc, base = 100 * r[f"acc_{d}"], 100 * r[f"acc_{d}_baseline"]
            fid, fid_base = r[f"fid_lenet_{d}"], r[f"fid_lenet_{d}_baseline"]
            out.append(f"| {name} | {base:.2f} % | {acc:.2f} % | {fid_base:.0f} → {fid:.0f} |")
        out.append("")
    return "\n".join(out).rstrip()


def toy2d_table() -> str:
    # Per method, dataset and length, the row with the most seeds (then the latest) stands; toy2d.jsonl keeps the
    # history. A method's ring and grid cells may so come from different runs, and the protocol column says which.
    best: dict[tuple[str, str, int], Row] = {}
    for r in load("toy2d.jsonl"):
        key = (r["method"], r["dataset"], r["iterations"])
        if key not in best or r["seeds"] >= best[key]["seeds"]:
            best[key] = r

    def cell(r: Row | None, metric: str) -> str:
        if r is None or r[f"{metric}_mean"] is None:
            return "—"
        return f"{r[f'{metric}_mean']:.1f}" + (f" ± {r[f'{metric}_std']:.1f}" if r["seeds"] > 1 else "")

    def protocol(rows: list[Row]) -> str:
        if len({(r["seeds"], provenance(r)) for r in rows}) == 1:
            return f"{rows[0]['seeds']} seed(s) × {rows[0]['iterations']:,} it; {provenance(rows[0])}"
        return "; ".join(
            f"{r['dataset']}: {r['seeds']} seed(s) × {r['iterations']:,} it, {provenance(r)}" for r in rows
        )

    lines = [
        "| method | ring modes /8 | ring %HQ | grid modes /25 | grid %HQ | protocol |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {n} (published) | {rm} | {rh} | {gm} | {gh} | {src} |" for n, rm, rh, gm, gh, src in PUBLISHED]
    runs = list(dict.fromkeys((m, i) for m, _, i in best))
    # A method's "+ EMA" and "+ DRS" rows follow it, whenever they were measured.
    bases = list(dict.fromkeys(m.partition(" + ")[0] for m, _ in runs))
    suffixes = ["", "EMA", "DRS"]
    runs.sort(
        key=lambda run: (bases.index(run[0].partition(" + ")[0]), run[1], suffixes.index(run[0].partition(" + ")[2]))
    )
    for method, its in runs:
        ring, grid = best.get((method, "ring", its)), best.get((method, "grid", its))
        cells = [cell(r, m) for r in (ring, grid) for m in ("modes", "hq_pct")]
        lines.append(f"| ganzoo {method} | {' | '.join(cells)} | {protocol([r for r in (ring, grid) if r])} |")
    return "\n".join(lines)


def toy2d_section() -> str:
    return (
        "## Mode collapse on the 2D mixtures (`benchmarks/toy2d.py`)\n\nVEEGAN/GDPP networks and optimisers; 2,500 "
        "samples; high quality = within 3σ of a mode. Published rows first;\nthen, per method, its run with the most "
        f"seeds on each mixture (`toy2d.jsonl` keeps every run).\n\n{toy2d_table()}\n"
    )


def lucic2018_block() -> str:
    """The Lucic et al. table (ganzoo's mean ± std over seeds beside the published best) and where it was measured."""
    every = load("lucic2018.jsonl")
    rows = lucic2018.current(every)
    superseded = [r for r in every if r not in rows]
    earlier = "; ".join(f"{r['model']} {r['data']} seed {r['seed']} {r['fid']:.1f} ({r['commit']})" for r in superseded)
    if not rows:
        return "Not run yet: `python benchmarks/lucic2018.py`." + (f" Earlier settings: {earlier}." if earlier else "")
    engines = ", ".join(sorted({str(r.get("engine")) for r in rows}))
    commits = ", ".join(dict.fromkeys(r["commit"] for r in rows))
    dates = sorted(str(r["date"])[:10] for r in rows)
    minutes = sum(r["fit_seconds"] + r["eval_seconds"] for r in rows) / 60
    return (
        f"{lucic2018.table(rows)}\n\nganzoo: one setting per model (`configs/lucic2018/`), `fid_10k_test` (Inception "
        f"pool3, engine {engines}); {len(rows)} run{'s' * (len(rows) != 1)}, {minutes:,.0f} minutes in all, "
        f"commits {commits}, "
        f"{dates[0]} to {dates[-1]}. Published: Lucic et al. 2018, best of a 100-point search per model."
        + (f" Runs of settings since changed, not in the table: {earlier}." if superseded else "")
    )


def lucic2018_section() -> str:
    rows = load("lucic2018.jsonl")
    current = lucic2018.current(rows)
    columns: list[Column] = [
        ("model", lambda r: r["model"]),
        ("data", lambda r: r["data"]),
        ("seed", lambda r: r["seed"]),
        ("FID (Inception, 10k test)", lambda r: num(r["fid"], 2)),
        ("kimg", lambda r: num(r["kimg"], 0)),
        ("G steps", lambda r: f"{r['g_steps']:,}"),
        ("fit minutes (CPU minutes)", lambda r: f"{r['fit_seconds'] / 60:.0f} ({r['fit_cpu_seconds'] / 60:.0f})"),
        ("FID minutes", lambda r: f"{r['eval_seconds'] / 60:.1f}"),
        ("engine", lambda r: r.get("engine")),
        ("settings", lambda r: r.get("settings", "—") + ("" if r in current else " (since changed)")),
        ("measured", provenance),
    ]
    out = ["## Lucic et al. (2018) on MNIST and Fashion-MNIST (`benchmarks/lucic2018.py`)", "", lucic2018_block()]
    if rows:
        out += ["", "Every run:", "", table(rows, columns)]
    return "\n".join(out) + "\n"


def stacked_mnist_block() -> str:
    """Both Stacked MNIST settings: the published rows, then ganzoo's per method (mean ± std over seeds)."""
    rows = [r for r in load("stacked_mnist.jsonl") if stacked_mnist.current(r)]
    tables = "\n\n".join(stacked_mnist.table(rows, s) for s in stacked_mnist.SETTINGS)
    if not rows:
        return f"{tables}\n\nganzoo: not run yet (`python benchmarks/stacked_mnist.py`)."
    commits = ", ".join(dict.fromkeys(r["commit"] for r in rows))
    dates = sorted(str(r["date"])[:10] for r in rows)
    return f"{tables}\n\nganzoo rows: {len(rows)} runs, commits {commits}, {dates[0]} to {dates[-1]}, CPU."


def stacked_mnist_section() -> str:
    return f"## Stacked MNIST, 1,000 modes (`benchmarks/stacked_mnist.py`)\n\n{stacked_mnist_block()}\n"


#: README blocks between ``<!-- report:NAME -->`` and ``<!-- /report:NAME -->`` that ``--readme`` refreshes.
README_BLOCKS: dict[str, Callable[[], str]] = {
    "lucic2018": lucic2018_block,
    "stacked_mnist": stacked_mnist_block,
    "quality": quality_curves_block,
    "toy2d": toy2d_table,
    "cyclegan": lambda: cyclegan_block([r for r in load("quality.jsonl") if r["model"] == "cyclegan"][-1:]),
}


def sync_readme(text: str) -> str:
    """``text`` with every marked block replaced by its current report."""
    for name, render in README_BLOCKS.items():
        start, end = f"<!-- report:{name} -->", f"<!-- /report:{name} -->"
        if start not in text or end not in text:
            raise SystemExit(f"README lacks the markers {start} … {end}")
        head, _, rest = text.partition(start)
        text = f"{head}{start}\n{render()}\n{end}{rest.partition(end)[2]}"
    return text


def budget(row: Row) -> str:
    if row.get("budget_cpu_minutes"):
        return f"{row['budget_cpu_minutes']:g} CPU min"
    return f"{row['budget_minutes']:g} min" if row["budget_minutes"] else f"{row['budget_kimg']:g} kimg"


def stylegan_model(row: Row) -> str:
    """The model, its ``--set`` overrides (without the ``model.`` prefix; learning rates have their own column) and
    whether the EMA generator was judged."""
    settings = [arg.removeprefix("model.") for arg in row.get("overrides", []) if ".init_args.lr=" not in arg]
    return row["model"] + (f" ({', '.join(settings)})" if settings else "") + (" (EMA)" if row.get("ema") else "")


def adam_lr(row: Row) -> str:
    lr = row.get("lr")
    return f"{lr['g']:g} / {lr['d']:g}" if lr else "?"


def stylegan_section() -> str:
    rows = load("stylegan_vs_dcgan.jsonl")
    if not rows:
        return ""
    return "\n".join(
        [
            "## StyleGAN-lite against DCGAN at the same CPU time (`benchmarks/stylegan_vs_dcgan.py`)",
            "",
            table(
                rows,
                [
                    ("model", stylegan_model),
                    ("data", lambda r: r["data"]),
                    ("budget", budget),
                    ("seed", lambda r: r["seed"]),
                    ("Adam lr G / D", adam_lr),
                    ("kimg", lambda r: num(r["kimg"])),
                    ("img/s", lambda r: num(r["images_per_s"])),
                    (rows[0]["metric"], lambda r: num(r["fid"])),
                    ("measured", provenance),
                ],
            ),
            "",
        ]
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--readme", type=Path, default=None, help="also refresh this README's marked result blocks")
    args = parser.parse_args()
    if args.readme:
        args.readme.write_text(sync_readme(args.readme.read_text()))
        print(f"refreshed {args.readme}")
    header = (
        "# ganzoo benchmarks\n\nGenerated by `python benchmarks/report.py` from `benchmarks/results/*.jsonl`; every "
        "number is a measured row, with the commit, device, torch threads and date it was measured on. CPU rows come "
        "from a shared 2-core machine: wall times are upper bounds. `make bench-ci` reruns quick versions of these "
        "scripts in CI (their output goes to `benchmarks/results/ci/`, which is not committed).\n"
    )
    sections = [header, lucic2018_section(), stacked_mnist_section(), quality_section(), toy2d_section(),
                stylegan_section(), speed_section()]  # fmt: skip
    args.out.write_text("\n".join(s for s in sections if s).rstrip() + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
