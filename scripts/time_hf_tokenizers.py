#!/usr/bin/env python3
"""Times Hugging Face `tokenizers` the way bench/tokenizer_bench.cpp times ours: fastest of three
loads, then per text the first encode on a fresh tokenizer and the median of --repeat more,
single-threaded (set RAYON_NUM_THREADS=1), whole text in one call, no special tokens.

Usage: time_hf_tokenizers.py --model DIR [--model DIR ...] --text NAME=FILE [...] [--repeat 5]
"""
import argparse
import statistics
import time

import tokenizers
from tokenizers import Tokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    texts = []
    for spec in args.text:
        name, path = spec.split("=", 1)
        with open(path, encoding="utf-8") as f:
            texts.append((name, f.read()))
    print(f"tokenizers {tokenizers.__version__}")
    for model in args.model:
        path = f"{model}/tokenizer.json"
        loads = []
        for _ in range(3):
            t0 = time.perf_counter()
            Tokenizer.from_file(path)
            loads.append(time.perf_counter() - t0)
        print(f"model={model} load_ms={min(loads) * 1e3:.1f}")
        for name, text in texts:
            tok = Tokenizer.from_file(path)
            t0 = time.perf_counter()
            n = len(tok.encode(text, add_special_tokens=False).ids)
            cold = time.perf_counter() - t0
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                tok.encode(text, add_special_tokens=False)
                runs.append(time.perf_counter() - t0)
            warm = statistics.median(runs)
            nbytes = len(text.encode("utf-8"))
            print(f"model={model} text={name} bytes={nbytes} tokens={n} cold_ms={cold * 1e3:.1f} "
                  f"warm_ms={warm * 1e3:.1f} warm_MBps={nbytes / warm / 1e6:.2f}")


if __name__ == "__main__":
    main()
