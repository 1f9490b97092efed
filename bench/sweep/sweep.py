#!/usr/bin/env python3
"""Tandem's latency sweep: runs the grid of bench/sweep/grid.py with the real
processes (tandem-cloud <- tandem-linkem <- tandem-edge) and appends one row per
grid point to OUT/results.csv.

Usage:
  sweep.py --profile smoke|quick|full --out DIR [--build build] [--resume]
           [--only SUBSTRING] [--list]

For each point: start tandem-cloud and tandem-linkem (ports chosen by the kernel),
run the profile's prompts from bench/sweep/prompts.txt through tandem-edge with
fixed seeds (one process per prompt), stop the servers, append the row. Every
edge JSON object is kept as OUT/raw/<point id>/<prompt index>.json, tandem-linkem's
stats as link_stats.json beside them, and on failure the processes' logs. A
failed point gets status "failed" and its error; the sweep goes on. --resume
skips the points that already have a row of status ok.

Stdlib only: runs with any Python 3.11 (python3 or /usr/bin/python3). Progress
goes to stderr. See bench/sweep/README.md.
"""
import argparse
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import time

import estimate
import grid
import results
import topology

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPTS_FILE = os.path.join(ROOT, "bench", "sweep", "prompts.txt")
EDGE_TIMEOUT_MIN_S = 120   # a tandem-edge run is killed after the larger of this and ...
EDGE_TIMEOUT_FACTOR = 10   # ... this many times the cost model's time for it


class RunContext:
    """What every row shares: where the binaries are, where rows go, and the
    git revision and machine that produced them."""

    def __init__(self, build, out, prompts):
        self.build = build
        self.out = out
        self.prompts = prompts
        self.git_sha, self.git_dirty = git_revision()
        self.machine = machine_description()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=sorted(grid.PROFILES))
    parser.add_argument("--out", required=True, help="directory for results.csv and raw/")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"),
                        help="the CMake build directory (default: build/ in the repository)")
    parser.add_argument("--resume", action="store_true",
                        help="append to an existing results.csv, skipping points already ok")
    parser.add_argument("--list", action="store_true",
                        help="print the points to run with their estimated times; run nothing")
    parser.add_argument("--only", default="",
                        help="run only the points whose 'sections: id' label (as in the "
                        "progress lines) contains this substring")
    return parser.parse_args(argv)


def git_revision():
    """(short SHA of HEAD, "dirty" if tracked files differ from it else "clean"),
    or ("unknown", "unknown") outside a git checkout."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown", "unknown"
    differs = subprocess.run(["git", "diff", "--quiet", "HEAD", "--"], cwd=ROOT,
                             check=False).returncode != 0
    return sha, "dirty" if differs else "clean"


def machine_description():
    """"<CPU model name>, <n> cores" from /proc/cpuinfo and os.cpu_count()."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def load_prompts(path):
    """The prompts of prompts.txt: its lines, less blank ones and '#' comments."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]


def check_binaries(build):
    """Raises SystemExit naming the first missing binary."""
    for binary in ("cloud/tandem-cloud", "bench/linkem/tandem-linkem", "edge/tandem-edge"):
        if not os.access(os.path.join(build, binary), os.X_OK):
            sys.exit(f"sweep: {os.path.join(build, binary)} is missing: build the project "
                     "(deploy/build.sh) or pass --build DIR")


def check_presets(build, points):
    """Raises SystemExit if a preset link's figures in grid.py differ from
    what tandem-linkem --list_presets prints (they would go into the CSV)."""
    presets = topology.linkem_presets(build)
    for link in {p.link for p in points if p.link.preset}:
        want = (link.rtt_ms, link.jitter_ms, link.rate_kbps, link.loss)
        have = presets.get(link.preset)
        if have is None or not all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(want, have)):
            sys.exit(f"sweep: grid.py describes preset {link.preset} as (rtt_ms, jitter_ms, "
                     f"rate_kbps, loss) = {want}, tandem-linkem as "
                     f"{have}: update grid.py")


def label(point):
    """"sections: point id", as progress lines show a point and --only matches it."""
    return f"{'+'.join(point.sections)}: {point.point_id}"


def select_points(args, csv_path):
    """The profile's points, less those filtered out by --only and, with
    --resume, those already ok in csv_path."""
    points = [p for p in grid.PROFILES[args.profile]() if args.only in label(p)]
    if args.resume:
        done = results.ok_ids(csv_path)
        points = [p for p in points if p.point_id not in done]
    return points


def raw_dir(ctx, point):
    return os.path.join(ctx.out, "raw", *point.point_id.split("/"))


def edge_timeout_s(point):
    per_prompt = estimate.point_seconds(point) / point.size.n_prompts
    return max(EDGE_TIMEOUT_MIN_S, EDGE_TIMEOUT_FACTOR * per_prompt)


def run_prompts(ctx, point, link_port, link_listening_at, directory):
    """Runs the point's prompts through tandem-edge; saves each JSON object as
    <index>.json and, in timing.json, when each tandem-edge started and exited
    (seconds after tandem-linkem began listening, i.e. on its schedule's clock).
    Returns the JSON objects."""
    runs, timing = [], {"edge_start_s": [], "edge_exit_s": []}
    for index, (prompt, seed) in enumerate(zip(ctx.prompts, point.seeds())):
        timing["edge_start_s"].append(time.monotonic() - link_listening_at)
        run = topology.run_edge(ctx.build, point, link_port, prompt, seed,
                                os.path.join(directory, f"edge-{index}.stderr"),
                                edge_timeout_s(point), ROOT)
        timing["edge_exit_s"].append(time.monotonic() - link_listening_at)
        write_json(os.path.join(directory, f"{index}.json"), run)
        runs.append(run)
    write_json(os.path.join(directory, "timing.json"), timing)
    return runs


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)
        f.write("\n")


def read_json(path):
    """The JSON value in path, or None if there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def measure_point(ctx, point, directory):
    """Starts the servers, runs the prompts, stops the servers; returns the
    result columns. Logs go to `directory`; raises TopologyError or OSError."""
    servers = []
    try:
        cloud = topology.start_cloud(ctx.build, point, os.path.join(directory, "cloud.log"),
                                     ROOT)
        servers.append(cloud)
        link = topology.start_link(ctx.build, point.link, cloud.port,
                                   os.path.join(directory, "link.log"),
                                   os.path.join(directory, "link_stats.json"), ROOT)
        servers.append(link)
        runs = run_prompts(ctx, point, link.port, link.listening_at, directory)
    finally:
        for server in reversed(servers):  # the link first: it writes its stats on exit
            server.stop()
    return results.aggregate(runs, read_json(os.path.join(directory, "link_stats.json")))


def remove_logs(directory):
    for name in os.listdir(directory):
        if name.endswith((".log", ".stderr")):
            os.remove(os.path.join(directory, name))


def run_point(ctx, point):
    """Measures one point and returns its complete row (status ok or failed)."""
    directory = raw_dir(ctx, point)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    started = time.monotonic()
    row = {"point_id": point.point_id, "section": "+".join(point.sections),
           "git_sha": ctx.git_sha, "git_dirty": ctx.git_dirty, "machine": ctx.machine,
           **results.param_columns(point, ctx.prompts[:point.size.n_prompts])}
    try:
        row.update(measure_point(ctx, point, directory))
        row["status"] = "ok"
        remove_logs(directory)
    except (topology.TopologyError, OSError) as e:
        row.update(status="failed", error=str(e))
    row["wall_s"] = time.monotonic() - started
    row["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return row


def format_duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def run_sweep(ctx, points, csv_path):
    """Runs the points in order, appending a row each; prints progress; returns
    the number of failed points."""
    estimates = [estimate.point_seconds(p) for p in points]
    started, estimated_done, failures = time.monotonic(), 0.0, 0
    for index, point in enumerate(points):
        print(f"[{index + 1}/{len(points)}] {label(point)} ...", end=" ", file=sys.stderr,
              flush=True)
        row = run_point(ctx, point)
        results.append_row(csv_path, row)
        estimated_done += estimates[index]
        elapsed = time.monotonic() - started
        eta = sum(estimates[index + 1:]) * elapsed / estimated_done
        if row["status"] == "ok":
            outcome = f"{row['tokens_per_second'] or 0:.1f} tok/s"
        else:
            failures += 1
            outcome = f"FAILED: {row['error']}"
        print(f"{outcome}  (elapsed {format_duration(elapsed)}, ETA {format_duration(eta)})",
              file=sys.stderr, flush=True)
    return failures


def check_out_dir(csv_path, resume):
    """Raises SystemExit if csv_path has rows but resume is off, or has other columns."""
    if results.read_rows(csv_path) and not resume:
        sys.exit(f"sweep: {csv_path} has rows already: pass --resume to add to it, "
                 "or a new --out")
    try:
        results.check_header(csv_path)
    except ValueError as e:
        sys.exit(f"sweep: {e}")


def print_list(points):
    """--list: each point's estimated time and label, then the total."""
    for p in points:
        print(f"{estimate.point_seconds(p):6.1f} s  {label(p)}")
    total_s = sum(estimate.point_seconds(p) for p in points)
    print(f"{len(points)} points, estimated {format_duration(total_s)}")


def main(argv):
    args = parse_args(argv)
    build = os.path.abspath(args.build)
    out = os.path.abspath(args.out)
    csv_path = os.path.join(out, "results.csv")
    check_out_dir(csv_path, args.resume)
    points = select_points(args, csv_path)
    if args.list:
        print_list(points)
        return 0
    prompts = load_prompts(PROMPTS_FILE)
    if points and max(p.size.n_prompts for p in points) > len(prompts):
        sys.exit(f"sweep: {PROMPTS_FILE} has {len(prompts)} prompts, the profile needs more")
    check_binaries(build)
    check_presets(build, points)
    os.makedirs(out, exist_ok=True)
    ctx = RunContext(build, out, prompts)
    total_s = sum(estimate.point_seconds(p) for p in points)
    print(f"sweep: profile {args.profile}, {len(points)} points to run, estimated "
          f"{format_duration(total_s)} (bench/sweep/estimate.py); git {ctx.git_sha} "
          f"({ctx.git_dirty}), {ctx.machine}; rows to {csv_path}", file=sys.stderr)
    failures = run_sweep(ctx, points, csv_path)
    print(f"sweep: done, {len(points) - failures} ok, {failures} failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
