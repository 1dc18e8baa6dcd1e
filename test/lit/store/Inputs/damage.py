"""Damages every cache entry under a folder: `flip` one byte in the middle, `truncate` to half, or
`cut` to 12 bytes (shorter than any entry)."""
import os
import sys

mode, folder = sys.argv[1], sys.argv[2]
for root, _, files in os.walk(folder):
    for name in files:
        path = os.path.join(root, name)
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            if mode == "flip":
                data[len(data) // 2] ^= 0x40
            else:
                data = data[: len(data) // 2] if mode == "truncate" else data[:12]
            f.seek(0)
            f.truncate()
            f.write(data)
