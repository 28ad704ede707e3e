"""The speed part of ``BENCHMARKS.md``: throughput against plain PyTorch, CPU fast paths and scaling, metric cost,
and ``make gpu-check`` runs (rendered here so that ``speed.py`` prints its tables with the report's own columns)."""

from __future__ import annotations

from report_tables import Column, Row, load, num, percent, provenance, table


def speed_section() -> str:
    throughput, metrics = load("throughput.jsonl"), load("metrics_speed.jsonl")
    out = ["## Speed (`benchmarks/throughput.py`, `benchmarks/speed.py`, `benchmarks/metrics_speed.py`)", ""]
    if throughput:
        out += [
            "Training images/s of `ganzoo fit`'s step against a plain PyTorch loop doing the same work:",
            "",
            table(
                throughput,
                [
                    ("model", lambda r: r["model"]),
                    ("data", lambda r: r["data"]),
                    ("batch", lambda r: r["batch_size"]),
                    ("ganzoo img/s", lambda r: num(r["images_per_s_ganzoo"])),
                    ("plain img/s", lambda r: num(r["images_per_s_plain"])),
                    ("ratio", lambda r: num(r["ratio"], 3)),
                    ("GFLOP/img (counted)", lambda r: num(r.get("gflop_per_image"), 3)),
                    ("TFLOP/s", lambda r: num(r.get("tflops_ganzoo"), 3)),
                    ("MFU", lambda r: f"{100 * r['mfu']:.2f} %" if r.get("mfu") is not None else "—"),
                    ("allocator", lambda r: r.get("allocator", "system defaults")),  # rows from before the setting
                    ("measured", provenance),
                ],
            ),
            "",
        ]
    if allocator := load("allocator.jsonl"):
        out += [
            "glibc's allocator with its defaults against ganzoo's setting (`ganzoo.allocator.keep_freed_memory`, "
            "applied by the `ganzoo` command; `benchmarks/allocator.py`, a fresh process per run):",
            "",
            table(
                allocator,
                [
                    ("model", lambda r: r["model"]),
                    ("path", lambda r: r["path"]),
                    ("img/s, glibc defaults", lambda r: num(r["images_per_s_default"])),
                    ("img/s, freed memory kept", lambda r: num(r["images_per_s_kept"])),
                    ("speed-up", lambda r: num(r["speedup"], 3)),
                    ("page faults/batch, defaults", lambda r: f"{r['faults_per_batch_default']:,}"),
                    ("kept", lambda r: f"{r['faults_per_batch_kept']:,}"),
                    ("measured", provenance),
                ],
            ),
            "",
        ]
    if metrics:
        columns: list[Column] = [
            ("what", lambda r: r["what"]),
            ("value", lambda r: f"{num(r['value'])} {r['unit']}"),
            ("peak memory", lambda r: f"{r['peak_rss_mib'] / 1024:.1f} GiB" if "peak_rss_mib" in r else "—"),
            ("measured", provenance),
        ]
        out += [table(metrics, columns), ""]
    out += cpu_speed_section(load("speed.jsonl")) + gpu_check_section(load("gpu_check.jsonl"))
    return "\n".join(out)


def cpu_speed_section(rows: list[Row]) -> list[str]:
    """The latest run of each section of ``speed.py`` (fast paths, quality, scaling, metric cost)."""
    if not rows:
        return []

    def latest_run(section: str) -> list[Row]:
        mine = [r for r in rows if r["section"] == section]
        last = mine[-1] if mine else None
        return [r for r in mine if last and (r["commit"], r["date"][:13]) == (last["commit"], last["date"][:13])]

    run = [r for section in ("paths", "quality", "scaling", "metrics") for r in latest_run(section)]
    peak = next(r for r in reversed(rows) if r["section"] == "peak")
    out = [f"CPU fast paths and scaling (`benchmarks/speed.py`; GEMM peak measured in the latest run: fp32 "
           f"{num(peak['fp32_gflops'], 0)} GFLOP/s, bf16 {num(peak['bf16_gflops'], 0)} GFLOP/s; {provenance(peak)}):",
           ""]  # fmt: skip
    sections: dict[str, list[Column]] = {
        "paths": [("model", lambda r: r["model"]), ("path", lambda r: r["path"]),
                  ("img/s", lambda r: num(r["images_per_s"])), ("GFLOP/s", lambda r: num(r.get("gflops"), 0)),
                  ("of peak", lambda r: percent(r.get("of_peak"))),
                  ("D-loss max diff, 20 steps", lambda r: f"{r['loss_d_max_abs_diff']:.1e}"
                   if r.get("loss_d_max_abs_diff") is not None else "—")],
        "quality": [("model", lambda r: r["model"]), ("data", lambda r: r["data"]), ("path", lambda r: r["path"]),
                    ("kimg", lambda r: f"{r['kimg']:g}"), (run_metric(run), lambda r: num(r["value"], 2)),
                    ("seconds", lambda r: num(r["seconds"], 0))],
        "scaling": [("model", lambda r: r["model"]), ("batch", lambda r: r["batch"]),
                    ("resolution", lambda r: r["resolution"]), ("img/s", lambda r: num(r["images_per_s"])),
                    ("GFLOP/s", lambda r: num(r["gflops"], 0)), ("of fp32 peak", lambda r: percent(r["of_peak"])),
                    ("peak RSS MiB", lambda r: r["peak_rss_mib"])],
        "metrics": [("metric", lambda r: r["metric"]), ("data", lambda r: r["data"]),
                    ("generated samples", lambda r: f"{r['n_fake']:,}"), ("seconds", lambda r: num(r["seconds"])),
                    ("peak RSS MiB", lambda r: num(r["peak_rss_mib"], 0))],
    }  # fmt: skip
    for name, columns in sections.items():
        if mine := [r for r in run if r["section"] == name]:
            out += [table(mine, columns), ""]
    return out


def run_metric(rows: list[Row]) -> str:
    return next((r["metric"] for r in rows if r["section"] == "quality"), "FID")


def gpu_check_section(rows: list[Row]) -> list[str]:
    """Every ``make gpu-check`` run on a GPU, newest first."""
    if not rows:
        return []
    columns: list[Column] = [("check", lambda r: r["check"]),
                             ("what", lambda r: r.get("model") or r.get("metric") or r.get("feature") or ""),
                             ("setting", lambda r: r.get("precision") or r.get("batch") or ""),
                             ("status", lambda r: r.get("status", "ok")),
                             ("img/s or s", lambda r: num(r.get("images_per_s") or r.get("seconds"))),
                             ("MFU", lambda r: percent(r.get("mfu"))), ("measured", provenance)]  # fmt: skip
    return ["`make gpu-check` (`benchmarks/gpu_check.py`) on a GPU:", "", table(rows[::-1], columns), ""]
