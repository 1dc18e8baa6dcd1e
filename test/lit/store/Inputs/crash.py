"""Kills `weir run` at random moments, many times, then checks that nothing stored was lost or
corrupted: the next run succeeds with no damaged cache entry, its outputs equal a clean run's,
and the lineage database passes `PRAGMA integrity_check`.

Usage: crash.py WEIR PROGRAM_FOLDER KILLS SEED"""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

weir, folder, kills, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
program = os.path.join(folder, "crash.mlflow")

# The reference: a clean run without the cache, in a copy of the project.
reference = folder + ".reference"
shutil.rmtree(reference, ignore_errors=True)
shutil.copytree(folder, reference)
subprocess.run([weir, "run", "--no-cache", os.path.join(reference, "crash.mlflow")], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

# How long a whole run takes, to spread the kills over it.
start = time.monotonic()
subprocess.run([weir, "run", "--no-cache", program], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
whole = time.monotonic() - start
shutil.rmtree(os.path.join(folder, "out"), ignore_errors=True)

killed = 0
for i in range(kills):
    # Now and then a source changes, so runs keep having work to do.
    if i % 10 == 0:
        with open(os.path.join(folder, "data.csv"), "a") as f:
            f.write(f"{100000 + i},{i % 7},{i % 13}.25\n")
        with open(os.path.join(reference, "data.csv"), "a") as f:
            f.write(f"{100000 + i},{i % 7},{i % 13}.25\n")
    process = subprocess.Popen([weir, "run", program], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, whole * 1.2))
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        killed += 1
    process.wait()

subprocess.run([weir, "run", "--no-cache", os.path.join(reference, "crash.mlflow")], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
final = subprocess.run([weir, "run", program], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
assert final.returncode == 0, f"the run after the kills failed: {final.stderr}"
assert "warning" not in final.stderr, f"damaged state after kills: {final.stderr}"
# (Temporary files of killed writes, `.NAME.weir-XXXXXX`, are never read as outputs or entries.)
for name in sorted(n for n in os.listdir(os.path.join(reference, "out")) if not n.startswith(".")):
    with open(os.path.join(reference, "out", name), "rb") as a, open(os.path.join(folder, "out", name), "rb") as b:
        assert a.read() == b.read(), f"out/{name} differs from a clean run"
db = sqlite3.connect(os.path.join(folder, ".weir", "weir.db"))
integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
assert integrity == "ok", integrity
print(f"crash test: {kills} runs, {killed} killed mid-run, integrity {integrity}, outputs equal a clean run")
