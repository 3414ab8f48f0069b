#!/usr/bin/env python3
"""Makes the tokenizer goldens in tests/fixtures/tokenizer with Hugging Face `tokenizers` and
`transformers` (run it on a machine that has them):

  * small tokenizers trained here -- WordPiece (BERT-style), Unigram (Metaspace), WordLevel,
    BPE with continuing_subword_prefix/end_of_word_suffix, and a SentencePiece-converted Unigram
    with a Precompiled normalizer when `sentencepiece` is installed -- saved as
    NAME.tokenizer.json with NAME.encode.jsonl.gz (ids, ids_special, decoded, decoded_skip);
  * components.jsonl.gz: single normalizers, pre-tokenizers and decoders on sample inputs;
  * jinja.jsonl.gz: scripts/jinja_cases.py rendered by transformers' chat-template environment.

Usage: make_tokenizer_fixtures.py --corpus corpus.jsonl.gz --train FILE [--train FILE ...] --out DIR
"""
import argparse
import base64
import gzip
import json
import os
import sys
import tempfile
import traceback

from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jinja_cases  # noqa: E402

EXTRA_TEXTS = [
    "[CLS] hello [MASK] world [SEP]",
    "<mask> a<mask> <mask>ony <mask>, end <mask>",
    "Hello World! HELLO WORLD hello world, helloworld",
    "  leading and trailing  ",
    "naïve café Ünïcödé résumé",
    "ﬁ ﬂ ①②③ ｆｕｌｌｗｉｄｔｈ ¼ ™ Å",
    "x" * 120,
    "supercalifragilisticexpialidocious " * 3,
    "",
    " ",
    "<s> inside </s> text <unk> <pad>",
    "1234567 3.14159 -42 1e10",
    "``quoted'' text",
    "tab\tseparated\tvalues\nnew line\r\nwindows",
    "日本語のテキスト 中文 한국어 العربية ไทย",
]


def write_jsonl_gz(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def encode_rows(tok, texts):
    rows = []
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False).ids
        ids_special = tok.encode(text, add_special_tokens=True).ids
        rows.append({
            "text": text, "ids": ids, "ids_special": ids_special,
            "decoded": tok.decode(ids_special, skip_special_tokens=False),
            "decoded_skip": tok.decode(ids_special, skip_special_tokens=True),
        })
    return rows


def train_wordpiece(train):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=800, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(train, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, single_word=True, normalized=False)])
    tok.add_tokens([AddedToken("hello world", normalized=True, rstrip=True)])
    return tok


def train_unigram(train):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=700, special_tokens=["<pad>", "<unk>", "<s>", "</s>"], unk_token="<unk>",
        max_piece_length=12)
    tok.train_from_iterator(train, trainer)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")),
                                              ("</s>", tok.token_to_id("</s>"))])
    return tok


def train_wordlevel(train):
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(),
         normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.Punctuation(behavior="isolated")])
    trainer = trainers.WordLevelTrainer(vocab_size=600, special_tokens=["<unk>", "<cls>", "<sep>"])
    tok.train_from_iterator(train, trainer)
    tok.post_processor = processors.BertProcessing(
        ("<sep>", tok.token_to_id("<sep>")), ("<cls>", tok.token_to_id("<cls>")))
    return tok


def train_bpe_suffix(train):
    tok = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##",
                               end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.UnicodeScripts()])
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=["<unk>", "<s>", "</s>"],
                                  continuing_subword_prefix="##", end_of_word_suffix="</w>")
    tok.train_from_iterator(train, trainer)
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    return tok


def train_sentencepiece(train, workdir):
    """A SentencePiece unigram model with byte fallback, converted the way transformers does,
    so the tokenizer.json carries a Precompiled normalizer."""
    import sentencepiece as spm
    prefix = os.path.join(workdir, "sp")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in train if t.strip()]), model_prefix=prefix,
        vocab_size=800, model_type="unigram", byte_fallback=True,
        character_coverage=0.9995, normalization_rule_name="nmt_nfkc", minloglevel=2)
    if "sentencepiece_model_pb2" not in sys.modules:
        try:  # from_spm imports the model proto by this bare name
            from sentencepiece import sentencepiece_model_pb2
        except ImportError:
            from transformers.convert_slow_tokenizer import import_protobuf
            sentencepiece_model_pb2 = import_protobuf()
        sys.modules["sentencepiece_model_pb2"] = sentencepiece_model_pb2
    from tokenizers.implementations import SentencePieceUnigramTokenizer
    tok = SentencePieceUnigramTokenizer.from_spm(prefix + ".model")
    return Tokenizer.from_str(tok.to_str())


def precompiled_normalizer(cfg):
    """The Precompiled step of a converted SentencePiece tokenizer, or None."""
    norm = cfg.get("normalizer") or {}
    for n in norm.get("normalizers", [norm]):
        if n.get("type") == "Precompiled":
            try:
                return normalizers.Precompiled(base64.b64decode(n["precompiled_charsmap"]))
            except Exception:  # noqa: BLE001 - the component goldens just go without it
                traceback.print_exc()
    return None


def component_json(kind, obj):
    tok = Tokenizer(models.WordLevel({"a": 0}, unk_token="a"))
    setattr(tok, kind, obj)
    return json.loads(tok.to_str())[kind]


def component_rows(samples, precompiled):
    B = "\u2581"
    norms = [normalizers.NFC(), normalizers.NFD(), normalizers.NFKC(), normalizers.NFKD(),
             normalizers.Lowercase(), normalizers.Strip(), normalizers.Strip(left=False),
             normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
             normalizers.Replace("  ", " "), normalizers.Replace(Regex(r"\s+"), "_"),
             normalizers.Prepend(B), normalizers.BertNormalizer(),
             normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                        strip_accents=False, lowercase=False),
             normalizers.BertNormalizer(strip_accents=True, lowercase=False)]
    if precompiled is not None:
        norms.append(precompiled)
    pres = [pre_tokenizers.ByteLevel(), pre_tokenizers.ByteLevel(add_prefix_space=False),
            pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False),
            pre_tokenizers.Metaspace(), pre_tokenizers.Metaspace(prepend_scheme="first"),
            pre_tokenizers.Metaspace(prepend_scheme="never", split=False),
            pre_tokenizers.Whitespace(), pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.BertPreTokenizer(), pre_tokenizers.Digits(),
            pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.UnicodeScripts(),
            pre_tokenizers.CharDelimiterSplit("-"),
            pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits()])]
    for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next",
                     "contiguous"]:
        pres.append(pre_tokenizers.Punctuation(behavior=behavior))
        for invert in [False, True]:
            pres.append(pre_tokenizers.Split(Regex(r"\s+|\d"), behavior, invert=invert))
        pres.append(pre_tokenizers.Split("a", behavior))
    rows = []
    for n in norms:
        cfg = component_json("normalizer", n)
        for s in samples:
            rows.append({"kind": "normalizer", "config": cfg, "input": s,
                         "output": n.normalize_str(s)})
    for p in pres:
        cfg = component_json("pre_tokenizer", p)
        for s in samples:
            rows.append({"kind": "pre_tokenizer", "config": cfg, "input": s,
                         "output": [piece for piece, _ in p.pre_tokenize_str(s)]})
    token_lists = [
        ["Hello", "\u0120world", "!", "\u0120\u00e2\u0122", "\u013b", "<|endoftext|>"],
        [B + "Hello", B + "wor", "ld", "<0x41>", "<0xE2>", "<0x82>", "<0xAC>", "<0xFF>", B, B + "x"],
        ["un", "##believ", "##able", "!", "it", "'", "s", "do", "n't", "?", "a", ",", "b", "."],
        ["lo", "wer</w>", "new", "est</w>", "x</w>"],
        ["<pad>", "h", "h", "<pad>", "e", "l", "l", "<pad>", "l", "o", "|", "w", "|", "|"],
        ["  padded  ", " x", "y "],
        [],
    ]
    decs = [decoders.ByteLevel(), decoders.Metaspace(), decoders.Metaspace(prepend_scheme="never"),
            decoders.WordPiece(), decoders.WordPiece(cleanup=False), decoders.BPEDecoder(),
            decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0),
            decoders.Strip("x", 2, 2), decoders.Replace(B, " "), decoders.CTC(),
            decoders.CTC(cleanup=False),
            decoders.Sequence([decoders.Replace(B, " "), decoders.ByteFallback(), decoders.Fuse(),
                               decoders.Strip(" ", 1, 0)])]
    for d in decs:
        cfg = component_json("decoder", d)
        for tokens in token_lists:
            try:
                out = {"output": d.decode(tokens)}
            except Exception as e:  # noqa: BLE001 - the reference's error is the golden
                out = {"error": str(e)}
            rows.append({"kind": "decoder", "config": cfg, "input": tokens, **out})
    return rows


def jinja_rows():
    from transformers.utils.chat_template_utils import _compile_jinja_template
    rows = []
    for name, template in jinja_cases.CASES:
        row = {"name": name, "template": template}
        try:
            row["rendered"] = _compile_jinja_template(template).render(**jinja_cases.VARS)
        except Exception as e:  # noqa: BLE001 - the reference's error is the golden
            row["error"] = f"{type(e).__name__}: {e}"
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--train", action="append", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="", help="comma-separated tokenizer names to make")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    os.makedirs(args.out, exist_ok=True)
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        corpus = [json.loads(line)["text"] for line in f if line.strip()]
    # The corpus's random Unicode holds more distinct characters than a small Unigram vocab
    # can: the Unigram models learn from the --train files alone and meet the rest as unknown.
    plain = []
    for path in args.train:
        with open(path, encoding="utf-8") as f:
            plain.extend(f.read().split("\n"))
    train = corpus + plain
    texts = corpus + EXTRA_TEXTS

    trainers_by_name = {"wordpiece": train_wordpiece, "unigram": train_unigram,
                        "wordlevel": train_wordlevel, "bpe_suffix": train_bpe_suffix}
    precompiled = None
    with tempfile.TemporaryDirectory() as work:
        for name, fn in list(trainers_by_name.items()) + [
                ("sentencepiece", lambda t: train_sentencepiece(t, work))]:
            if only and name not in only:
                continue
            try:
                tok = fn(plain if name in ("unigram", "sentencepiece") else train)
            except Exception:  # noqa: BLE001 - report and go on with the others
                traceback.print_exc()
                print(f"SKIPPED {name}", flush=True)
                continue
            tok.save(os.path.join(args.out, f"{name}.tokenizer.json"))
            write_jsonl_gz(os.path.join(args.out, f"{name}.encode.jsonl.gz"),
                           encode_rows(tok, texts))
            cfg = json.loads(tok.to_str())
            if name == "sentencepiece":
                precompiled = precompiled_normalizer(cfg)
            print(f"OK {name}: vocab {tok.get_vocab_size()}", flush=True)
    if only and "components" not in only and "jinja" not in only:
        return
    samples = corpus[:40:2] + corpus[150::15] + EXTRA_TEXTS
    if not only or "components" in only:
        write_jsonl_gz(os.path.join(args.out, "components.jsonl.gz"),
                       component_rows(samples, precompiled))
        print("OK components", flush=True)
    try:
        write_jsonl_gz(os.path.join(args.out, "jinja.jsonl.gz"), jinja_rows())
        print("OK jinja", flush=True)
    except Exception:  # noqa: BLE001
        traceback.print_exc()


if __name__ == "__main__":
    main()
