"""Compares the fingerprints of two `weir plan --format json` outputs.

same A B        every fingerprint of A is in B and the other way round (node ids may differ)
downstream A B  A and B have the same shape; the nodes whose fingerprint differs are exactly
                the nodes whose definition differs and everything downstream of them
Prints what it found and exits 1 when the claim does not hold.
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)["nodes"]


def main():
    mode, a_path, b_path = sys.argv[1:4]
    a, b = load(a_path), load(b_path)
    if mode == "same":
        fa = sorted(n["fingerprint"] for n in a)
        fb = sorted(n["fingerprint"] for n in b)
        print(f"same: {len(fa)} and {len(fb)} nodes, equal={fa == fb}")
        sys.exit(0 if fa == fb else 1)
    by_id_a = {n["id"]: n for n in a}
    by_id_b = {n["id"]: n for n in b}
    assert by_id_a.keys() == by_id_b.keys(), "plans differ in shape"
    changed_definitions = {i for i in by_id_a if by_id_a[i]["definition"] != by_id_b[i]["definition"]}
    consumers = {i: [] for i in by_id_a}
    for n in a:
        for i in n["inputs"]:
            consumers[i].append(n["id"])
    expected = set()
    work = list(changed_definitions)
    while work:
        i = work.pop()
        if i in expected:
            continue
        expected.add(i)
        work.extend(consumers[i])
    changed = {i for i in by_id_a if by_id_a[i]["fingerprint"] != by_id_b[i]["fingerprint"]}
    print(f"downstream: {len(changed_definitions)} definitions changed, {len(changed)} fingerprints changed, "
          f"{len(expected)} expected, {len(a) - len(changed)} unchanged, match={changed == expected}")
    sys.exit(0 if changed == expected and changed else 1)


main()
