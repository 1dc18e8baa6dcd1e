"""Rewrites result-cache entries with content a node could not have produced, keeping them valid
entries: the payload is re-compressed and the checksum recomputed the way the store does
(`WEIRCAC1`, the payload's size, a zstd frame, the XXH3-128 of all that), so only a check of the
content can tell. zstd and xxHash are reached through their C libraries.

    entries.py MODE CACHE_FOLDER

Modes (each applies to every entry of its kind and prints how many it rewrote):
  retype      tables: the first int column becomes a float one (the same bytes, another type)
  nulls       tables: row 1 of the first column that is not nullable becomes null
  bools       tables: the first boolean column holds 7 in row 1
  child       XGBoost models: tree 0's root's left child is out of range
  cycle       XGBoost models: a child of tree 0's root points back at the root
  split       XGBoost models: tree 0's root splits on feature 1000
  tree-info   XGBoost models: tree 0 belongs to class 7
  task        models: the task is `ranking`
  features    models: the first feature is a category with three levels
  rows        sink and expectation outcomes: `rows` is a string
  failed      expectation outcomes: the first rule is a failed error rule
"""
import ctypes
import json
import os
import struct
import sys

_zstd = ctypes.CDLL("libzstd.so.1")
_xxh = ctypes.CDLL("libxxhash.so.0")


class _Hash128(ctypes.Structure):
    _fields_ = [("low", ctypes.c_uint64), ("high", ctypes.c_uint64)]


_xxh.XXH3_128bits.restype = _Hash128
_xxh.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_zstd.ZSTD_decompress.restype = ctypes.c_size_t
_zstd.ZSTD_decompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
_zstd.ZSTD_compress.restype = ctypes.c_size_t
_zstd.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
_zstd.ZSTD_compressBound.restype = ctypes.c_size_t
_zstd.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_isError.restype = ctypes.c_uint
_zstd.ZSTD_isError.argtypes = [ctypes.c_size_t]

MAGIC = b"WEIRCAC1"


def _checksum(data):
    h = _xxh.XXH3_128bits(data, len(data))
    return struct.pack(">QQ", h.high, h.low)  # XXH128's canonical form: big-endian, high half first


def read_entry(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC or _checksum(data[:-16]) != data[-16:]:
        raise ValueError(path + " is not a valid entry")
    size = struct.unpack("<Q", data[8:16])[0]
    out = ctypes.create_string_buffer(size)
    got = _zstd.ZSTD_decompress(out, size, data[16:-16], len(data) - 32)
    if _zstd.ZSTD_isError(got) or got != size:
        raise ValueError(path + " does not decompress")
    return out.raw[:size]


def write_entry(path, payload):
    bound = _zstd.ZSTD_compressBound(len(payload))
    frame = ctypes.create_string_buffer(bound)
    written = _zstd.ZSTD_compress(frame, bound, payload, len(payload), 1)
    assert not _zstd.ZSTD_isError(written)
    body = MAGIC + struct.pack("<Q", len(payload)) + frame.raw[:written]
    with open(path, "wb") as f:
        f.write(body + _checksum(body))


# The table layout of runtime/store/TableCodec.cpp (version 1), little-endian.
KINDS = ["int", "float", "bool", "string", "date", "timestamp", "category"]


class _Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        value = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return value[0]

    def raw(self, size):
        value = self.data[self.at:self.at + size]
        self.at += size
        return value

    def text(self):
        return self.raw(self.take("Q")).decode()


def decode_table(data):
    r = _Reader(data)
    if len(data) < 16 or r.take("I") != 1:
        return None
    rows, count = r.take("Q"), r.take("I")
    columns = []
    for _ in range(count):
        c = {"name": r.text(), "kind": r.take("B"), "nullable": r.take("B")}
        c["levels"] = [r.text() for _ in range(r.take("I"))]
        c["valid"] = bytearray(r.raw(rows))
        kind = KINDS[c["kind"]]
        if kind == "float":
            c["values"] = list(struct.unpack_from("<%dd" % rows, r.raw(8 * rows)))
        elif kind in ("string", "category"):
            c["values"] = list(struct.unpack_from("<%dI" % rows, r.raw(4 * rows)))
            if kind == "string":
                c["dictionary"] = [r.text() for _ in range(r.take("I"))]
        else:
            c["values"] = list(struct.unpack_from("<%dq" % rows, r.raw(8 * rows)))
        columns.append(c)
    if r.at != len(data):
        return None
    return rows, columns


def encode_table(rows, columns):
    def text(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b

    out = struct.pack("<IQI", 1, rows, len(columns))
    for c in columns:
        out += text(c["name"]) + struct.pack("<BBI", c["kind"], c["nullable"], len(c["levels"]))
        out += b"".join(text(level) for level in c["levels"]) + bytes(c["valid"])
        kind = KINDS[c["kind"]]
        if kind == "float":
            out += struct.pack("<%dd" % rows, *c["values"])
        elif kind in ("string", "category"):
            out += struct.pack("<%dI" % rows, *c["values"])
            if kind == "string":
                out += struct.pack("<I", len(c["dictionary"])) + b"".join(text(v) for v in c["dictionary"])
        else:
            out += struct.pack("<%dq" % rows, *c["values"])
    return out


def rewrite_table(mode, rows, columns):
    for c in columns:
        kind = KINDS[c["kind"]]
        if mode == "retype" and kind == "int":
            c["kind"] = KINDS.index("float")
            c["values"] = list(struct.unpack("<%dd" % rows, struct.pack("<%dq" % rows, *c["values"])))
            return True
        if mode == "nulls" and not c["nullable"] and rows > 0:
            c["valid"][0] = 0
            return True
        if mode == "bools" and kind == "bool" and rows > 0:
            c["values"][0] = 7
            return True
    return False


def rewrite_model(mode, model):
    if mode == "task":
        model["task"] = "ranking"
        return True
    if mode == "features":
        model["features"][0].update(kind=KINDS.index("category"), levels=["a", "b", "c"])
        return True
    if model["algorithm"] != "xgboost":
        return False
    booster = json.loads(model["xgboost"])
    trees = booster["learner"]["gradient_booster"]["model"]
    tree = trees["trees"][0]
    if mode == "child":
        tree["left_children"][0] = 1000000
    elif mode == "cycle":
        tree["left_children"][tree["left_children"][0]] = 0
    elif mode == "split":
        tree["split_indices"][0] = 1000
    elif mode == "tree-info":
        trees["tree_info"][0] = 7
    else:
        return False
    model["xgboost"] = json.dumps(booster)
    return True


def rewrite_outcome(mode, outcome):
    if mode == "rows":
        outcome["rows"] = "many"
        return True
    if mode == "failed" and outcome.get("rules"):
        outcome["rules"][0].update(passed=False, warn=False)
        return True
    return False


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    rewritten = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            payload = read_entry(path)
            changed = None
            if payload[:1] == b"{":
                doc = json.loads(payload)
                if "algorithm" in doc:
                    changed = rewrite_model(mode, doc)
                else:
                    changed = rewrite_outcome(mode, doc)
                payload = json.dumps(doc).encode()
            else:
                table = decode_table(payload)
                if table is not None:
                    changed = rewrite_table(mode, *table)
                    payload = encode_table(*table)
            if changed:
                write_entry(path, payload)
                rewritten += 1
    print("rewrote %d entries" % rewritten)


if __name__ == "__main__":
    main()
