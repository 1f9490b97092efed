#!/work/venv/bin/python
"""Generates text from a saved Tandem model dir (greedy and sampled).

Interpreter: /work/venv/bin/python (CPython 3.11) with torch, transformers,
tokenizers (tested 2.15.0 / 5.23.0 / 0.23.3).

The prompt is encoded with the model's tokenizer.json (which prepends
<|startoftext|>); generation stops at <|endoftext|> or after --max-new-tokens.
Sampling is plain softmax(logits / T) with no top-k/top-p, from a seeded
torch.Generator, so the output is reproducible on one machine.

Usage:
  /work/venv/bin/python bench/train_pair/sample.py --model deploy/models/tandem-target \
      --prompt "def " --temperature 0 --temperature 0.7
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


@torch.no_grad()
def generate(model, ids: list[int], max_new: int, temperature: float, seed: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    limit = model.config.max_position_embeddings
    out = list(ids)
    for _ in range(max_new):
        if len(out) >= limit:
            break
        logits = model(input_ids=torch.tensor([out])).logits[0, -1].float()
        if temperature == 0:
            nxt = int(logits.argmax())
        else:
            nxt = int(torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=g))
        out.append(nxt)
        if nxt == common.EOS_ID:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="deploy/models/tandem-target")
    ap.add_argument("--prompt", action="append", help="repeatable; default: 'def ' and a doc-style prompt")
    ap.add_argument("--temperature", type=float, action="append", help="repeatable; default 0 and 0.7")
    ap.add_argument("--max-new-tokens", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    prompts = args.prompt or ["def ", "The :mod:`json` module"]
    temps = args.temperature or [0.0, 0.7]

    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM

    tok = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    for prompt in prompts:
        ids = tok.encode(prompt).ids  # post-processor prepends BOS
        assert ids[0] == common.BOS_ID
        for t in temps:
            out = generate(model, ids, args.max_new_tokens, t, args.seed)
            text = tok.decode(out[1:], skip_special_tokens=False)
            print(f"===== prompt {prompt!r}  T={t:g}  seed={args.seed}  ({len(out) - len(ids)} new tokens)")
            print(text)
            print()


if __name__ == "__main__":
    main()
