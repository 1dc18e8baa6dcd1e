"""Mutation fuzzing of the weir binary: see test/fuzz/README.md.

Usage: mutate.py WEIR SEED FILE... (N in the environment: how many mutants, default 500).
Findings are written to ./fuzz-findings/.
"""
import os
import random
import subprocess
import sys
weir = sys.argv[1]
seeds = [open(p).read() for p in sys.argv[3:]]
rng = random.Random(int(sys.argv[2]))
tokens = ["{", "}", "(", ")", "[", "]", "|", "=", "==", "\n", ",", "where", "let", "schema", "\"", "`", "///", "/*", "*/", "and", "between", "in", "is", "not", "null", "@", ":", "?", ".", "é", "\t", "1e", "99999999999999999999999", "\\u12", "\\"]
crashes = 0
os.makedirs("fuzz-findings", exist_ok=True)
for i in range(int(os.environ.get("N", "500"))):
    s = list(rng.choice(seeds))
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randint(0, len(s))
        if op < 0.4 and s:
            del s[pos:pos + rng.randint(1, 20)]
        elif op < 0.8:
            s[pos:pos] = list(rng.choice(tokens))
        else:
            j = rng.randint(0, max(0, len(s) - 1))
            s[pos:pos] = s[j:j + rng.randint(1, 40)]
    text = "".join(s)
    path = "fuzz-findings/case.mlflow"
    open(path, "w").write(text)
    for args in (["check", path], ["fmt", "-"], ["plan", path]):
        try:
            r = subprocess.run([weir] + args, input=text.encode() if args[1] == "-" else None, capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            crashes += 1
            open(f"fuzz-findings/hang{crashes}.mlflow", "w").write(text)
            print("HANG", args[0]); continue
        if r.returncode not in (0, 1) or b"internal error" in r.stderr:
            crashes += 1
            open(f"fuzz-findings/crash{crashes}.mlflow", "w").write(text)
            print("CRASH", args[0], r.returncode, r.stderr[-300:])
print("done, crashes:", crashes)
