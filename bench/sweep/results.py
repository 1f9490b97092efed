"""results.csv of a sweep: its columns, the parameter columns of a grid point,
the aggregation of a point's tandem-edge JSON objects into its result columns,
and reading and appending rows.

One row per grid point. Stdlib only (any Python 3.11).
"""
import csv
import json
import os

import grid

RUN_COLUMNS = ["point_id", "section", "status", "error", "date", "wall_s", "git_sha",
               "git_dirty", "machine"]
PARAM_COLUMNS = ["target_model", "draft_model", "method", "decoding", "gamma_policy", "gamma",
                 "mode", "verification", "residual_candidates", "sparse_top_k", "top_k_return",
                 "link", "link_preset", "rtt_ms", "jitter_ms", "rate_kbps", "loss", "schedule",
                 "temperature", "seeds", "threads", "compute", "cloud_emulate", "edge_emulate",
                 "max_tokens", "n_prompts", "prompts"]
RESULT_COLUMNS = ["generated_tokens", "total_ms", "tokens_per_second", "ttft_ms", "tpot_ms",
                  "acceptance_rate", "mean_accepted_length", "rounds", "draft_tokens",
                  "rejections", "chunks", "mean_gamma", "uplink_bytes_per_token",
                  "downlink_bytes_per_token", "draft_payload_bytes_per_drafted_token",
                  "rejection_payload_bytes_per_rejection", "stall_events", "mean_rtt_ms",
                  "predicted_tokens_per_second", "link_lost_segments"]
COLUMNS = RUN_COLUMNS + PARAM_COLUMNS + RESULT_COLUMNS


def param_columns(point, prompts):
    """The parameter columns of `point`, run over `prompts`."""
    method = grid.METHODS[point.method]
    mode = grid.MODES.get(point.mode)
    compute = grid.COMPUTE[point.compute]
    mode_params = {m.param_column: "" for m in grid.MODES.values()}
    if mode:
        mode_params[mode.param_column] = point.mode_param
    return {
        "target_model": grid.TARGET_MODEL, "draft_model": grid.DRAFT_MODEL,
        "method": point.method, "decoding": method.decoding,
        "gamma_policy": method.gamma_policy, "gamma": point.gamma,
        "mode": point.mode, "verification": mode.verification if mode else "", **mode_params,
        "link": point.link.name, "link_preset": point.link.preset,
        "rtt_ms": point.link.rtt_ms, "jitter_ms": point.link.jitter_ms,
        "rate_kbps": point.link.rate_kbps, "loss": point.link.loss,
        "schedule": point.link.schedule, "temperature": point.temperature,
        "seeds": " ".join(map(str, point.seeds())), "threads": grid.THREADS,
        "compute": point.compute, "cloud_emulate": compute.cloud_emulation(),
        "edge_emulate": compute.edge_emulation(), "max_tokens": point.size.max_tokens,
        "n_prompts": point.size.n_prompts, "prompts": json.dumps(prompts),
    }


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else ""


def aggregate(runs, link_stats):
    """The result columns from a point's tandem-edge JSON objects (one per prompt)
    and tandem-linkem's stats JSON (None if it wrote none).

    Throughput, TPOT, acceptance, bytes and gamma are pooled over the prompts
    (sums of counts over sums of counts, e.g. tokens / time); TTFT and the
    analytic prediction are means over the prompts (the prediction's over those
    that have one). Ratios with a zero denominator are left empty."""
    def total(key):
        return sum(run.get(key, 0) for run in runs)

    generated, total_ms = total("generated_tokens"), total("total_ms")
    after_first_ms = sum(run.get("total_ms", 0) - run.get("ttft_ms", 0) for run in runs)
    rounds, accepted, chunks = total("rounds"), total("accepted_tokens"), total("chunks")
    predictions = [run["predicted_tokens_per_second"] for run in runs
                   if run.get("predicted_tokens_per_second", 0) > 0]
    lost = ""
    if link_stats:
        lost = sum(link_stats.get(d, {}).get("lost_segments", 0) for d in ("uplink", "downlink"))
    return {
        "generated_tokens": generated, "total_ms": total_ms,
        "tokens_per_second": _ratio(1000 * generated, total_ms),
        "ttft_ms": total("ttft_ms") / len(runs),
        "tpot_ms": _ratio(after_first_ms, generated - len(runs)),
        "acceptance_rate": _ratio(accepted, total("draft_tokens")),
        "mean_accepted_length": _ratio(rounds + accepted, rounds),
        "rounds": rounds, "draft_tokens": total("draft_tokens"),
        "rejections": total("rejections"), "chunks": chunks,
        "mean_gamma": _ratio(sum(r.get("mean_gamma", 0) * r.get("chunks", 0) for r in runs),
                             chunks),
        "uplink_bytes_per_token": _ratio(total("uplink_message_bytes"), generated),
        "downlink_bytes_per_token": _ratio(total("downlink_message_bytes"), generated),
        "draft_payload_bytes_per_drafted_token": _ratio(total("draft_payload_bytes"),
                                                        total("sent_draft_tokens")),
        "rejection_payload_bytes_per_rejection": _ratio(total("rejection_payload_bytes"),
                                                        total("rejections")),
        "stall_events": total("stall_events"),
        "mean_rtt_ms": _ratio(sum(r.get("mean_rtt_ms", 0) * r.get("rounds", 0) for r in runs),
                              rounds),
        "predicted_tokens_per_second": sum(predictions) / len(predictions) if predictions else "",
        "link_lost_segments": lost,
    }


def format_value(value):
    """A CSV cell: floats with 6 significant digits, the rest as str()."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def read_rows(path):
    """The rows of a results.csv as dicts of strings ([] if there is none)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ok_ids(path):
    """The point ids with a row of status ok in the results.csv at path."""
    return {row["point_id"] for row in read_rows(path) if row["status"] == "ok"}


def check_header(path):
    """Raises ValueError if the results.csv at path has other columns than COLUMNS."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    if header != COLUMNS:
        raise ValueError(f"{path} was written with other columns than this sweep.py writes: "
                         "use a new --out directory")


def append_row(path, row):
    """Appends one row (a dict over COLUMNS) to results.csv, with the header if new."""
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow({key: format_value(row.get(key, "")) for key in COLUMNS})
