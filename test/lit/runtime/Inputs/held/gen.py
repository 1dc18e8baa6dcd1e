# gen.py ROWS FILE: sales with an increasing id, 1,000 shops and a quantity.
import sys

rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    out.write("id,shop,qty\n")
    for i in range(rows):
        out.write("%d,s%d,%d\n" % (i, i % 1000, i % 13))
