#!/usr/bin/env bash
# Writes the two texts the tokenizer speed comparison uses, from files every Debian system has:
#   OUT/prose.txt  English prose (the licence texts in /usr/share/common-licenses)
#   OUT/code.txt   source code (a fixed set of Python standard-library modules)
# Usage: scripts/make_tokenizer_bench_texts.sh OUT_DIR
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out"
licenses=(Apache-2.0 Artistic BSD CC0-1.0 GFDL-1.3 GPL-2 GPL-3 LGPL-2.1 LGPL-3 MPL-1.1 MPL-2.0)
: >"$out/prose.txt"
for f in "${licenses[@]}"; do cat "/usr/share/common-licenses/$f" >>"$out/prose.txt"; done
py=$(ls -d /usr/lib/python3.* | head -1)
modules=(argparse.py typing.py inspect.py dataclasses.py enum.py functools.py pathlib.py subprocess.py)
: >"$out/code.txt"
for m in "${modules[@]}"; do cat "$py/$m" >>"$out/code.txt"; done
wc -c "$out/prose.txt" "$out/code.txt"
