"""Writes about 6 MB of CSV (read in several pieces): keys with nulls, floats with nulls, and,
past the middle, quoted fields with commas and line breaks and quotes inside unquoted fields
(text, as RFC 4180 readers take them). Deterministic."""
import random
import sys

rng = random.Random(5)
rows = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    f.write("id,shop,kind,amount,qty,note\n")
    for i in range(rows):
        shop = "" if i % 97 == 0 else f"s{rng.randrange(300)}"
        amount = "" if i % 13 == 0 else f"{rng.random() * 100:.3f}"
        note = f"\"n, {i}\nmore\"" if i > rows * 2 // 3 and i % 50 == 0 else f"n{i % 7}"
        if i > rows * 2 // 3 and i % 77 == 0:
            note = f'n"{i % 7}'  # a quote inside an unquoted field
        f.write(f"{i},{shop},{rng.choice('abc')},{amount},{rng.randrange(1, 9)},{note}\n")
