# Reads its input as JSON Lines and writes JSON Lines: each person with a flag.
import json
import os

with open(os.environ["WEIR_INPUT_people"]) as f, open(os.environ["WEIR_OUTPUT"], "w") as out:
    for line in f:
        row = json.loads(line)
        out.write(json.dumps({"id": row["id"], "rich": row["income"] > 3000}) + "\n")
