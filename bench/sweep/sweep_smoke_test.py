#!/usr/bin/python3
"""End-to-end check of the latency sweep (ctest: tests/bench/sweep): runs
`sweep.py --profile smoke` (3 grid points with the real tandem-cloud,
tandem-linkem and tandem-edge) into a temporary directory and checks its
results.csv and raw/ files, that --resume adds no rows, and, where matplotlib
imports, that plots.py writes its figures and tables.

Usage: sweep_smoke_test.py --build BUILD_DIR
Exits 1 with a message on the first violated check. No wall-clock assertions.
Stdlib only; runs with any Python 3.11 (the plots part needs matplotlib, i.e.
Debian's /usr/bin/python3).
"""
import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_METHODS = ["cloud-ar", "sync", "pipelined-adaptive"]
SPECULATIVE = {"sync", "pipelined-adaptive"}
# Sections whose figures and tables plots.py draws from the rows' columns alone.
PLOTTED_SECTIONS = ("drift", "pipeline", "rtt", "bandwidth", "loss", "gamma", "km", "ablation", "wan")
FIGURES = ("speedup_vs_rtt.png", "throughput_vs_bandwidth.png", "bytes_per_token.png",
           "measured_vs_predicted.png", "gamma_sweep.png", "ablation.png")
TABLE_TITLES = ("## Headline", "## Fixed gamma", "## Verification-mode parameters",
                "## Ablation", "## Pipelined vs synchronous", "## Throughput vs bandwidth",
                "## Throughput vs loss", "## The drifting link")


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def run(command):
    """Runs a command, echoing its output; returns the exit status."""
    print("+ " + " ".join(command), flush=True)
    return subprocess.run(command, check=False).returncode


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check_rows(rows, out):
    """3 ok rows of the expected methods with sane numbers and their raw files."""
    check(len(rows) == 3, f"expected 3 rows in results.csv, got {len(rows)}")
    check([r["method"] for r in rows] == EXPECTED_METHODS,
          f"methods {[r['method'] for r in rows]}, expected {EXPECTED_METHODS}")
    check(len({r["point_id"] for r in rows}) == 3, "point ids are not unique")
    for r in rows:
        where = r["point_id"]
        check(r["status"] == "ok", f"{where}: status {r['status']}: {r['error']}")
        check(int(r["generated_tokens"]) > 0, f"{where}: generated_tokens {r['generated_tokens']}")
        check(float(r["tokens_per_second"]) > 0,
              f"{where}: tokens_per_second {r['tokens_per_second']}")
        check(float(r["ttft_ms"]) > 0, f"{where}: ttft_ms {r['ttft_ms']}")
        check(r["git_sha"] and r["git_dirty"] in ("clean", "dirty", "unknown"),
              f"{where}: git_sha {r['git_sha']!r}, git_dirty {r['git_dirty']!r}")
        check(r["link"] == "lan" and r["compute"] == "bundled",
              f"{where}: link {r['link']}, compute {r['compute']}, expected lan, bundled")
        if r["method"] in SPECULATIVE:
            acceptance = float(r["acceptance_rate"])
            check(0 <= acceptance <= 1, f"{where}: acceptance_rate {acceptance} not in [0, 1]")
            check(float(r["mean_accepted_length"]) >= 1,
                  f"{where}: mean_accepted_length {r['mean_accepted_length']} < 1")
            check(r["mode"] == "exact", f"{where}: mode {r['mode']!r}, expected exact")
        else:
            check(r["mode"] == "" and r["acceptance_rate"] == "",
                  f"{where}: cloud-ar row has mode {r['mode']!r}, "
                  f"acceptance {r['acceptance_rate']!r}")
        raw = os.path.join(out, "raw", *where.split("/"), "0.json")
        check(os.path.getsize(raw) > 0, f"{raw} is empty")


def check_plots(rows, work):
    """plots.py over the smoke rows tagged with every plotted section (they
    stand in for each section's rows: the code paths run, the numbers mean
    nothing): every figure and table appears, non-empty."""
    fake = os.path.join(work, "all_sections")
    os.makedirs(fake)
    with open(os.path.join(fake, "results.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "section": "+".join(PLOTTED_SECTIONS)} for r in rows)
    img_dir = os.path.join(work, "img")
    status = run([sys.executable, os.path.join(HERE, "plots.py"), fake, "--img-dir", img_dir])
    check(status == 0, f"plots.py exited with status {status}")
    for name in FIGURES:
        path = os.path.join(img_dir, name)
        check(os.path.exists(path) and os.path.getsize(path) > 0, f"{path} missing or empty")
    with open(os.path.join(fake, "tables.md"), encoding="utf-8") as f:
        tables = f.read()
    for title in TABLE_TITLES:
        check(title in tables, f"tables.md has no table '{title}'")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="the CMake build directory")
    args = parser.parse_args()
    sweep = [sys.executable, os.path.join(HERE, "sweep.py"), "--profile", "smoke",
             "--build", args.build]
    with tempfile.TemporaryDirectory(prefix="tandem-sweep-smoke-") as work:
        out = os.path.join(work, "sweep")
        csv_path = os.path.join(out, "results.csv")
        try:
            status = run(sweep + ["--out", out])
            check(status == 0, f"sweep.py exited with status {status}")
            rows = read_rows(csv_path)
            check_rows(rows, out)
            status = run(sweep + ["--out", out, "--resume"])
            check(status == 0, f"sweep.py --resume exited with status {status}")
            n_rows = len(read_rows(csv_path))
            check(n_rows == 3, f"--resume changed results.csv to {n_rows} rows, expected 3")
            if importlib.util.find_spec("matplotlib") is None:
                print(f"sweep smoke test: {sys.executable} has no matplotlib, plots not checked")
            else:
                check_plots(rows, work)
        except CheckFailed as e:
            print(f"sweep smoke test FAILED: {e}", file=sys.stderr)
            return 1
    print("sweep smoke test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
