#!/usr/bin/python3
"""Figures and markdown tables from a sweep's results (bench/sweep/sweep.py).

Usage:
  /usr/bin/python3 bench/sweep/plots.py DIR [--img-dir docs/img]

Reads DIR/results.csv (the last row of status ok per point id) and, for the
drift figure, DIR/raw/; writes PNGs into --img-dir (default docs/img/ in the
repository) and DIR/tables.md. A figure or table whose section has no rows is
skipped with a message. Each figure's footer names the machine, the models, the
git revision and the dates of its rows.

Needs matplotlib: run it with Debian's /usr/bin/python3 (python3-matplotlib),
not a python3 on PATH without it.
"""
import argparse
import collections
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

import grid  # noqa: E402
import results  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODE_COLORS = {"exact": "tab:blue", "sparse-draft": "tab:orange", "topk": "tab:green",
               "dense": "tab:red", "": "black"}


# --- Rows -----------------------------------------------------------------------

def load_rows(csv_path):
    """The last row of status ok of each point id, in the CSV's order."""
    latest = {}
    for row in results.read_rows(csv_path):
        if row["status"] == "ok":
            latest.pop(row["point_id"], None)
            latest[row["point_id"]] = row
    return list(latest.values())


def in_section(rows, section):
    return [r for r in rows if section in r["section"].split("+")]


def fixed_gamma_rows(rows):
    """The gamma section's rows of a fixed-gamma method."""
    return [r for r in in_section(rows, "gamma") if r["gamma_policy"] == "fixed"]


def num(row, key):
    """A numeric cell as float, None when empty."""
    return float(row[key]) if row.get(key, "") != "" else None


def method_label(row):
    """cloud-ar, edge-only, sync G=4, pipelined G=8 or pipelined-adaptive."""
    if row["gamma_policy"] == "fixed":
        return f"{row['method'].split('-')[0]} G={row['gamma']}"
    return row["method"]


def method_labels(rows):
    """The method labels among rows, in grid.METHODS order, then by gamma."""
    order = list(grid.METHODS)
    keyed = {(order.index(r["method"]), int(r["gamma"]), method_label(r)) for r in rows}
    return [label for _, _, label in sorted(keyed)]


def reference_rate(rows, row):
    """tok/s of cloud-only AR with row's link, temperature, compute and size, or None."""
    for other in rows:
        if other["method"] == "cloud-ar" and all(
                other[k] == row[k] for k in ("link", "temperature", "compute", "max_tokens",
                                             "n_prompts")):
            return num(other, "tokens_per_second")
    return None


# --- Figure furniture -------------------------------------------------------------

def footer(rows):
    """Machine, models, git revisions and dates of the rows, for a figure's footer."""
    shas = sorted({r["git_sha"] + ("-dirty" if r["git_dirty"] == "dirty" else "") for r in rows})
    days = sorted({r["date"][:10] for r in rows})
    date = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    first = rows[0]
    return (f"{first['machine']} | target {first['target_model']}, draft {first['draft_model']}"
            f" | git {', '.join(shas)} | {date}")


def save(fig, rows, img_dir, name):
    fig.text(0.01, 0.005, footer(rows), fontsize=7, color="dimgray", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = os.path.join(img_dir, name)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"plots: wrote {path}", file=sys.stderr)


def skip(name, section):
    print(f"plots: skipping {name}: no rows of section {section}", file=sys.stderr)


def panel_grid(n_panels, width=5.0, height=3.8, min_width=9.0):
    """A figure with n_panels axes in rows of at most 3, at least min_width
    inches wide (room for the footer); returns (fig, flat axes)."""
    n_cols = min(3, n_panels)
    n_rows = math.ceil(n_panels / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols,
                             figsize=(max(min_width, width * n_cols), height * n_rows + 0.4),
                             squeeze=False)
    flat = [ax for line in axes for ax in line]
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat


# --- Figures ------------------------------------------------------------------------

def plot_speedup_vs_rtt(rows, img_dir):
    """Speedup over cloud-only AR vs RTT, a line per method, a panel per
    (compute profile, temperature). Edge-only is measured once per panel (it
    does not use the link) and drawn against each RTT's cloud AR."""
    name, rows = "speedup_vs_rtt.png", in_section(rows, "rtt")
    if not rows:
        skip(name, "rtt")
        return
    panels = sorted({(r["compute"], float(r["temperature"])) for r in rows})
    fig, axes = panel_grid(len(panels))
    for ax, (compute, temperature) in zip(axes, panels):
        panel = [r for r in rows if r["compute"] == compute
                 and float(r["temperature"]) == temperature]
        cloud = {num(r, "rtt_ms"): num(r, "tokens_per_second") for r in panel
                 if r["method"] == "cloud-ar"}
        edge = [num(r, "tokens_per_second") for r in panel if r["method"] == "edge-only"]
        lines = collections.defaultdict(list)
        for r in panel:
            if r["method"] not in ("cloud-ar", "edge-only") and num(r, "rtt_ms") in cloud:
                lines[method_label(r)].append(
                    (num(r, "rtt_ms"), num(r, "tokens_per_second") / cloud[num(r, "rtt_ms")]))
        if edge:
            lines["edge-only"] = [(rtt, edge[0] / rate) for rtt, rate in cloud.items()]
        for label in [m for m in method_labels(panel) if m in lines]:
            xs, ys = zip(*sorted(lines[label]))
            ax.plot(xs, ys, marker="o", label=label,
                    linestyle=":" if label == "edge-only" else "-")
        ax.axhline(1.0, color="black", linewidth=0.8, label="cloud-only AR")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("RTT (ms)")
        ax.set_ylabel("speedup over cloud-only AR")
        ax.set_title(f"compute {compute}, T = {temperature:g}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Speedup over cloud-only autoregressive decoding vs RTT (20 Mbit/s, no loss)")
    save(fig, rows, img_dir, name)


def sd_methods(rows):
    """The speculative method labels among rows, in method_labels' order."""
    return method_labels([r for r in rows if r["mode"]])


def plot_throughput_vs_bandwidth(rows, img_dir):
    """tok/s vs link rate (log x), a panel per speculative method, a line per mode."""
    name, rows = "throughput_vs_bandwidth.png", in_section(rows, "bandwidth")
    if not rows:
        skip(name, "bandwidth")
        return
    methods = sd_methods(rows)
    fig, axes = panel_grid(len(methods))
    cloud = sorted((num(r, "rate_kbps"), num(r, "tokens_per_second"))
                   for r in rows if r["method"] == "cloud-ar")
    for ax, method in zip(axes, methods):
        for mode in grid.SD_MODES:
            points = sorted((num(r, "rate_kbps"), num(r, "tokens_per_second")) for r in rows
                            if method_label(r) == method and r["mode"] == mode)
            if points:
                ax.plot(*zip(*points), marker="o", label=mode, color=MODE_COLORS[mode])
        if cloud:
            ax.plot(*zip(*cloud), marker="s", linestyle="--", label="cloud-only AR",
                    color=MODE_COLORS[""])
        ax.set_xscale("log")
        ax.set_xlabel("link rate, both directions (kbit/s)")
        ax.set_ylabel("tokens/s")
        ax.set_title(method)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Throughput vs bandwidth per verification mode (RTT 60 ms)")
    save(fig, rows, img_dir, name)


def plot_bytes_per_token(rows, img_dir):
    """Uplink and downlink message bytes per generated token per mode (log y), at
    the bandwidth section's highest rate, a panel per speculative method."""
    name, rows = "bytes_per_token.png", in_section(rows, "bandwidth")
    if not rows:
        skip(name, "bandwidth")
        return
    top_rate = max(num(r, "rate_kbps") for r in rows)
    rows = [r for r in rows if num(r, "rate_kbps") == top_rate]
    methods = sd_methods(rows)
    fig, axes = panel_grid(len(methods))
    cloud = [r for r in rows if r["method"] == "cloud-ar"]
    for ax, method in zip(axes, methods):
        bars = [(mode, r) for mode in grid.SD_MODES for r in rows
                if method_label(r) == method and r["mode"] == mode]
        bars += [("cloud-only AR", r) for r in cloud]
        xs = range(len(bars))
        ax.bar([x - 0.2 for x in xs], [num(r, "uplink_bytes_per_token") for _, r in bars],
               width=0.4, label="uplink")
        ax.bar([x + 0.2 for x in xs], [num(r, "downlink_bytes_per_token") for _, r in bars],
               width=0.4, label="downlink")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([label for label, _ in bars], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("bytes per generated token (messages)")
        ax.set_title(method)
        ax.grid(True, axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Link bytes per token per verification mode ({top_rate:g} kbit/s, RTT 60 ms)")
    save(fig, rows, img_dir, name)


def schedule_phases(path):
    """[(start_s, RTT ms)] of a tandem-linkem schedule file's delay_ms changes."""
    phases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            settings = dict(field.split("=", 1) for field in fields[1:])
            if "delay_ms" in settings:
                phases.append((float(fields[0]) / 1000, 2 * float(settings["delay_ms"])))
    return phases


def plot_drift_gamma(rows, raw_dir, img_dir):
    """The controller's gamma and D over time on the drifting link, one panel
    per compute profile of the drift section's pipelined-adaptive rows, with
    the schedule's slow phases shaded. The schedule runs from tandem-linkem's
    start; the generation started total_ms before tandem-edge exited."""
    name = "drift_gamma.png"
    rows = [r for r in in_section(rows, "drift") if r["method"] == "pipelined-adaptive"]
    if not rows:
        skip(name, "drift")
        return
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 3.6 * len(rows)), squeeze=False)
    for ax, row in zip(axes[:, 0], rows):
        if not plot_drift_panel(ax, row, raw_dir):
            print(f"plots: {row['point_id']}: no gamma_trace, raw run or schedule",
                  file=sys.stderr)
    axes[-1, 0].set_xlabel("time since the generation started (s)")
    save(fig, rows, img_dir, name)


def plot_drift_panel(ax, row, raw_dir):
    """One drift row's gamma and D steps on `ax`; False if it has no trace
    (or no raw run, or no schedule)."""
    point_dir = os.path.join(raw_dir, *row["point_id"].split("/"))
    if not row["schedule"] or not os.path.exists(os.path.join(point_dir, "0.json")):
        return False
    with open(os.path.join(point_dir, "0.json"), encoding="utf-8") as f:
        run = json.load(f)
    with open(os.path.join(point_dir, "timing.json"), encoding="utf-8") as f:
        timing = json.load(f)
    trace = run.get("gamma_trace") or []
    if not trace:
        return False
    generation_start_s = timing["edge_exit_s"][0] - run["total_ms"] / 1000
    end_s = run["total_ms"] / 1000
    times = [t / 1000 for t, _, _ in trace] + [end_s]
    ax.step(times, [g for _, g, _ in trace] + [trace[-1][1]], where="post", label="gamma")
    ax.step(times, [d for _, _, d in trace] + [trace[-1][2]], where="post", linestyle="--",
            label="D (draft-ahead)")
    phases = schedule_phases(os.path.join(ROOT, row["schedule"]))
    slow_rtt = max(rtt for _, rtt in phases)
    for (start, rtt), (end, _) in zip(phases, phases[1:] + [(math.inf, 0)]):
        if rtt == slow_rtt:
            ax.axvspan(max(start - generation_start_s, 0), min(end - generation_start_s, end_s),
                       color="tab:red", alpha=0.12, linewidth=0)
    ax.set_xlim(0, end_s)
    ax.set_ylabel("tokens")
    ax.set_title(f"Adaptive gamma on a drifting link (shaded: RTT {slow_rtt:g} ms phases; "
                 f"else RTT {min(rtt for _, rtt in phases):g} ms), {row['compute']}, "
                 f"T = {float(row['temperature']):g}, {row['generated_tokens']} tokens, "
                 f"{num(row, 'tokens_per_second'):.1f} tok/s", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return True


def plot_measured_vs_predicted(rows, img_dir):
    """Measured steady-state tok/s (1 / TPOT) vs the analytic pipeline model's
    prediction, every speculative row that has one, with y = x."""
    name = "measured_vs_predicted.png"
    rows = [r for r in rows if (num(r, "predicted_tokens_per_second") or 0) > 0
            and (num(r, "tpot_ms") or 0) > 0]
    if not rows:
        print(f"plots: skipping {name}: no rows with predicted_tokens_per_second",
              file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for method in sd_methods(rows):
        mine = [r for r in rows if method_label(r) == method]
        ax.scatter([num(r, "predicted_tokens_per_second") for r in mine],
                   [1000 / num(r, "tpot_ms") for r in mine], s=14, label=method)
    values = [num(r, "predicted_tokens_per_second") for r in rows]
    values += [1000 / num(r, "tpot_ms") for r in rows]
    low, high = min(values) / 1.2, max(values) * 1.2
    ax.plot([low, high], [low, high], color="black", linewidth=0.8, label="y = x")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("predicted tokens/s (analytic model, the run's own estimates)")
    ax.set_ylabel("measured tokens/s after the first token (1 / TPOT)")
    ax.set_title("Measured vs analytic pipeline model, all sections")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    save(fig, rows, img_dir, name)


def plot_gamma_sweep(rows, img_dir):
    """tok/s vs fixed G for sync and pipelined, a panel per temperature, with
    cloud-only AR over the same link for reference."""
    name, all_rows, rows = "gamma_sweep.png", rows, fixed_gamma_rows(rows)
    if not rows:
        skip(name, "gamma")
        return
    temperatures = sorted({float(r["temperature"]) for r in rows})
    fig, axes = panel_grid(len(temperatures))
    for ax, temperature in zip(axes, temperatures):
        panel = [r for r in rows if float(r["temperature"]) == temperature]
        for method in [m for m in grid.METHODS if any(r["method"] == m for r in panel)]:
            points = sorted((int(r["gamma"]), num(r, "tokens_per_second")) for r in panel
                            if r["method"] == method)
            ax.plot(*zip(*points), marker="o", label=method)
        reference = reference_rate(all_rows, panel[0])
        if reference:
            ax.axhline(reference, color="black", linestyle="--", linewidth=0.8,
                       label="cloud-only AR")
        ax.set_xlabel("gamma (drafted tokens per chunk)")
        ax.set_ylabel("tokens/s")
        ax.set_title(f"{panel[0]['link']}, {panel[0]['compute']}, T = {temperature:g}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Fixed gamma: synchronous vs pipelined speculative decoding")
    save(fig, rows, img_dir, name)


def plot_ablation(rows, img_dir):
    """tok/s per ablation variant, a bar group per temperature."""
    name, rows = "ablation.png", in_section(rows, "ablation")
    if not rows:
        skip(name, "ablation")
        return
    temperatures = sorted({float(r["temperature"]) for r in rows})
    labels = list(grid.ABLATION_VARIANTS)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(temperatures)
    for i, temperature in enumerate(temperatures):
        by_label = {grid.ablation_label(r): num(r, "tokens_per_second") for r in rows
                    if float(r["temperature"]) == temperature}
        xs = [x + (i - (len(temperatures) - 1) / 2) * width for x in range(len(labels))]
        heights = [by_label.get(label) or 0 for label in labels]
        bars = ax.bar(xs, heights, width=width, label=f"T = {temperature:g}")
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("tokens/s")
    ax.set_title(f"Ablation over {rows[0]['link']}, compute {rows[0]['compute']}")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, rows, img_dir, name)


# --- Tables -------------------------------------------------------------------------

def fmt(value, digits=1):
    return "" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def markdown_table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def wan_table(rows):
    """The headline over wan: tok/s and speedups per (compute, temperature),
    against cloud AR, sync G = 4 and the best sync G measured there. Every
    default-mode (exact, m = 8) row over the wan section's link counts, whichever
    section asked for it: the gamma section's sync G sweep is part of "best sync"."""
    links = {r["link"] for r in in_section(rows, "wan")}
    rows = [r for r in rows if r["link"] in links
            and (not r["mode"] or (r["mode"] == "exact" and r["residual_candidates"] == "8"))]
    lines = []
    for compute, temperature in sorted({(r["compute"], float(r["temperature"])) for r in rows},
                                       key=lambda k: (list(grid.COMPUTE).index(k[0]), k[1])):
        here = [r for r in rows
                if r["compute"] == compute and float(r["temperature"]) == temperature]
        rate = {r["method"]: num(r, "tokens_per_second") for r in here if r["method"] != "sync"}
        sync_by_gamma = {int(r["gamma"]): num(r, "tokens_per_second")
                         for r in here if r["method"] == "sync"}
        cloud, adaptive = rate.get("cloud-ar"), rate.get("pipelined-adaptive")
        sync4 = sync_by_gamma.get(4)
        best_gamma = max(sync_by_gamma, key=lambda g: sync_by_gamma[g] or 0, default=None)
        best_sync = sync_by_gamma.get(best_gamma)
        lines.append([compute, f"{temperature:g}", fmt(cloud), fmt(sync4),
                      f"{fmt(best_sync)} (G={best_gamma})" if best_sync else "",
                      fmt(adaptive), fmt(ratio(adaptive, cloud), 2),
                      fmt(ratio(adaptive, sync4), 2), fmt(ratio(adaptive, best_sync), 2)])
    return markdown_table(["compute", "T", "cloud AR tok/s", "sync G=4 tok/s",
                           "best sync tok/s", "pipelined adaptive tok/s",
                           "adaptive ÷ cloud AR", "adaptive ÷ sync G=4",
                           "adaptive ÷ best sync"], lines), rows


def gamma_table(rows):
    rows = fixed_gamma_rows(rows)
    by_key = {(float(r["temperature"]), int(r["gamma"]), r["method"]): r for r in rows}
    lines = []
    for temperature, gamma in sorted({(t, g) for t, g, _ in by_key}):
        cells = [f"{temperature:g}", str(gamma)]
        for method in ("sync", "pipelined-fixed"):
            r = by_key.get((temperature, gamma, method))
            cells += [fmt(num(r, "tokens_per_second")) if r else "",
                      fmt(num(r, "acceptance_rate"), 2) if r else ""]
        lines.append(cells)
    return markdown_table(["T", "G", "sync tok/s", "sync acceptance", "pipelined tok/s",
                           "pipelined acceptance"], lines), rows


def km_table(rows):
    rows = [r for r in in_section(rows, "km") if r["mode"]]
    lines = []
    for r in sorted(rows, key=lambda r: (r["mode"], km_value(r))):
        mode = grid.MODES[r["mode"]]
        lines.append([r["mode"], f"{mode.param_name} = {km_value(r)}",
                      fmt(num(r, "tokens_per_second")), fmt(num(r, "acceptance_rate"), 2),
                      fmt(num(r, "uplink_bytes_per_token")),
                      fmt(num(r, "downlink_bytes_per_token")),
                      fmt(num(r, "rejection_payload_bytes_per_rejection"))])
    return markdown_table(["mode", "parameter", "tok/s", "acceptance", "uplink B/token",
                           "downlink B/token", "payload B/rejection"], lines), rows


def km_value(row):
    """The value of the row's mode parameter (K, m or k)."""
    return int(row[grid.MODES[row["mode"]].param_column])


def ablation_table(rows):
    rows = in_section(rows, "ablation")
    lines = []
    for temperature in sorted({float(r["temperature"]) for r in rows}):
        rate = {grid.ablation_label(r): num(r, "tokens_per_second") for r in rows
                if float(r["temperature"]) == temperature}
        lines += [[f"{temperature:g}", label, fmt(rate.get(label)),
                   fmt(ratio(rate.get(label), rate.get("full")), 2)]
                  for label in grid.ABLATION_VARIANTS]
    return markdown_table(["T", "variant", "tok/s", "÷ full"], lines), rows


def bandwidth_table(rows):
    rows = in_section(rows, "bandwidth")
    methods = sd_methods(rows)
    lines = []
    for rate in sorted({num(r, "rate_kbps") for r in rows}):
        at_rate = [r for r in rows if num(r, "rate_kbps") == rate]
        cells = [f"{rate:g}", fmt(next((num(r, "tokens_per_second") for r in at_rate
                                         if r["method"] == "cloud-ar"), None))]
        for method in methods:
            by_mode = {r["mode"]: num(r, "tokens_per_second") for r in at_rate
                       if method_label(r) == method}
            cells += [fmt(by_mode.get(mode)) for mode in grid.SD_MODES]
        lines.append(cells)
    header = ["kbit/s", "cloud AR"] + [f"{m}: {mode}" for m in methods for mode in grid.SD_MODES]
    return markdown_table(header, lines), rows


def loss_table(rows):
    """tok/s per method at each loss rate (the loss section), and the speedups."""
    rows = in_section(rows, "loss")
    lines = []
    for loss in sorted({num(r, "loss") for r in rows}):
        rate = {method_label(r): num(r, "tokens_per_second") for r in rows
                if num(r, "loss") == loss}
        stalls = {method_label(r): num(r, "stall_events") for r in rows if num(r, "loss") == loss}
        cloud, sync = rate.get("cloud-ar"), rate.get("sync G=4")
        adaptive = rate.get("pipelined-adaptive")
        lines.append([f"{100 * loss:g}", fmt(cloud), fmt(sync), fmt(adaptive),
                      fmt(stalls.get("pipelined-adaptive"), 0), fmt(ratio(adaptive, cloud), 2),
                      fmt(ratio(adaptive, sync), 2)])
    return markdown_table(["loss %", "cloud AR tok/s", "sync G=4 tok/s", "pipelined adaptive tok/s",
                           "adaptive stall events", "adaptive ÷ cloud AR", "adaptive ÷ sync"],
                          lines), rows


def drift_table(rows):
    """tok/s of each method over the drifting link, per compute profile, and
    its ratio to the best fixed setting of that profile."""
    rows = in_section(rows, "drift")
    lines = []
    for compute in sorted({r["compute"] for r in rows}, key=list(grid.COMPUTE).index):
        rate = {method_label(r): num(r, "tokens_per_second") for r in rows
                if r["compute"] == compute}
        best_fixed = max((v for k, v in rate.items() if k != "pipelined-adaptive" and v),
                         default=None)
        lines += [[compute, label, fmt(value), fmt(ratio(value, best_fixed), 2)]
                  for label, value in rate.items()]
    return markdown_table(["compute", "method", "tok/s", "÷ best fixed"], lines), rows


def pipeline_table(rows):
    """Pipelined vs synchronous with a slow drafter (the pipeline section):
    tok/s per method at each (T, RTT), and the ratios to the best sync G."""
    rows = in_section(rows, "pipeline")
    sync_gammas = sorted({int(r["gamma"]) for r in rows if r["method"] == "sync"})
    lines = []
    for temperature, rtt in sorted({(float(r["temperature"]), num(r, "rtt_ms")) for r in rows}):
        rate = {method_label(r): num(r, "tokens_per_second") for r in rows
                if float(r["temperature"]) == temperature and num(r, "rtt_ms") == rtt}
        best_sync = max((rate[f"sync G={g}"] for g in sync_gammas if rate.get(f"sync G={g}")),
                        default=None)
        fixed, adaptive = rate.get("pipelined G=1"), rate.get("pipelined-adaptive")
        best_pipelined = max((r for r in (fixed, adaptive) if r), default=None)
        lines.append([f"{temperature:g}", f"{rtt:g}"]
                     + [fmt(rate.get(f"sync G={g}")) for g in sync_gammas]
                     + [fmt(fixed), fmt(adaptive), fmt(ratio(best_pipelined, best_sync), 2),
                        fmt(ratio(adaptive, best_sync), 2)])
    header = (["T", "RTT ms"] + [f"sync G={g}" for g in sync_gammas]
              + ["pipelined G=1", "pipelined adaptive", "best pipelined ÷ best sync",
                 "adaptive ÷ best sync"])
    return markdown_table(header, lines), rows


def write_tables(rows, path):
    """DIR/tables.md: the wan headline, gamma, K/m, ablation and bandwidth tables."""
    sections = [("Headline over the wan preset (tok/s and speedups)", wan_table),
                ("Fixed gamma (wan preset, t100)", gamma_table),
                ("Verification-mode parameters K, m, k (pipelined adaptive, wan, t100, T = 0.8)",
                 km_table),
                ("Ablation (wan preset, t100)", ablation_table),
                ("Pipelined vs synchronous with a slow drafter (tok/s, phone profile, "
                 "20 Mbit/s)", pipeline_table),
                ("Throughput vs bandwidth (tok/s, RTT 60 ms, t100, T = 0.8)", bandwidth_table),
                ("Throughput vs loss (RTT 60 ms, 20 Mbit/s, t100, T = 0)", loss_table),
                ("The drifting link (T = 0.8, one prompt)", drift_table)]
    parts = ["# Sweep tables\n", "Generated by bench/sweep/plots.py from results.csv.\n"]
    for title, make in sections:
        table, used = make(rows)
        if not used:
            print(f"plots: no rows for the table '{title}'", file=sys.stderr)
            continue
        parts.append(f"## {title}\n\n{table}\n\n_{footer(used)}_\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    print(f"plots: wrote {path}", file=sys.stderr)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="a sweep's --out directory")
    parser.add_argument("--img-dir", default=os.path.join(ROOT, "docs", "img"),
                        help="where the PNGs go (default: docs/img in the repository)")
    args = parser.parse_args(argv)
    rows = load_rows(os.path.join(args.dir, "results.csv"))
    if not rows:
        sys.exit(f"plots: no rows of status ok in {os.path.join(args.dir, 'results.csv')}")
    os.makedirs(args.img_dir, exist_ok=True)
    plot_speedup_vs_rtt(rows, args.img_dir)
    plot_throughput_vs_bandwidth(rows, args.img_dir)
    plot_bytes_per_token(rows, args.img_dir)
    plot_drift_gamma(rows, os.path.join(args.dir, "raw"), args.img_dir)
    plot_measured_vs_predicted(rows, args.img_dir)
    plot_gamma_sweep(rows, args.img_dir)
    plot_ablation(rows, args.img_dir)
    write_tables(rows, os.path.join(args.dir, "tables.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
