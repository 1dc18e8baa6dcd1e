# gen.py ROWS FOLDER [--quotes]: sales.csv (an increasing id, a shop of 1,200 with some empty, a
# quantity, an amount with some empty, a note: with --quotes, some with delimiters and quotes)
# and shops.csv (shops 300 to 1,499: some sales' shops have no row there, some shops no sales),
# both seeded.
import random
import sys

rows, folder = int(sys.argv[1]), sys.argv[2]
quotes = "--quotes" in sys.argv[3:]
r = random.Random(7)
with open(folder + "/sales.csv", "w") as out:
    out.write("id,shop,qty,amount,note\n")
    for i in range(rows):
        shop = "" if r.random() < 0.03 else "s%d" % r.randrange(1200)
        amount = "" if r.random() < 0.05 else repr(r.uniform(-50, 1000))
        note = '"a, ""b"""' if quotes and i % 97 == 0 else "n%d" % (i % 7)
        out.write("%d,%s,%d,%s,%s\n" % (i, shop, r.randrange(20), amount, note))
with open(folder + "/shops.csv", "w") as out:
    out.write("shop,region,rate\n")
    for s in range(300, 1500):
        rate = "" if s % 11 == 0 else repr(r.uniform(0, 0.5))
        region = "" if s % 13 == 0 else "r%d" % (s % 5)
        out.write("s%d,%s,%s\n" % (s, region, rate))
