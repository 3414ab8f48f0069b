#!/usr/bin/env python3
"""Makes the LM parity fixtures in tests/fixtures/lm/ with Hugging Face transformers.

For every architecture: a tiny random model (hidden 64, 2-3 layers, vocab 512, weights
N(0, 0.1) rounded to float16 so the checkpoint can be stored in half the space while the model
runs in float32), an 11-token prompt, HF's float32 logits over the prompt and HF's greedy
24-token continuation. Plus 4-bit and 8-bit MLX-quantized variants (MLX's affine layout:
uint32 words packed low bits first, float32 scales and biases per group of 64) whose reference
is HF running the dequantized weights.

Run where transformers and torch are installed (the GPU machine has them):
    python3 scripts/make_lm_fixtures.py OUT_DIR [arch ...]
Output: OUT_DIR/<arch>[_q4|_q8]/{config.json, model.safetensors, reference.json,
reference.safetensors}
"""
import json
import math
import os
import shutil
import sys
import traceback

import torch
from safetensors.torch import load_file, save_file

VOCAB = 512
PROMPT = [17, 301, 42, 7, 499, 128, 64, 3, 250, 88, 411]
NEW_TOKENS = 24
GROUP = 64

BASE = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=256, tie_word_embeddings=False, bos_token_id=1,
            eos_token_id=2, pad_token_id=0)

# Per-architecture tiny configurations (on top of BASE where the architecture uses those names).
ARCHS = {
    "llama": dict(rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                    high_freq_factor=4.0, original_max_position_embeddings=32)),
    "mistral": dict(sliding_window=16),
    "qwen2": dict(tie_word_embeddings=True, rope_scaling=dict(rope_type="linear", factor=2.0)),
    "qwen3": dict(),
    "gemma": dict(hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh"),
    "gemma2": dict(hidden_activation="gelu_pytorch_tanh", sliding_window=8,
                   query_pre_attn_scalar=16, attn_logit_softcapping=50.0,
                   final_logit_softcapping=30.0, num_hidden_layers=3),
    "gemma3_text": dict(hidden_activation="gelu_pytorch_tanh", sliding_window=8,
                        query_pre_attn_scalar=16, num_hidden_layers=3,
                        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
                        rope_local_base_freq=10000.0, rope_theta=1000000.0),
    "phi3": dict(num_key_value_heads=4, rope_scaling=dict(
        rope_type="longrope", short_factor=[1.0 + 0.1 * i for i in range(8)],
        long_factor=[2.0 + 0.2 * i for i in range(8)]),
        original_max_position_embeddings=16, max_position_embeddings=64),
    "mixtral": dict(num_local_experts=4, num_experts_per_tok=2),
    "qwen2_moe": dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=64,
                      shared_expert_intermediate_size=96, decoder_sparse_step=1,
                      norm_topk_prob=False),
    "qwen3_moe": dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=64,
                      decoder_sparse_step=1, norm_topk_prob=True),
    "olmo2": dict(num_key_value_heads=4),
    "granite": dict(embedding_multiplier=2.0, attention_multiplier=0.2, residual_multiplier=0.5,
                    logits_scaling=4.0),
    "starcoder2": dict(use_bias=True, norm_epsilon=1e-5, sliding_window=None),
    "stablelm": dict(partial_rotary_factor=0.5, use_qkv_bias=True, layer_norm_eps=1e-5),
    "cohere": dict(logit_scale=0.5, layer_norm_eps=1e-5, use_qk_norm=False),
    "phi": dict(partial_rotary_factor=0.5, hidden_act="gelu_new", num_key_value_heads=4,
                layer_norm_eps=1e-5),
    "gpt_neox": dict(rotary_pct=0.5, use_parallel_residual=True, num_key_value_heads=None,
                     layer_norm_eps=1e-5),
    "gpt2": dict(n_embd=64, n_layer=2, n_head=4, n_positions=256, n_inner=128,
                 activation_function="gelu_new"),
    "deepseek_v3": dict(q_lora_rank=32, kv_lora_rank=32, qk_rope_head_dim=8, v_head_dim=16,
                        qk_nope_head_dim=16, n_routed_experts=4, n_shared_experts=1,
                        num_experts_per_tok=2, moe_intermediate_size=64, first_k_dense_replace=1,
                        n_group=2, topk_group=1, routed_scaling_factor=2.5, norm_topk_prob=True,
                        num_key_value_heads=4, num_hidden_layers=3, head_dim=8,
                        rope_scaling=dict(rope_type="yarn", factor=4.0,
                                          original_max_position_embeddings=64, beta_fast=32,
                                          beta_slow=1, mscale=1.0, mscale_all_dim=1.0)),
    "smollm3": dict(no_rope_layers=[1, 0], num_hidden_layers=2),
    "glm4": dict(partial_rotary_factor=0.5, attention_bias=True),
    "exaone4": dict(sliding_window=8, num_hidden_layers=3, sliding_window_pattern="LLG",
                    layer_types=["sliding_attention", "sliding_attention", "full_attention"]),
}


def make_config(arch):
    from transformers import AutoConfig
    settings = dict(BASE)
    settings.update(ARCHS[arch])
    settings = {k: v for k, v in settings.items() if v is not None or k in ARCHS[arch]}
    config = AutoConfig.for_model(arch, **settings)
    config.torch_dtype = "float32"
    return config


def randomize(model, seed):
    # N(0, 0.1) everywhere (norm gains 1 + N(0, 0.1)), rounded to float16-representable values.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g) * 0.1
            is_gain = p.dim() == 1 and ("norm" in name or "ln" in name) and not name.endswith("bias")
            value = (1.0 + noise) if is_gain else noise
            p.copy_(value.half().float())


def reference(model):
    """Logits over the prompt, and the greedy continuation decoded one token at a time through
    the KV cache (model.generate may treat position-dependent rotary scaling such as longrope
    differently from the model's own incremental forward)."""
    ids = torch.tensor([PROMPT])
    with torch.no_grad():
        out = model(ids, use_cache=True)
        logits = out.logits[0].float().contiguous()
        past = out.past_key_values
        token = out.logits[0, -1].argmax().item()
        tokens = [token]
        while len(tokens) < NEW_TOKENS:
            out = model(torch.tensor([[token]]), past_key_values=past, use_cache=True)
            past = out.past_key_values
            token = out.logits[0, -1].argmax().item()
            tokens.append(token)
    return logits, tokens


def quantize_affine(w, bits):
    """MLX-style affine quantization of the last axis in groups of 64: w ~ q * scale + bias."""
    rows, cols = w.shape
    g = w.reshape(rows, cols // GROUP, GROUP).double()
    wmin = g.min(dim=-1, keepdim=True).values
    wmax = g.max(dim=-1, keepdim=True).values
    levels = (1 << bits) - 1
    scale = torch.clamp((wmax - wmin) / levels, min=1e-7)
    q = torch.clamp(torch.round((g - wmin) / scale), 0, levels).to(torch.int64)
    scale = scale.float()
    bias = wmin.float()
    deq = (q.float() * scale + bias).reshape(rows, cols)
    # Pack: 32 / bits values per uint32 word, low bits first.
    per_word = 32 // bits
    qf = q.reshape(rows, cols // per_word, per_word)
    words = torch.zeros(rows, cols // per_word, dtype=torch.int64)
    for i in range(per_word):
        words |= qf[..., i] << (bits * i)
    words = words.to(torch.uint32) if hasattr(torch, "uint32") else words.to(torch.int32)
    return words, scale.reshape(rows, -1), bias.reshape(rows, -1), deq


CONV1D = ("c_attn.weight", "c_proj.weight", "c_fc.weight")  # gpt2 stores these as [in, out]


def quantized_checkpoint(arch, tensors, bits):
    """Quantizes every 2-D weight whose input dimension is a multiple of 64 (Linear and
    Embedding weights; gpt2's Conv1D weights are transposed to [out, in] first, as mlx-lm
    does). Returns the quantized checkpoint and the dequantized float one."""
    quantized, dequantized = {}, {}
    for name, t in tensors.items():
        t = t.float()
        transposed = arch == "gpt2" and name.endswith(CONV1D)
        w = t.t().contiguous() if transposed else t
        if name.endswith(".weight") and w.dim() == 2 and w.shape[1] % GROUP == 0:
            words, scale, bias, deq = quantize_affine(w, bits)
            base = name[: -len(".weight")]
            quantized[name] = words
            quantized[base + ".scales"] = scale
            quantized[base + ".biases"] = bias
            dequantized[name] = (deq.t() if transposed else deq).contiguous()
        else:
            quantized[name] = t.half()  # same float16-exact values as the float model
            dequantized[name] = t
    return quantized, dequantized


def write_case(folder, config_dict, tensors, logits, tokens, metadata=None):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=1, sort_keys=True)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    save_file({"logits": logits}, os.path.join(folder, "reference.safetensors"))
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"prompt": PROMPT, "greedy": tokens, **(metadata or {})}, f)


def make_arch(arch, out_dir, seed):
    from transformers import AutoModelForCausalLM
    config = make_config(arch)
    torch.manual_seed(seed)
    # Eager attention: the faithful reference (sdpa drops Gemma 2's attention soft-capping).
    model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.float32,
                                             attn_implementation="eager").eval()
    randomize(model, seed)
    logits, tokens = reference(model)
    tmp = os.path.join(out_dir, f".tmp_{arch}")
    model.save_pretrained(tmp, safe_serialization=True)
    tensors = {}
    for f in sorted(os.listdir(tmp)):
        if f.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(tmp, f)))
    with open(os.path.join(tmp, "config.json")) as f:
        config_dict = json.load(f)
    config_dict["torch_dtype"] = "float32"
    write_case(os.path.join(out_dir, arch), config_dict, {k: v.half() for k, v in tensors.items()},
               logits, tokens)
    for bits in (4, 8):
        qtensors, deq = quantized_checkpoint(arch, tensors, bits)
        qmodel = load_dequantized(tmp, deq)
        qlogits, qtokens = reference(qmodel)
        qconfig = dict(config_dict)
        qconfig["quantization"] = {"group_size": GROUP, "bits": bits}
        write_case(os.path.join(out_dir, f"{arch}_q{bits}"), qconfig, qtensors, qlogits, qtokens)
    shutil.rmtree(tmp)
    shutil.rmtree(tmp + "_deq")
    return True


def load_dequantized(tmp, dequantized):
    """HF's model with the dequantized weights, loaded through from_pretrained so that its
    checkpoint conversions (fused experts and the like) apply as for the real checkpoint."""
    from transformers import AutoModelForCausalLM
    qdir = tmp + "_deq"
    os.makedirs(qdir, exist_ok=True)
    save_file({k: v.contiguous() for k, v in dequantized.items()},
              os.path.join(qdir, "model.safetensors"), metadata={"format": "pt"})
    for f in os.listdir(tmp):
        if f.endswith(".json"):
            with open(os.path.join(tmp, f)) as src, open(os.path.join(qdir, f), "w") as dst:
                dst.write(src.read())
    return AutoModelForCausalLM.from_pretrained(qdir, torch_dtype=torch.float32,
                                                attn_implementation="eager").eval()


def main():
    out_dir = sys.argv[1]
    archs = sys.argv[2:] or list(ARCHS)
    failures = {}
    for i, arch in enumerate(archs):
        try:
            make_arch(arch, out_dir, 1000 + i)
            print(f"ok {arch}", flush=True)
        except Exception as e:  # keep going: report every architecture's outcome
            failures[arch] = "".join(traceback.format_exception(e))[-3000:]
            print(f"FAILED {arch}: {e}", flush=True)
    with open(os.path.join(out_dir, "failures.json"), "w") as f:
        json.dump(failures, f, indent=1)
    print(f"{len(archs) - len(failures)} of {len(archs)} architectures made")


if __name__ == "__main__":
    main()
