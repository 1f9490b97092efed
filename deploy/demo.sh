#!/usr/bin/env bash
# The docker-compose topology (cloud, link, edge) as plain processes on this
# machine, comparing cloud-only autoregressive decoding (--decoding cloud) with
# pipelined speculative decoding (the default) on the same prompt and seed:
#   tandem-cloud  (target model, deploy/models/tandem-target)
#   tandem-linkem (an emulated link; profile from TANDEM_LINK, default wan)
#   tandem-edge   (draft model; run twice through the link, with --json)
# then prints a comparison table (TTFT, tokens/s, tokens, bytes/token) and both texts.
#
# Usage: deploy/demo.sh ["prompt"] [extra tandem-edge flags for both runs...]
#   TANDEM_LINK=lan|wan|cellular|lossy|metro|satellite|leo|none   (default wan)
#     lossy = the wan preset with 3% random loss per segment (--preset wan --loss 3%)
#   TANDEM_MAX_TOKENS (default 96), TANDEM_SEED (default 1)
#   e.g. TANDEM_LINK=cellular deploy/demo.sh "import os" --temperature 0.7
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh >&2
bash deploy/build.sh >&2
build=${TANDEM_BUILD_DIR:-build}
link=${TANDEM_LINK:-wan}
max_tokens=${TANDEM_MAX_TOKENS:-96}
seed=${TANDEM_SEED:-1}
prompt=${1:-"def read_config(path):"}
shift || true

# shellcheck source=deploy/lib/local_topology.sh
source deploy/lib/local_topology.sh
start_cloud_and_link "$link"

for decoding in cloud pipelined; do
  echo "tandem demo: running --decoding $decoding ..." >&2
  if ! $pin0 "$build/edge/tandem-edge" generate --model deploy/models/tandem-draft \
      --cloud "127.0.0.1:$link_port" --prompt "$prompt" --max-tokens "$max_tokens" \
      --seed "$seed" --threads 1 --decoding "$decoding" "$@" --json \
      >"$work/$decoding.json" 2>"$work/$decoding.err"; then
    echo "error: tandem-edge --decoding $decoding failed:" >&2
    cat "$work/$decoding.err" >&2
    exit 1
  fi
done

/usr/bin/python3 - "$link" "$prompt" "$work/cloud.json" "$work/pipelined.json" <<'EOF'
import json, sys
link, prompt, ar_path, sd_path = sys.argv[1:5]
runs = [("cloud-only AR", json.load(open(ar_path))),
        ("pipelined SD", json.load(open(sd_path)))]
rows = [
    ("TTFT (ms)", lambda s: f"{s['ttft_ms']:.1f}"),
    ("per-token time (ms)", lambda s: f"{s['tpot_ms']:.2f}"),
    ("tokens/s", lambda s: f"{s['tokens_per_second']:.1f}"),
    ("total (ms)", lambda s: f"{s['total_ms']:.1f}"),
    ("tokens generated", lambda s: str(s['generated_tokens'])),
    ("round trips (rounds)", lambda s: str(s['rounds']) if s['decoding'] != 'cloud' else "-"),
    ("acceptance rate", lambda s: f"{s['acceptance_rate']:.2f}" if s['decoding'] != 'cloud' else "-"),
    ("uplink bytes/token", lambda s: f"{s['uplink_bytes_per_token']:.1f}"),
    ("downlink bytes/token", lambda s: f"{s['downlink_bytes_per_token']:.1f}"),
    ("stop reason", lambda s: s['stop_reason']),
]
w0 = max(len(r[0]) for r in rows)
w = [max(len(name), 14) for name, _ in runs]
print(f"link: {link}   prompt: {prompt!r}")
print(f"{'':<{w0}}  " + "  ".join(f"{name:>{w[i]}}" for i, (name, _) in enumerate(runs)))
for label, fn in rows:
    print(f"{label:<{w0}}  " + "  ".join(f"{fn(s):>{w[i]}}" for i, (_, s) in enumerate(runs)))
same = runs[0][1]["text"] == runs[1][1]["text"]
print(f"same text: {'yes' if same else 'no'}"
      + ("" if same else " (with --temperature > 0 both follow the target's distribution;"
                        " the samples need not be identical)"))
print("note: cloud-only AR streams every token from the cloud (one round trip in all);"
      " speculation pays when the target's step is expensive relative to the draft's"
      " (see docs/benchmarks.md), which the bundled tiny pair is not.")
for name, s in runs:
    print(f"\n--- {name} ---\n{prompt}{s['text']}")
EOF
