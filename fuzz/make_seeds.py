#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (fuzz/corpus/<format>/): small valid files covering each
format's features, built from the specs with the standard library alone."""
import io
import json
import os
import random
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(1234)


def write(fmt, name, data):
    folder = os.path.join(HERE, "corpus", fmt)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def rand_bytes(n):
    return bytes(rng.randrange(256) for _ in range(n))


write("safetensors", "basic", safetensors(
    [("w", "F32", [2, 3], struct.pack("<6f", *range(6))),
     ("h", "BF16", [2], rand_bytes(4)),
     ("i", "I64", [], rand_bytes(8)),
     ("b", "BOOL", [3], b"\x00\x01\x01"),
     ("e", "F16", [0, 5], b"")],
    {"format": "pt"}))
write("safetensors", "dtypes", safetensors(
    [(f"t{i}", d, [2], rand_bytes(2 * s)) for i, (d, s) in enumerate(
        [("U8", 1), ("I8", 1), ("U16", 2), ("I16", 2), ("U32", 4), ("I32", 4), ("U64", 8),
         ("F64", 8), ("F8_E4M3", 1), ("F8_E5M2", 1), ("C64", 8)])]))
write("safetensors", "unaligned", safetensors(
    [("a", "U8", [3], b"abc"), ("f", "F32", [2], rand_bytes(8))]))


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf(kvs, tensors, version=3, alignment=32):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, vtype, raw in kvs:
        out += gguf_string(key) + struct.pack("<I", vtype) + raw
    data, infos = b"", b""
    for name, dims, ttype, raw in tensors:
        data += b"\0" * (-len(data) % alignment)
        infos += gguf_string(name) + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", ttype, len(data))
        data += raw
    out += infos
    out += b"\0" * (-len(out) % alignment)
    return out + data


def half(x):
    return struct.pack("<e", x)


def blocks(block_bytes, scale_offsets, n):
    out = b""
    for _ in range(n):
        b = bytearray(rand_bytes(block_bytes))
        for off in scale_offsets:
            b[off:off + 2] = half(rng.uniform(-1, 1))
        out += bytes(b)
    return out


kvs = [
    ("general.architecture", 8, gguf_string("llama")),
    ("general.alignment", 4, struct.pack("<I", 32)),
    ("llama.block_count", 4, struct.pack("<I", 2)),
    ("f", 6, struct.pack("<f", 0.5)),
    ("d", 12, struct.pack("<d", 0.25)),
    ("flag", 7, b"\x01"),
    ("u64", 10, struct.pack("<Q", 7)),
    ("tokens", 9, struct.pack("<IQ", 8, 2) + gguf_string("a") + gguf_string("bc")),
    ("ids", 9, struct.pack("<IQ", 5, 3) + struct.pack("<3i", 1, -2, 3)),
]
write("gguf", "plain", gguf(kvs, [
    ("w.weight", [4, 2], 0, struct.pack("<8f", *range(8))),
    ("h", [3], 1, rand_bytes(6)),
    ("b", [2], 30, rand_bytes(4)),
    ("i", [2], 26, rand_bytes(8)),
]))
quants = {  # type id: (block elements, block bytes, offsets of float16 scales)
    2: (32, 18, [0]), 3: (32, 20, [0, 2]), 6: (32, 22, [0]), 7: (32, 24, [0, 2]),
    8: (32, 34, [0]), 10: (256, 84, [80, 82]), 11: (256, 110, [108]), 12: (256, 144, [0, 2]),
    13: (256, 176, [0, 2]), 14: (256, 210, [208]),
}
for ttype, (n, size, offsets) in quants.items():
    write("gguf", f"type{ttype}", gguf(kvs[:1], [
        (f"blk.{ttype}.weight", [n, 2], ttype, blocks(size, offsets, 2))]))


def npy(descr, shape, raw, fortran=False, version=1):
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_text}, }}"
    preamble = 10 if version == 1 else 12
    text += " " * (-(preamble + len(text) + 1) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text.encode() + raw


write("npy", "f4", npy("<f4", [2, 3], struct.pack("<6f", *range(6))))
write("npy", "fortran", npy("<i2", [2, 2], rand_bytes(8), fortran=True))
write("npy", "big_endian", npy(">f8", [3], rand_bytes(24), version=2))
write("npy", "scalar_c8", npy("<c8", [], rand_bytes(8)))
write("npy", "bf16", npy("<V2", [4], rand_bytes(8)))
write("npy", "bool", npy("|b1", [3], b"\x01\x00\x01"))

for name, method in [("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        z.writestr("a.npy", npy("<f4", [2], struct.pack("<2f", 1, 2)))
        z.writestr("b.npy", npy("<i8", [2, 2], rand_bytes(32)))
    write("npz", name, buffer.getvalue())
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as z:
    with z.open("big.npy", "w", force_zip64=True) as f:  # as numpy.savez writes members
        f.write(npy("<u1", [16], rand_bytes(16)))
write("npz", "zip64", buffer.getvalue())
