"""Drives `weir watch --port 0` on a program with `on webhook("deploy")`: POSTs without a token,
with a wrong one, to a hook no trigger has, then a storm of 1,000 good POSTs;
waits for the run; prints each answer's status and the number of runs recorded.

  webhooks.py WEIR FOLDER
"""
import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

weir, folder = sys.argv[1], sys.argv[2]
env = dict(os.environ, WEIR_WEBHOOK_TOKEN="s3cret")
err = open(os.path.join(folder, "webhooks.err"), "w+")
daemon = subprocess.Popen([weir, "watch", "--port", "0", "--settle", "1500", os.path.join(folder, "hooked.mlflow")],
                          stdout=subprocess.PIPE, stderr=err, env=env, text=True)
port = None
for _ in range(100):
    err.seek(0)
    m = re.search(r"listening for webhooks on http://127\.0\.0\.1:(\d+)/hooks/NAME", err.read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.1)
assert port, "weir watch did not listen"


def runs():
    db = sqlite3.connect(os.path.join(folder, ".weir", "weir.db"))
    try:
        return db.execute("select count(*) from runs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def post(path, token):
    # A connection per POST, as a storm of clients would.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Length": "0", "Connection": "close"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    conn.request("POST", path, body=b"", headers=headers)
    r = conn.getresponse()
    answer = r.status, r.read().decode()
    conn.close()
    return answer


print("no token:", *post("/hooks/deploy", None))
print("wrong token:", *post("/hooks/deploy", "guess"))
print("unknown hook:", *post("/hooks/nothing", "s3cret"))
time.sleep(1)
print("runs before:", runs())
statuses = [post("/hooks/deploy", "s3cret")[0] for _ in range(1000)]
print("storm:", len(statuses), "posts,", statuses.count(202), "accepted")
for _ in range(100):
    if runs() >= 1:
        break
    time.sleep(0.1)
time.sleep(3)  # no further run may start
print("runs after:", runs())
daemon.send_signal(signal.SIGTERM)
out, _ = daemon.communicate(timeout=20)
print("exit:", daemon.returncode)
print(out, end="")
