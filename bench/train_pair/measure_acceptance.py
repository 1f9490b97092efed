#!/work/venv/bin/python
"""Reference measurement for a Tandem target/draft pair (saved HF dirs).

Interpreter: /work/venv/bin/python (CPython 3.11) with
    torch (tested 2.15.0, CPU), transformers (tested 5.23.0),
    tokenizers (tested 0.23.3), safetensors, numpy.
Corpus: Debian package python3-doc (see common.py); the validation split is
rebuilt from it exactly as train_pair.py built it, and checked against
<models>/corpus.json when that file exists.

Reports, over every predicted position of the validation split (non-overlapping
windows of --seq-len + 1 tokens, stride --seq-len):
  * validation loss (mean next-token cross entropy, nats) and perplexity of
    each model;
  * acceptance rate alpha(T) = E_pos[ sum_x min(p_T(x), q_T(x)) ], p = target,
    q = draft, both softmax(logits / T); at T = 0 alpha is the fraction of
    positions where the two argmaxes agree. alpha(T) is the probability that
    speculative sampling accepts one drafted token; with k drafted tokens per
    round the expected tokens per target pass is (1 - alpha^(k+1)) / (1 - alpha).

Weights are stored in bfloat16; by default they are upcast and run in float32
(--dtype bfloat16 runs them as stored).

Usage:
  /work/venv/bin/python bench/train_pair/measure_acceptance.py \
      --target deploy/models/tandem-target --draft deploy/models/tandem-draft
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def load_model(path: str, dtype: torch.dtype):
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    m.eval()
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="deploy/models/tandem-target")
    ap.add_argument("--draft", default="deploy/models/tandem-draft")
    ap.add_argument("--corpus-root", default=common.DEFAULT_CORPUS_ROOT)
    ap.add_argument("--corpus-json", default=None, help="default: <target>/../corpus.json if present")
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-windows", type=int, default=None, help="cap on validation windows (default: all)")
    ap.add_argument("--temperatures", default="0,0.7,1.0")
    ap.add_argument("--draft-k", type=int, default=4, help="draft length k for the expected-tokens column")
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    temps = [float(t) for t in args.temperatures.split(",")]
    t0 = time.time()

    from tokenizers import Tokenizer

    tok_path = os.path.join(args.target, "tokenizer.json")
    d_tok_path = os.path.join(args.draft, "tokenizer.json")
    if common.file_sha256(tok_path) != common.file_sha256(d_tok_path):
        raise SystemExit("target and draft tokenizer.json differ")
    tok = Tokenizer.from_file(tok_path)

    corpus = common.load_corpus(args.corpus_root)
    cj = args.corpus_json or os.path.join(os.path.dirname(os.path.abspath(args.target)), "corpus.json")
    if os.path.exists(cj):
        with open(cj, encoding="utf-8") as f:
            want = json.load(f)["file_list_sha256"]
        if want != corpus.file_list_sha256:
            raise SystemExit(f"corpus on disk ({corpus.file_list_sha256}) differs from {cj} ({want})")
    val_stream = common.encode_docs(tok, corpus.val)
    win = common.val_windows(val_stream, args.seq_len, args.max_windows)

    target = load_model(args.target, dtype)
    draft = load_model(args.draft, dtype)
    if target.config.vocab_size != draft.config.vocab_size:
        raise SystemExit("vocab sizes differ")

    nll = {"target": 0.0, "draft": 0.0}
    acc = {t: 0.0 for t in temps}
    n = 0
    with torch.no_grad():
        for i in range(0, len(win), args.batch_size):
            x = torch.from_numpy(win[i : i + args.batch_size])
            inp, lab = x[:, :-1], x[:, 1:].reshape(-1)
            lp = target(input_ids=inp).logits.float().reshape(-1, target.config.vocab_size)
            lq = draft(input_ids=inp).logits.float().reshape(-1, draft.config.vocab_size)
            nll["target"] += F.cross_entropy(lp, lab, reduction="sum").item()
            nll["draft"] += F.cross_entropy(lq, lab, reduction="sum").item()
            for t in temps:
                if t == 0:
                    acc[t] += (lp.argmax(-1) == lq.argmax(-1)).double().sum().item()
                else:
                    p = torch.softmax(lp / t, dim=-1)
                    q = torch.softmax(lq / t, dim=-1)
                    acc[t] += torch.minimum(p, q).sum(-1).double().sum().item()
            n += lab.numel()

    res = {
        "target": args.target,
        "draft": args.draft,
        "compute_dtype": args.dtype,
        "validation_files": len(corpus.val),
        "validation_tokens": int(len(val_stream)),
        "positions": n,
        "windows": int(len(win)),
        "seq_len": args.seq_len,
        "models": {},
        "alpha": {},
    }
    for k, m in (("target", target), ("draft", draft)):
        loss = nll[k] / n
        res["models"][k] = {
            "parameters": sum(p.numel() for p in m.parameters()),
            "val_loss": round(loss, 4),
            "val_ppl": round(math.exp(loss), 3),
        }
    for t in temps:
        a = acc[t] / n
        ek = (1 - a ** (args.draft_k + 1)) / (1 - a) if a < 1 else args.draft_k + 1
        res["alpha"][str(t)] = {"alpha": round(a, 4), f"expected_tokens_per_target_pass_k{args.draft_k}": round(ek, 3)}
    res["seconds"] = round(time.time() - t0, 1)

    print(f"validation: {res['validation_files']} files, {n:,} predicted positions ({len(win)} windows x {args.seq_len})")
    for k in ("target", "draft"):
        r = res["models"][k]
        print(f"{k:6s}: {r['parameters']:>9,} params  val loss {r['val_loss']:.4f}  ppl {r['val_ppl']:.2f}")
    for t in temps:
        r = res["alpha"][str(t)]
        print(f"alpha(T={t:g}) = {r['alpha']:.4f}   expected tokens/target pass at k={args.draft_k}: "
              f"{r[f'expected_tokens_per_target_pass_k{args.draft_k}']:.3f}")
    print(f"({res['seconds']:.1f}s, compute dtype {args.dtype}, {torch.get_num_threads()} thread(s))")
    if args.json:
        common.write_json(args.json, res)


if __name__ == "__main__":
    main()
