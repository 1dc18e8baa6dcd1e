# rows.py WHOLE STREAMED: the `weir run --json` of the same program on whole tables and streamed;
# says whether every node has the same status and rows in and out in both, and how many there are.
import json
import sys

def rows(path):
    return {(n["declaration"], n["kind"], n["id"]): (n["status"], n["rows_in"], n["rows_out"]) for n in json.load(open(path))["nodes"]}

whole, streamed = rows(sys.argv[1]), rows(sys.argv[2])
if whole != streamed:
    for key in sorted(set(whole) | set(streamed)):
        if whole.get(key) != streamed.get(key):
            print("differs:", key, whole.get(key), streamed.get(key))
else:
    print("same rows in and out: %d nodes" % len(whole))
