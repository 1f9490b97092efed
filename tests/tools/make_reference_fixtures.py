#!/usr/bin/env python3
"""Generate the Hugging Face `transformers` reference fixtures for Tandem's C++ model code.

WHAT IT MAKES
    One folder per case under --out (default tests/data/reference):

        <case>/config.json             saved by transformers `save_pretrained`
        <case>/generation_config.json  saved by transformers `save_pretrained`
        <case>/model.safetensors       tiny random weights (fp32, or bf16 for `llama_bf16`)
        <case>/reference.json          input ids, HF logits for every input position,
                                       and an 8-token greedy continuation
        versions.json                  Python / package versions that produced the files

    Cases (all 2 layers, tiny hidden size / vocab so that the whole tree stays < 1 MB):
        llama_mha            LlamaForCausalLM, 4 q heads / 4 kv heads, untied lm_head
        llama_gqa_tied       LlamaForCausalLM, 4 q / 2 kv heads, tie_word_embeddings=True
                             (model.safetensors then has NO lm_head.weight)
        llama3_rope_scaling  LlamaForCausalLM, rope_theta 500000, "llama3" RoPE scaling with
                             original_max_position_embeddings=64, GQA, 40 input tokens
        mistral              MistralForCausalLM, GQA, sliding_window null
        qwen2                Qwen2ForCausalLM (q/k/v bias), GQA, tied, padded vocabulary
                             (vocab_size 128, input ids drawn from [0, 100))
        qwen3                Qwen3ForCausalLM (per-head q_norm/k_norm RMSNorm), explicit
                             head_dim 16 != hidden_size/heads (= 8), GQA, untied, no bias
        llama_bf16           LlamaForCausalLM whose weights are stored as bfloat16; the
                             logits are computed by HF in float32 from the bf16-rounded
                             weights, so an fp32 forward over bf16-stored weights must match

WHY
    transformers is the oracle for Tandem's C++ Llama-family forward pass. The outputs are
    committed to the repository, so the C++ tests (and CI) need no Python, torch or
    transformers: they load config.json + model.safetensors, run the forward on
    `input_ids`, and compare against `logits` (fp32, expect ~1e-4 agreement), then run a
    greedy KV-cache decode and compare against `greedy_ids`.

    Random-init details that matter for test strength:
      * config.initializer_range = 0.2 (default 0.02 gives logits that are all ~0).
      * transformers initialises every RMSNorm weight to 1 and every Linear bias to 0, which
        would make a loader that ignores norm weights / biases pass.  After init we
        therefore overwrite every `*norm.weight` with U(0.5, 1.5) and every `*.bias` with
        N(0, 0.2) (seeded), so they are actually exercised.
      * Greedy continuation uses model.generate(do_sample=False, max_new_tokens=8,
        use_cache=True) with EOS disabled (eos_token_id=None for the call), so exactly 8
        plain-argmax tokens are produced. It is cross-checked against a no-cache loop of
        full forwards, and the smallest top-1/top-2 logit gap over those 8 steps is
        recorded as `greedy_min_margin` (the generator insists on > 1e-2 so that a
        1e-4-accurate implementation reproduces the same tokens).
      * attn_implementation="eager", torch.set_num_threads(1), CPU only, fixed seeds:
        rerunning with the same package versions reproduces the files byte for byte.

HOW TO RERUN
    python3 -m venv /work/venv
    /work/venv/bin/pip install torch transformers tokenizers safetensors numpy
    /work/venv/bin/python tests/tools/make_reference_fixtures.py --out tests/data/reference

    It deletes and rewrites each case folder it generates. Review `git diff`, check the
    printed total size (< 1 MB), and commit the outputs.

VERSIONS USED FOR THE COMMITTED FILES (also recorded in versions.json)
    python 3.11.7, torch 2.15.0+cu132 (run on CPU), transformers 5.23.0, tokenizers 0.23.3,
    safetensors 0.8.0, numpy 2.4.6.
    NOTE: transformers 5.x writes RoPE settings as a single `rope_parameters` object in
    config.json (containing rope_type, rope_theta and, for llama3, factor /
    low_freq_factor / high_freq_factor / original_max_position_embeddings) and the dtype as
    "dtype". Older checkpoints on the Hub use top-level `rope_theta` + `rope_scaling` and
    "torch_dtype"; the C++ loader must accept both spellings.

FLOAT FORMAT
    Every logit is the float32 value produced by torch, converted exactly to a Python float
    (float64) and printed with repr(), i.e. the shortest decimal that round-trips the
    float64. Parsing it as double and casting to float gives back the exact fp32 value.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

FLOAT_FORMAT = "float32 values printed with repr of float64 of the fp32 value"
NUM_GREEDY = 8
INIT_STD = 0.2


def base_config(**overrides):
    cfg = dict(
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        vocab_size=96,
        max_position_embeddings=256,
        hidden_act="silu",
        rms_norm_eps=1e-5,
        initializer_range=INIT_STD,
        tie_word_embeddings=False,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
    )
    cfg.update(overrides)
    return cfg


# name -> case description. `id_limit` is the exclusive upper bound of the input ids.
CASES = {
    "llama_mha": dict(
        model_type="llama",
        architecture="LlamaForCausalLM",
        seed=1001,
        num_tokens=11,
        config=base_config(num_key_value_heads=4, rms_norm_eps=1e-5),
        notes="Plain Llama, multi-head attention (4 q heads, 4 kv heads, head_dim 8), "
        "untied lm_head, rope_theta 10000, rms_norm_eps 1e-5.",
    ),
    "llama_gqa_tied": dict(
        model_type="llama",
        architecture="LlamaForCausalLM",
        seed=1002,
        num_tokens=11,
        config=base_config(num_key_value_heads=2, tie_word_embeddings=True, rms_norm_eps=1e-6,
                           vocab_size=112),
        notes="Llama with GQA (4 q heads, 2 kv heads, head_dim 8) and tie_word_embeddings=true: "
        "model.safetensors has no lm_head.weight; the output projection is "
        "model.embed_tokens.weight. rms_norm_eps 1e-6.",
    ),
    "llama3_rope_scaling": dict(
        model_type="llama",
        architecture="LlamaForCausalLM",
        seed=1003,
        num_tokens=40,
        config=base_config(
            num_attention_heads=2,
            num_key_value_heads=1,
            vocab_size=96,
            rms_norm_eps=1e-5,
            rope_parameters={
                "rope_type": "llama3",
                "rope_theta": 500000.0,
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 64,
            },
        ),
        notes="Llama 3 style RoPE: rope_theta 500000 with 'llama3' frequency scaling "
        "(factor 8, low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 64; "
        "with head_dim 16 the small original max makes the scaling change most frequencies: "
        "wavelength > 64 -> divided by 8, wavelength in [16, 64] -> smoothly interpolated). "
        "GQA 2 q heads / 1 kv head (head_dim 16). 40 input tokens (positions 0..39), greedy decode reaches "
        "position 47. The generator verifies the logits differ from the same weights "
        "without scaling (see rope_scaling_check).",
    ),
    "mistral": dict(
        model_type="mistral",
        architecture="MistralForCausalLM",
        seed=1014,
        num_tokens=11,
        config=base_config(num_key_value_heads=2, sliding_window=None, rms_norm_eps=1e-6,
                           vocab_size=104),
        notes="Mistral (architecturally Llama here): GQA 4 q / 2 kv heads, sliding_window null "
        "(full causal attention), untied, rms_norm_eps 1e-6.",
    ),
    "qwen2": dict(
        model_type="qwen2",
        architecture="Qwen2ForCausalLM",
        seed=1005,
        num_tokens=11,
        id_limit=100,
        config=base_config(num_key_value_heads=2, tie_word_embeddings=True, vocab_size=128,
                           rms_norm_eps=1e-6, use_sliding_window=False,
                           rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        notes="Qwen2: q_proj/k_proj/v_proj have biases (o_proj and MLP do not); biases are "
        "random N(0, 0.2) rather than HF's zero init. GQA 4 q / 2 kv heads, tied embeddings "
        "(no lm_head.weight), rope_theta 1e6, rms_norm_eps 1e-6. PADDED VOCABULARY: "
        "vocab_size is 128 but the input ids are drawn from [0, 100), as if a 100-token "
        "tokenizer were padded to 128 rows; logits still have 128 columns and greedy ids may "
        "land in the padded range (these are random weights).",
    ),
    "qwen3": dict(
        model_type="qwen3",
        architecture="Qwen3ForCausalLM",
        seed=1006,
        num_tokens=11,
        config=base_config(num_key_value_heads=2, head_dim=16, attention_bias=False,
                           vocab_size=120, rms_norm_eps=1e-6, use_sliding_window=False,
                           rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        notes="Qwen3: per-head RMSNorm on q and k (self_attn.q_norm.weight / k_norm.weight, "
        "shape [head_dim], applied to each head before RoPE, random U(0.5, 1.5) weights), "
        "explicit head_dim 16 while hidden_size / num_attention_heads = 8 (q_proj is 32->64, "
        "k/v_proj 32->32, o_proj 64->32). GQA 4 q / 2 kv heads, untied, attention_bias false, "
        "rope_theta 1e6, rms_norm_eps 1e-6.",
    ),
    "llama_bf16": dict(
        model_type="llama",
        architecture="LlamaForCausalLM",
        seed=1007,
        num_tokens=11,
        bf16=True,
        config=base_config(num_key_value_heads=2, rms_norm_eps=1e-5, vocab_size=100),
        notes="Llama GQA 4 q / 2 kv heads, untied; model.safetensors stores bfloat16 tensors "
        "(config dtype bfloat16). The logits were computed by HF in float32 from the "
        "bf16-rounded weights (model cast back to float32 for the forward), so an fp32 forward "
        "over the upcast bf16 weights should match to ~1e-4.",
    ),
}


def versions():
    import safetensors
    import tokenizers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }


def perturb_init(model, gen):
    """Make norm weights and biases non-trivial (HF inits them to 1 and 0)."""
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if name.endswith("norm.weight"):
                p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float32) + 0.5)
            elif name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32) * INIT_STD)


def build_model(case):
    config = AutoConfig.for_model(case["model_type"], **copy.deepcopy(case["config"]))
    config.architectures = [case["architecture"]]
    torch.manual_seed(case["seed"])
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    model = model.float().eval()
    perturb_init(model, torch.Generator().manual_seed(case["seed"] + 500))
    assert type(model).__name__ == case["architecture"], type(model).__name__
    return model


def logits_of(model, ids):
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=False)
    return out.logits[0].float()


def greedy(model, ids):
    gen_cfg = copy.deepcopy(model.generation_config)
    gen_cfg.eos_token_id = None  # exactly NUM_GREEDY argmax tokens, never stop early
    gen_cfg.pad_token_id = 0
    gen_cfg.do_sample = False
    with torch.no_grad():
        out = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            generation_config=gen_cfg,
            do_sample=False,
            max_new_tokens=NUM_GREEDY,
            min_new_tokens=NUM_GREEDY,
            use_cache=True,
        )
    new = out[0, ids.shape[1]:].tolist()
    assert len(new) == NUM_GREEDY, new

    # Cross-check with a cache-free loop of full forwards; record the argmax margins.
    seq = ids.clone()
    margins = []
    for step in range(NUM_GREEDY):
        last = logits_of(model, seq)[-1]
        top2 = torch.topk(last, 2)
        margins.append(float(top2.values[0] - top2.values[1]))
        nxt = int(top2.indices[0])
        assert nxt == new[step], f"generate() {new} disagrees with no-cache loop at step {step}"
        seq = torch.cat([seq, torch.tensor([[nxt]])], dim=1)
    return new, min(margins)


def rope_scaling_check(model, case, ids, ref_logits):
    """Same weights, rope scaling removed: logits must differ."""
    cfg = copy.deepcopy(case["config"])
    cfg["rope_parameters"] = {"rope_type": "default",
                              "rope_theta": cfg["rope_parameters"]["rope_theta"]}
    config = AutoConfig.for_model(case["model_type"], **cfg)
    plain = AutoModelForCausalLM.from_config(config, attn_implementation="eager").float().eval()
    plain.load_state_dict(model.state_dict())
    diff = float((logits_of(plain, ids) - ref_logits).abs().max())
    print(f"  rope scaling check: max |logits(llama3 scaling) - logits(no scaling)| = {diff:.6g}")
    assert diff > 1e-3, "llama3 rope scaling did not change the logits"
    return diff


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def write_reference(path: Path, ref: dict):
    # One top-level key per line and one logits row per line: readable diffs, compact files.
    parts = []
    for key, value in ref.items():
        if key == "logits":
            rows = ",\n  ".join(json.dumps(r) for r in value)
            parts.append(f' "logits": [\n  {rows}\n ]')
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # sanity
    path.write_text(text)


def make_case(name, case, out: Path):
    print(f"[{name}]")
    model = build_model(case)
    vocab = model.config.vocab_size
    id_limit = case.get("id_limit", vocab)
    gen = torch.Generator().manual_seed(case["seed"] + 100)
    ids = torch.randint(0, id_limit, (1, case["num_tokens"]), generator=gen)

    to_save = model
    if case.get("bf16"):
        # Round the parameters (not the fp32 RoPE inv_freq buffer) to bf16 and keep computing
        # in fp32; save a bf16 copy. (model.to(bf16).float() would also round inv_freq.)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(torch.bfloat16).float())
        to_save = copy.deepcopy(model).to(torch.bfloat16)

    case_dir = out / name
    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True)
    to_save.save_pretrained(case_dir, safe_serialization=True)
    if not (case_dir / "generation_config.json").exists():
        to_save.generation_config.save_pretrained(case_dir)
    del to_save
    ref_logits = logits_of(model, ids)
    std = float(ref_logits.std())
    print(f"  vocab {vocab}, {ids.shape[1]} tokens, logits std {std:.4g}")
    assert std > 0.5, "logits are nearly constant; raise initializer_range"
    greedy_ids, margin = greedy(model, ids)
    print(f"  greedy {greedy_ids}, min argmax margin {margin:.4g}")
    assert margin > 1e-2, "greedy argmax too fragile for a 1e-4 comparison; change the seed"

    ref = {
        "case": name,
        "architecture": case["architecture"],
        "input_ids": ids[0].tolist(),
        "greedy_ids": greedy_ids,
        "greedy_min_margin": margin,
        "float_format": FLOAT_FORMAT,
        "notes": case["notes"],
    }
    if name == "llama3_rope_scaling":
        ref["rope_scaling_check"] = {
            "max_abs_logit_diff_vs_unscaled": rope_scaling_check(model, case, ids, ref_logits)
        }
    ref["logits"] = [[float(v) for v in row] for row in ref_logits.numpy().astype(np.float32)]
    write_reference(case_dir / "reference.json", ref)

    # Validate what was written.
    back = json.loads((case_dir / "reference.json").read_text())
    arr = np.asarray(back["logits"], dtype=np.float64).astype(np.float32)
    assert arr.shape == (ids.shape[1], vocab), arr.shape
    assert np.array_equal(arr, ref_logits.numpy()), "logits did not round-trip"
    saved = json.loads((case_dir / "config.json").read_text())
    assert saved["architectures"] == [case["architecture"]], saved.get("architectures")
    from safetensors import safe_open

    with safe_open(case_dir / "model.safetensors", "pt") as f:
        keys = set(f.keys())
        dtypes = {f.get_tensor(k).dtype for k in keys}
    want = torch.bfloat16 if case.get("bf16") else torch.float32
    assert dtypes == {want}, dtypes
    tied = bool(case["config"].get("tie_word_embeddings"))
    assert ("lm_head.weight" in keys) != tied, "lm_head.weight presence does not match tying"
    # Reload through the normal HF path and make sure it reproduces the logits.
    reloaded = AutoModelForCausalLM.from_pretrained(
        case_dir, attn_implementation="eager", dtype=torch.float32).eval()
    assert torch.equal(logits_of(reloaded, ids), ref_logits), "reloaded model differs"
    print(f"  {len(keys)} tensors, folder {dir_size(case_dir) / 1024:.1f} KiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/data/reference", type=Path)
    ap.add_argument("--only", nargs="*", help="generate only these cases")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, case in CASES.items():
        if args.only and name not in args.only:
            continue
        make_case(name, case, out)

    (out / "versions.json").write_text(json.dumps(versions(), indent=1) + "\n")
    total = dir_size(out)
    print(f"total size of {out}: {total} bytes ({total / 1024:.1f} KiB)")
    if total >= 1 << 20:
        print("ERROR: fixtures exceed 1 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
