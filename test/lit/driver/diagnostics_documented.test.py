import re
import sys

declared = re.findall(r'^DIAG\(\s*\w+\s*,\s*\w+\s*,\s*"(\w+)"', open(sys.argv[1], encoding="utf-8").read(), re.M)
# A retired code stays in the table with `-` for its severity (codes are never reused).
documented = re.findall(r'^\| ([EWN]\d{4}) \| (?!- \|)', open(sys.argv[2], encoding="utf-8").read(), re.M)
missing = sorted(set(declared) - set(documented))
extra = sorted(set(documented) - set(declared))
twice = sorted({code for code in documented if documented.count(code) > 1})
if missing or extra or twice:
    print("not in docs/DIAGNOSTICS.md:", missing, "| documented but not declared:", extra, "| listed twice:", twice)
    sys.exit(1)
print(f"declared and documented alike: {len(declared)} codes")
