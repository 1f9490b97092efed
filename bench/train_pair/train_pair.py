#!/work/venv/bin/python
"""Trains Tandem's small target/draft LLM pair on CPU, end to end.

Interpreter: /work/venv/bin/python (CPython 3.11) with
    torch (tested 2.15.0, CPU), transformers (tested 5.23.0),
    tokenizers (tested 0.23.3), safetensors (tested 0.8.0), numpy (tested 2.4.6).
Corpus: Debian package python3-doc (`apt-get install -y python3-doc`), see common.py.

Steps:
  1. corpus: the Python 3.11 docs' reST sources, cleaned, split train/val per file;
     the manifest goes to <out>/corpus.json.
  2. tokenizer: byte-level BPE (HF `tokenizers`, GPT-2 regex, ByteLevel decoder),
     vocab 2048 incl. <|startoftext|> (bos, id 0) and <|endoftext|> (eos, id 1),
     trained on the training split only.
  3. target: LlamaForCausalLM, 4 layers x 256 (GQA 4 q heads / 2 kv heads).
  4. draft:  LlamaForCausalLM, 1 layer x 128.
  Both: AdamW, linear warmup + cosine decay, random windows of the training
  stream; saved in bfloat16 as HF dirs <out>/tandem-target and <out>/tandem-draft
  (config.json, model.safetensors, generation_config.json, tokenizer.json,
  tokenizer_config.json). A training summary goes to <out>/train_summary.json.

Reproducible: fixed seeds, deterministic data order, step-based schedule, and
by default one intra-op thread (--threads). --max-minutes-per-model is a
safety stop only; if it triggers, the run is no longer step-reproducible and
the summary says so.

Usage (the real run):
  /work/venv/bin/python bench/train_pair/train_pair.py --out deploy/models
Smoke run (about a minute, writes to /tmp):
  /work/venv/bin/python bench/train_pair/train_pair.py --smoke --out /tmp/train_pair_smoke
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import random
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MODEL_SPECS = {
    "target": dict(
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
    ),
    "draft": dict(
        hidden_size=128,
        intermediate_size=384,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    ),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ---------------------------------------------------------------- tokenizer


def train_tokenizer(train_docs: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())  # no unk: byte-level covers every input
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=common.SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(train_docs, trainer=trainer, length=len(train_docs))
    assert tok.token_to_id(common.BOS_TOKEN) == common.BOS_ID
    assert tok.token_to_id(common.EOS_TOKEN) == common.EOS_ID
    # Encoding with special tokens prepends BOS (Llama style), never appends EOS.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{common.BOS_TOKEN} $A",
        pair=f"{common.BOS_TOKEN} $A {common.BOS_TOKEN} $B",
        special_tokens=[(common.BOS_TOKEN, common.BOS_ID)],
    )
    return tok


def tokenizer_config(seq_len_max: int) -> dict:
    special = {
        str(i): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i, t in enumerate(common.SPECIAL_TOKENS)
    }
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": special,
        "bos_token": common.BOS_TOKEN,
        "eos_token": common.EOS_TOKEN,
        "pad_token": common.EOS_TOKEN,
        "add_bos_token": True,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": seq_len_max,
    }


# ---------------------------------------------------------------- models


def make_llama(vocab_size: int, max_pos: int, spec: dict):
    """A fresh fp32 LlamaForCausalLM with Tandem's fixed choices (tied
    embeddings, RoPE theta 10000, RMSNorm eps 1e-5, BOS/EOS ids) and the
    sizes in `spec` (hidden_size, intermediate_size, num_hidden_layers,
    num_attention_heads, num_key_value_heads)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=vocab_size,
        max_position_embeddings=max_pos,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=True,
        bos_token_id=common.BOS_ID,
        eos_token_id=common.EOS_ID,
        attention_dropout=0.0,
        **spec,
    )
    model = LlamaForCausalLM(cfg)
    model.float()
    return model


def make_model(kind: str, vocab_size: int, max_pos: int):
    return make_llama(vocab_size, max_pos, MODEL_SPECS[kind])


def lr_at(step: int, total: int, warmup: int, peak: float, min_ratio: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    prog = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * prog)))


@torch.no_grad()
def evaluate(model, windows: np.ndarray, batch_size: int) -> float:
    """Mean next-token cross entropy (nats) over all predicted positions."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(windows), batch_size):
        x = torch.from_numpy(windows[i : i + batch_size])
        logits = model(input_ids=x[:, :-1]).logits.float()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1), reduction="sum")
        total += loss.item()
        count += x[:, 1:].numel()
    model.train()
    return total / count


def train_model(kind, args, train_stream, val_win, vocab_size):
    steps = args.target_steps if kind == "target" else args.draft_steps
    peak = args.target_lr if kind == "target" else args.draft_lr
    warmup = min(args.warmup_steps, max(1, steps // 10))
    seed_all(args.seed + (0 if kind == "target" else 1))
    model = make_model(kind, vocab_size, args.seq_len)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{kind}: {n_params:,} parameters, {steps} steps x {args.batch_size} x {args.seq_len} tokens, peak lr {peak}")

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 else no_decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=peak,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    rng = np.random.Generator(np.random.PCG64(args.seed + (100 if kind == "target" else 101)))
    T = args.seq_len
    max_start = len(train_stream) - (T + 1)
    ar = np.arange(T + 1)
    t0 = time.time()
    hist = []
    stopped_early = False
    last_log = t0
    model.train()
    for step in range(steps):
        lr = lr_at(step, steps, warmup, peak, args.min_lr_ratio)
        for g in opt.param_groups:
            g["lr"] = lr
        starts = rng.integers(0, max_start + 1, size=args.batch_size)
        x = torch.from_numpy(train_stream[starts[:, None] + ar[None, :]].astype(np.int64))
        logits = model(input_ids=x[:, :-1]).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        now = time.time()
        done = step + 1
        if done == steps or done % args.log_every == 0 or now - last_log > 60:
            el = now - t0
            tps = done * args.batch_size * T / el
            eta = el / done * (steps - done)
            log(
                f"{kind} step {done}/{steps} loss {loss.item():.4f} lr {lr:.2e} gnorm {gnorm:.2f} "
                f"{tps:.0f} tok/s elapsed {el / 60:.1f} min eta {eta / 60:.1f} min"
            )
            last_log = now
        if args.eval_every and (done % args.eval_every == 0) and done != steps:
            vl = evaluate(model, val_win[: args.eval_windows], args.eval_batch)
            hist.append({"step": done, "train_loss": loss.item(), "val_loss_subset": vl})
            log(f"{kind} step {done} val loss (first {args.eval_windows} windows) {vl:.4f} ppl {math.exp(vl):.2f}")
        if args.max_minutes_per_model and (now - t0) > args.max_minutes_per_model * 60 and done < steps:
            log(f"{kind}: WARNING time cap {args.max_minutes_per_model} min hit at step {done}/{steps}")
            stopped_early = True
            steps_done = done
            break
    else:
        steps_done = steps
    train_s = time.time() - t0
    vl = evaluate(model, val_win, args.eval_batch)
    log(f"{kind}: trained in {train_s / 60:.1f} min; full validation loss {vl:.4f} ppl {math.exp(vl):.2f} (fp32)")
    info = {
        "spec": MODEL_SPECS[kind],
        "parameters": n_params,
        "steps": steps_done,
        "steps_planned": steps,
        "stopped_early_by_time_cap": stopped_early,
        "batch_size": args.batch_size,
        "seq_len": T,
        "tokens_seen": steps_done * args.batch_size * T,
        "peak_lr": peak,
        "warmup_steps": warmup,
        "train_seconds": round(train_s, 1),
        "val_loss_fp32": vl,
        "val_ppl_fp32": math.exp(vl),
        "history": hist,
    }
    return model, info


def save_model(model, kind, out_dir, tok_json_path, tok_cfg):
    from transformers import GenerationConfig

    d = os.path.join(out_dir, f"tandem-{kind}")
    os.makedirs(d, exist_ok=True)
    for stale in os.listdir(d):
        os.remove(os.path.join(d, stale))
    model = model.to(torch.bfloat16)
    model.generation_config = GenerationConfig(
        bos_token_id=common.BOS_ID,
        eos_token_id=common.EOS_ID,
        pad_token_id=common.EOS_ID,
    )
    kwargs = {}
    if "safe_serialization" in inspect.signature(model.save_pretrained).parameters:
        kwargs["safe_serialization"] = True  # transformers 4.x; 5.x always writes safetensors
    model.save_pretrained(d, **kwargs)
    # Keep config.json readable by transformers 4.x-style consumers too
    # (5.x writes "dtype" and "rope_parameters" instead of these keys).
    cfg_path = os.path.join(d, "config.json")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg.setdefault("torch_dtype", "bfloat16")
    cfg.setdefault("rope_theta", float((cfg.get("rope_parameters") or {}).get("rope_theta", 10000.0)))
    common.write_json(cfg_path, dict(sorted(cfg.items())))
    with open(tok_json_path, "rb") as src, open(os.path.join(d, "tokenizer.json"), "wb") as dst:
        dst.write(src.read())
    common.write_json(os.path.join(d, "tokenizer_config.json"), tok_cfg)
    files = sorted(os.listdir(d))
    sizes = {f: os.path.getsize(os.path.join(d, f)) for f in files}
    log(f"saved {d}: " + ", ".join(f"{f} {s:,} B" for f, s in sizes.items()))
    return d, sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="deploy/models", help="output directory (model dirs, corpus.json, summary)")
    ap.add_argument("--corpus-root", default=common.DEFAULT_CORPUS_ROOT)
    ap.add_argument("--work-dir", default="/tmp/tandem_train_pair", help="scratch (tokenizer, token streams)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--vocab-size", type=int, default=2048)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--target-steps", type=int, default=1800)
    ap.add_argument("--draft-steps", type=int, default=1600)
    ap.add_argument("--target-lr", type=float, default=2e-3)
    ap.add_argument("--draft-lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1, help="cosine floor as a fraction of peak lr")
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=450, help="0 disables intermediate evals")
    ap.add_argument("--eval-windows", type=int, default=64, help="windows used by intermediate evals")
    ap.add_argument("--eval-batch", type=int, default=32)
    ap.add_argument("--max-minutes-per-model", type=float, default=0.0, help="safety stop (0 = none)")
    ap.add_argument("--only", choices=["target", "draft"], help="train just one model (tokenizer is rebuilt, identically)")
    ap.add_argument("--smoke", action="store_true", help="tiny end-to-end run: few steps, small eval")
    args = ap.parse_args()
    if args.smoke:
        args.target_steps, args.draft_steps = 20, 20
        args.warmup_steps, args.log_every, args.eval_every, args.eval_windows = 5, 5, 10, 8

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    t_all = time.time()
    log(
        f"python {platform.python_version()} torch {torch.__version__} threads {torch.get_num_threads()} "
        f"machine {platform.node()} {platform.processor() or platform.machine()} cpus {os.cpu_count()}"
    )
    log("args: " + " ".join(sys.argv[1:]))
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)

    # 1. corpus
    t = time.time()
    corpus = common.load_corpus(args.corpus_root)
    manifest = common.corpus_manifest(corpus)
    log(
        f"corpus: {len(corpus.files)} files, {corpus.raw_bytes:,} raw bytes; train {len(corpus.train)} files "
        f"{corpus.train_bytes:,} B, val {len(corpus.val)} files {corpus.val_bytes:,} B ({time.time() - t:.1f}s)"
    )

    # 2. tokenizer
    t = time.time()
    tok = train_tokenizer(corpus.train, args.vocab_size)
    tok_json = os.path.join(args.work_dir, "tokenizer.json")
    tok.save(tok_json)
    tok_secs = time.time() - t
    train_stream = common.encode_docs(tok, corpus.train)
    val_stream = common.encode_docs(tok, corpus.val)
    val_win = common.val_windows(val_stream, args.seq_len, 16 if args.smoke else None)
    manifest["tokenizer"] = {
        "vocab_size": tok.get_vocab_size(),
        "tokenizer_json_sha256": common.file_sha256(tok_json),
        "train_tokens": int(len(train_stream)),
        "val_tokens": int(len(val_stream)),
        "train_bytes_per_token": round(corpus.train_bytes / len(train_stream), 3),
    }
    log(
        f"tokenizer: vocab {tok.get_vocab_size()} trained in {tok_secs:.1f}s; train stream {len(train_stream):,} "
        f"tokens ({corpus.train_bytes / len(train_stream):.2f} B/token), val {len(val_stream):,} tokens, "
        f"{len(val_win)} val windows; sha256 {manifest['tokenizer']['tokenizer_json_sha256'][:16]}"
    )
    common.write_json(os.path.join(args.out, "corpus.json"), manifest)
    tok_cfg = tokenizer_config(args.seq_len)

    # 3./4. models
    summary = {
        "command": "/work/venv/bin/python bench/train_pair/train_pair.py " + " ".join(sys.argv[1:]),
        "args": vars(args),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": __import__("transformers").__version__,
            "tokenizers": __import__("tokenizers").__version__,
        },
        "machine": {"node": platform.node(), "cpus": os.cpu_count(), "threads": torch.get_num_threads()},
        "tokenizer_seconds": round(tok_secs, 1),
        "models": {},
    }
    kinds = [args.only] if args.only else ["target", "draft"]
    for kind in kinds:
        model, info = train_model(kind, args, train_stream, val_win, tok.get_vocab_size())
        d, sizes = save_model(model, kind, args.out, tok_json, tok_cfg)
        info["files"] = sizes
        summary["models"][kind] = info
    summary["total_seconds"] = round(time.time() - t_all, 1)
    sum_path = os.path.join(args.out, "train_summary.json" if not args.only else f"train_summary_{args.only}.json")
    common.write_json(sum_path, summary)
    log(f"done in {summary['total_seconds'] / 60:.1f} min; summary {sum_path}")


if __name__ == "__main__":
    main()
