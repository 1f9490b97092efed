#!/work/venv/bin/python
"""Distil a Tandem draft model from the bundled target (knowledge distillation).

Interpreter: /work/venv/bin/python (CPython 3.11) with torch, transformers,
tokenizers, safetensors, numpy (see README.md). Runs on CPU (the committed
draft was distilled on 2 CPU threads, see deploy/models/README.md); it moves to
CUDA with bf16 autocast when a GPU is visible, a path not exercised so far.
Nothing is downloaded.

WHY
    Speculative decoding's speed is set by the acceptance rate
    alpha = E_pos[sum_x min(p(x), q(x))] = 1 - E_pos[TV(p, q)]
    (Leviathan et al. 2023, Sec. 3.4): the expected tokens per target pass with
    k drafted tokens is (1 - alpha^(k+1)) / (1 - alpha). A draft trained on the
    corpus's hard labels learns the *corpus*; a draft trained on the target's
    output distributions learns the *target*, which is what alpha measures
    (DistillSpec, Zhou et al. 2024, ICLR: distillation on target soft labels and
    on model-generated text raises alpha for every draft size).

WHAT IT DOES
    1. Token streams: the train/validation split of the corpus, rebuilt exactly
       as train_pair.py builds it (or read from --streams, an .npz written by
       --write-streams, so a machine without the corpus can run it).
    2. Target-generated text: --generated-seqs sequences sampled from the target
       at temperature 1 (plain softmax), each continuing a --prompt-len-token
       window of the training stream, to --seq-len tokens. A second, disjoint
       set (other seed, validation-stream prompts) is held out for evaluation.
    3. Training: the draft minimises the forward KL divergence
       KL(p_target || q_draft) = sum_x p(x) (log p(x) - log q(x)) per position,
       both at temperature 1, on batches drawn half from the corpus stream and
       half from the generated sequences. AdamW, warmup + cosine, grad clip 1.0,
       bf16 autocast on CUDA (fp32 master weights), fp32 on CPU.
    4. Evaluation: alpha(T) for T in --temperatures on the validation split and on
       the held-out generated text, before (for --baseline-draft) and after.
    5. Output: an HF directory (bfloat16 safetensors, the target's tokenizer
       files, 4.x- and 5.x-readable config.json) and distill_summary.json.

USAGE
    # smoke run on CPU (~1 min)
    /work/venv/bin/python bench/train_pair/distill_draft.py --smoke --out /tmp/distill_smoke
    # the committed run (defaults = its settings; ~12 min on 2 CPU threads): start from the
    # undistilled draft that train_pair.py makes, and write to a scratch dir
    /work/venv/bin/python bench/train_pair/train_pair.py --only draft --out /tmp/pair
    /work/venv/bin/python bench/train_pair/distill_draft.py --baseline-draft /tmp/pair/tandem-draft \
        --init-from-baseline --out /tmp/distilled
    # details and results: deploy/models/README.md ("Distilled draft")
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from train_pair import log, lr_at, make_llama, save_model  # noqa: E402


def load_streams(args, tokenizer_json: str) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) token streams, uint16, BOS doc EOS concatenated."""
    if args.streams:
        z = np.load(args.streams)
        return z["train"], z["val"]
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer_json)
    corpus = common.load_corpus(args.corpus_root)
    return common.encode_docs(tok, corpus.train), common.encode_docs(tok, corpus.val)


def windows_from_stream(stream: np.ndarray, rng, n: int, length: int) -> torch.Tensor:
    starts = rng.integers(0, len(stream) - length, size=n)
    return torch.from_numpy(stream[starts[:, None] + np.arange(length)[None, :]].astype(np.int64))


@torch.no_grad()
def sample_from_target(target, prompts: torch.Tensor, total_len: int, batch: int, device, seed: int) -> torch.Tensor:
    """Continue each prompt row to total_len tokens by plain softmax sampling at T = 1."""
    gen = torch.Generator(device=device).manual_seed(seed)
    out = []
    for i in range(0, len(prompts), batch):
        x = prompts[i : i + batch].to(device)
        res = target(input_ids=x, use_cache=True)
        past, seq = res.past_key_values, [x]
        logits = res.logits[:, -1].float()
        for _ in range(total_len - x.shape[1]):
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)
            seq.append(nxt)
            res = target(input_ids=nxt, past_key_values=past, use_cache=True)
            past, logits = res.past_key_values, res.logits[:, -1].float()
        out.append(torch.cat(seq, 1).cpu())
    return torch.cat(out, 0)


@torch.no_grad()
def acceptance(target, draft, windows: torch.Tensor, temps, batch: int, device, autocast) -> dict:
    """alpha(T) = mean over predicted positions of sum_x min(p_T, q_T); T = 0: argmax agreement."""
    draft.eval()
    acc = {t: 0.0 for t in temps}
    n = 0
    for i in range(0, len(windows), batch):
        x = windows[i : i + batch].to(device)
        with autocast():
            lp = target(input_ids=x).logits.float()
            lq = draft(input_ids=x).logits.float()
        for t in temps:
            if t == 0:
                acc[t] += (lp.argmax(-1) == lq.argmax(-1)).double().sum().item()
            else:
                acc[t] += torch.minimum(torch.softmax(lp / t, -1), torch.softmax(lq / t, -1)).sum(-1).double().sum().item()
        n += lp.shape[0] * lp.shape[1]
    draft.train()
    return {str(t): round(acc[t] / n, 4) for t in temps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="deploy/models/tandem-target")
    ap.add_argument("--baseline-draft", default="deploy/models/tandem-draft",
                    help="draft to evaluate before training, for the summary ('' to skip)")
    ap.add_argument("--out", required=True, help="output directory; the model goes to <out>/tandem-draft")
    ap.add_argument("--corpus-root", default=common.DEFAULT_CORPUS_ROOT)
    ap.add_argument("--streams", default=None, help="read token streams from this .npz instead of the corpus")
    ap.add_argument("--write-streams", default=None, help="write the token streams to this .npz and exit")
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--intermediate", type=int, default=384)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1800)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-steps", type=int, default=50)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--generated-seqs", type=int, default=2048, help="target samples to train on (0: corpus only)")
    ap.add_argument("--heldout-seqs", type=int, default=128)
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--gen-batch", type=int, default=256)
    ap.add_argument("--eval-windows", type=int, default=256)
    ap.add_argument("--temperatures", default="0,0.8,1.0")
    ap.add_argument("--init-from-baseline", action="store_true",
                    help="start from --baseline-draft's weights (same shape) instead of random init")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop training after this long (0: no cap)")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="tiny run for checking the script")
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.batch_size, args.generated_seqs, args.heldout_seqs = 20, 4, 8, 4
        args.eval_windows, args.gen_batch, args.warmup_steps = 8, 8, 5
    if args.init_from_baseline and not args.baseline_draft:
        ap.error("--init-from-baseline needs --baseline-draft (the draft to start from)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()

    tok_json = os.path.join(args.target, "tokenizer.json")
    train_stream, val_stream = load_streams(args, tok_json)
    if args.write_streams:
        np.savez(args.write_streams, train=train_stream, val=val_stream)
        log(f"wrote {args.write_streams}: train {len(train_stream):,} val {len(val_stream):,} tokens")
        return

    from transformers import LlamaForCausalLM

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda else (lambda: torch.autocast("cpu", enabled=False))
    target = LlamaForCausalLM.from_pretrained(args.target, dtype=torch.float32).to(device).eval()
    for p in target.parameters():
        p.requires_grad_(False)
    L = args.seq_len
    rng = np.random.Generator(np.random.PCG64(args.seed))
    temps = [float(t) for t in args.temperatures.split(",")]

    t0 = time.time()
    gen_train = torch.empty(0, L, dtype=torch.int64)
    if args.generated_seqs:
        gen_train = sample_from_target(target, windows_from_stream(train_stream, rng, args.generated_seqs, args.prompt_len),
                                       L, args.gen_batch, device, args.seed)
    gen_heldout = sample_from_target(target, windows_from_stream(val_stream, rng, args.heldout_seqs, args.prompt_len),
                                     L, args.gen_batch, device, args.seed + 1)
    log(f"sampled {len(gen_train)} + {len(gen_heldout)} held-out target sequences of {L} tokens in {time.time() - t0:.0f} s")
    val_win = torch.from_numpy(common.val_windows(val_stream, L - 1, args.eval_windows))[:, :L]

    summary = {"args": vars(args), "device": str(device), "before": {}, "after": {}}
    if args.baseline_draft:
        base = LlamaForCausalLM.from_pretrained(args.baseline_draft, dtype=torch.float32).to(device)
        summary["before"] = {
            "validation": acceptance(target, base, val_win, temps, 32, device, autocast),
            "generated": acceptance(target, base, gen_heldout, temps, 32, device, autocast),
        }
        log(f"baseline alpha: {summary['before']}")
    if args.init_from_baseline:
        draft = base.float().train()
    else:
        spec = dict(hidden_size=args.hidden, intermediate_size=args.intermediate, num_hidden_layers=args.layers,
                    num_attention_heads=args.heads, num_key_value_heads=args.kv_heads)
        draft = make_llama(target.config.vocab_size, target.config.max_position_embeddings, spec).to(device)
    n_params = sum(p.numel() for p in draft.parameters())
    log(f"draft: {n_params:,} parameters, {args.steps} steps x {args.batch_size} x {L} tokens")

    decay = [p for p in draft.parameters() if p.dim() >= 2]
    no_decay = [p for p in draft.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    t0 = time.time()
    half = args.batch_size // 2 if len(gen_train) else 0
    for step in range(args.steps):
        lr = lr_at(step, args.steps, args.warmup_steps, args.lr, min_ratio=0.1)
        for g in opt.param_groups:
            g["lr"] = lr
        parts = [windows_from_stream(train_stream, rng, args.batch_size - half, L)]
        if half:
            parts.append(gen_train[torch.from_numpy(rng.integers(0, len(gen_train), size=half))])
        x = torch.cat(parts, 0).to(device)
        with torch.no_grad(), autocast():
            log_p = torch.log_softmax(target(input_ids=x).logits.float(), -1)
        with autocast():
            log_q = torch.log_softmax(draft(input_ids=x).logits.float(), -1)
        # Forward KL(p || q) per position, mean over positions.
        loss = (log_p.exp() * (log_p - log_q)).sum(-1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(draft.parameters(), 1.0)
        opt.step()
        capped = args.max_minutes and time.time() - t0 > args.max_minutes * 60
        if capped or (step + 1) % max(1, args.steps // 20) == 0 or step + 1 == args.steps:
            el = time.time() - t0
            log(f"step {step + 1}/{args.steps} KL {loss.item():.4f} lr {lr:.2e} "
                f"{(step + 1) * args.batch_size * L / el:.0f} tok/s elapsed {el / 60:.1f} min")
        if capped:
            log(f"time cap {args.max_minutes} min hit at step {step + 1}/{args.steps}")
            break
    summary["steps_done"] = step + 1
    summary["train_seconds"] = round(time.time() - t0, 1)
    summary["parameters"] = n_params
    summary["after"] = {
        "validation": acceptance(target, draft, val_win, temps, 32, device, autocast),
        "generated": acceptance(target, draft, gen_heldout, temps, 32, device, autocast),
    }
    log(f"distilled alpha: {summary['after']}")
    with open(os.path.join(args.target, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_cfg = json.load(f)
    out_model, _ = save_model(draft.cpu(), "draft", args.out, os.path.join(args.target, "tokenizer.json"), tok_cfg)
    summary["seconds"] = round(time.time() - t_start, 1)
    common.write_json(os.path.join(args.out, "distill_summary.json"), summary)
    log(f"saved {out_model} and {args.out}/distill_summary.json")


if __name__ == "__main__":
    main()
