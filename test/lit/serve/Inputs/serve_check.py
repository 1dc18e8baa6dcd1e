#!/usr/bin/env python3
"""Drives `weir serve` for the lit tests: starts it on a free port (--port 0, the port read from
its first line), sends requests with the standard library only, prints what the test checks.

  serve_check.py WEIR PROGRAM batch     served predictions against the batch run's and `weir predict`'s
  serve_check.py WEIR PROGRAM bad       bad requests: status, row, column; the request log
  serve_check.py WEIR PROGRAM reload    requests in a loop while a new version is deployed, then a rollback
  serve_check.py WEIR PROGRAM token     WEIR_SERVE_TOKEN
"""
import csv
import glob
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

WEIR, PROGRAM, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
FOLDER = os.path.dirname(os.path.abspath(PROGRAM))
INPUT = ["age", "income", "visits", "plan"]


class Server:
    def __init__(self, env=None, extra=()):
        self.log = open(os.path.join(FOLDER, "serve-%s.log" % MODE), "w")
        self.process = subprocess.Popen([WEIR, "serve", PROGRAM, "--port", "0", *extra], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True, env=env)
        line = self.process.stdout.readline()
        match = re.match(r"listening on http://127\.0\.0\.1:(\d+)$", line.strip())
        if not match:
            raise SystemExit("unexpected first line: %r" % line)
        self.port = int(match.group(1))

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = body if isinstance(body, (bytes, type(None))) else body.encode()
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        return response.status, text

    def predict(self, rows, name="churn_api"):
        status, text = self.request("POST", "/v1/models/%s/predict" % name, json.dumps({"rows": rows}))
        return status, json.loads(text)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.log.close()
        return code


def source_rows():
    """The rows of customers.csv in the deploy's input schema (as JSON values), by id."""
    rows = {}
    with open(os.path.join(FOLDER, "customers.csv")) as f:
        for record in csv.DictReader(f):
            row = {"age": int(record["age"]), "plan": record["plan"]}
            row["income"] = float(record["income"]) if record["income"] else None
            if record["visits"]:
                row["visits"] = int(record["visits"])  # a missing nullable column is null
            rows[int(record["id"])] = row
    return rows


def batch_predictions():
    with open(os.path.join(FOLDER, "scored.csv")) as f:
        return {int(r["id"]): float(r["p"]) for r in csv.DictReader(f)}


def batch():
    rows = source_rows()
    expected = batch_predictions()
    server = Server()
    ids = sorted(rows)
    served = {}
    # 100 rows a request, then each of the first 50 alone.
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        status, answer = server.predict([rows[i] for i in chunk])
        assert status == 200, answer
        served.update(zip(chunk, answer["predictions"]))
    alone = {}
    for i in ids[:50]:
        status, answer = server.predict([rows[i]])
        assert status == 200, answer
        alone[i] = answer["predictions"][0]
    scored = [i for i in ids if i in expected]
    worst = max(abs(served[i] - expected[i]) for i in scored)
    print("rows", len(ids), "scored by the batch run", len(scored))
    print("served = batch to 1e-9:", worst <= 1e-9)
    print("filtered rows are null:", all(served[i] is None for i in ids if i not in expected),
          sum(1 for i in ids if i not in expected) > 0)
    print("alone = in a batch:", all(alone[i] == served[i] for i in alone))
    status, text = server.request("GET", "/v1/models/churn_api")
    described = json.loads(text)
    print("input", described["input"], described["source"], [c["name"] for c in described["columns"]], described["version"])
    print("stopped", server.stop())

    # `weir predict` on the same rows, as CSV.
    with open(os.path.join(FOLDER, "customers.csv")) as f, open(os.path.join(FOLDER, "rows.csv"), "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(INPUT)
        for record in csv.DictReader(f):
            writer.writerow([record[c] for c in INPUT])
    code = subprocess.run([WEIR, "predict", PROGRAM, "churn_api", "--input", os.path.join(FOLDER, "rows.csv"),
                           "--output", os.path.join(FOLDER, "out.csv")], capture_output=True, text=True)
    print("predict", code.returncode, code.stdout.strip())
    with open(os.path.join(FOLDER, "out.csv")) as f:
        predicted = [r["prediction"] for r in csv.DictReader(f)]
    same = all((predicted[k] == "" and served[i] is None) or (predicted[k] != "" and abs(float(predicted[k]) - served[i]) <= 1e-9)
               for k, i in enumerate(ids))
    print("weir predict = served:", same)

    # The sample of served rows: the input schema, no @pii column, every row served.
    files = sorted(glob.glob(os.path.join(FOLDER, ".weir", "serve", "churn_api", "*.jsonl")))
    sampled = [json.loads(line) for name in files for line in open(name)]
    print("sample files", len(files) > 0, "rows", len(sampled), "keys", sorted(set(k for r in sampled for k in r)))


def bad():
    server = Server()
    huge = json.dumps({"rows": [{"age": 30, "plan": "basic", "income": 1.5}] * 150000})
    cases = [
        ("malformed JSON", '{"rows": [{"age": 30,'),
        ("not an object", '[1, 2]'),
        ("rows not a list", '{"rows": {"age": 30}}'),
        ("another key", '{"rows": [], "limit": 3}'),
        ("row not an object", '{"rows": [{"age": 30, "plan": "pro"}, 7]}'),
        ("wrong type", '{"rows": [{"age": 30, "plan": "pro"}, {"age": "secret-value-1", "plan": "pro"}]}'),
        ("float for int", '{"rows": [{"age": 30.5, "plan": "pro"}]}'),
        ("null not allowed", '{"rows": [{"age": null, "plan": "pro"}]}'),
        ("missing column", '{"rows": [{"plan": "pro"}]}'),
        ("extra column", '{"rows": [{"age": 30, "plan": "pro", "email": "secret-value-2@example.com"}]}'),
        ("misspelt column", '{"rows": [{"age": 30, "plann": "pro"}]}'),
        ("unknown level", '{"rows": [{"age": 30, "plan": "secret-value-3"}]}'),
        ("missing nullable", '{"rows": [{"age": 30, "plan": "pro"}]}'),
        ("beyond a model's floats", '{"rows": [{"age": 30, "plan": "pro"}, {"age": 30, "plan": "pro", "income": 1e300}]}'),
        ("array value", '{"rows": [{"age": [30], "plan": "pro"}]}'),
        ("object value", '{"rows": [{"age": 30, "plan": {"level": "pro"}}]}'),
        ("deep nesting", '{"rows": [{"age": ' + "[" * 1000000 + "]" * 1000000 + ', "plan": "pro"}]}'),
        ("huge body", huge),
        ("too many rows", json.dumps({"rows": [{"age": 30, "plan": "pro"}] * 10001})),
        ("empty rows", '{"rows": []}'),
    ]
    for name, body in cases:
        status, text = server.request("POST", "/v1/models/churn_api/predict", body)
        answer = json.loads(text)
        shown = {k: answer[k] for k in ("row", "column") if k in answer}
        print("%s: %d %s %s" % (name, status, json.dumps(shown, sort_keys=True), answer.get("error", "")[:90]))
    for method, path in [("POST", "/v1/models/nope/predict"), ("GET", "/v1/models/churn"), ("GET", "/v1/models/chrn_api"),
                         ("GET", "/nothing"), ("DELETE", "/v1/models/churn_api"), ("GET", "/healthz")]:
        status, text = server.request(method, path)
        print(method, path, status, json.loads(text).get("error", json.loads(text).get("model", "")))
    status, text = server.request("GET", "/metrics")
    print("metrics", status)
    for line in text.splitlines():
        if line.startswith(("weir_serve_requests_total", "weir_serve_errors_total", "weir_serve_rows_predicted_total",
                            "weir_serve_model_version", "weir_serve_request_duration_seconds_count")):
            print(line)
    buckets = [l for l in text.splitlines() if l.startswith('weir_serve_request_duration_seconds_bucket{endpoint="predict"')]
    counts = [int(l.rsplit(" ", 1)[1]) for l in buckets]
    print("histogram buckets", len(buckets), "cumulative", counts == sorted(counts))
    # Random bodies (seeded): malformed bytes, JSON of every type, rows with any keys and values.
    rng = random.Random(7)
    values = [None, True, False, 0, -1, 2**63, -2**63 - 1, 10**30, 1.5, -0.0, 1e308, 1e-320, "", "pro", "x" * 1000,
              "\u0000", "\u00e9", "NaN", "2024-01-01", [], {}, [1], {"a": None}]
    keys = ["age", "income", "visits", "plan", "email", "", "AGE", "plan ", "\u202e"]
    answers = {}
    for _ in range(400):
        kind = rng.random()
        if kind < 0.1:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
        elif kind < 0.2:
            body = json.dumps(rng.choice(values))
        else:
            rows = [{rng.choice(keys): rng.choice(values) for _ in range(rng.randrange(6))} for _ in range(rng.randrange(4))]
            if rng.random() < 0.5:
                rows = [dict({"age": rng.choice([30, 15, 70]), "plan": "pro"}, **r) for r in rows]
            body = json.dumps({"rows": rows})
        status, text = server.request("POST", "/v1/models/churn_api/predict", body)
        json.loads(text)  # every answer is JSON
        answers[status // 100] = answers.get(status // 100, 0) + 1
    print("random bodies answered", sorted(answers))
    print("stopped", server.stop())
    log = open(os.path.join(FOLDER, "serve-bad.log")).read()
    print("request log lines", sum(1 for l in log.splitlines() if " /v1/" in l or " /healthz" in l or " /metrics" in l or " /nothing" in l))
    print("values in the log:", "secret-value" in log)


def reload():
    server = Server()
    rows = source_rows()
    sample = [rows[i] for i in sorted(rows)[:20]]
    _, first = server.predict(sample)
    failures, versions, perThread, stop = [], [], [[], [], []], threading.Event()

    def loop(mine):
        while not stop.is_set():
            try:
                status, answer = server.predict(sample)
                if status != 200:
                    failures.append((status, answer))
                else:
                    versions.append(answer["version"])
                    mine.append(answer["version"])
            except Exception as e:  # a dropped connection is a failure
                failures.append(repr(e))

    workers = [threading.Thread(target=loop, args=(perThread[k],)) for k in range(3)]
    for w in workers:
        w.start()
    # A new version: more rounds; `weir run` registers it in production while requests go on.
    text = open(PROGRAM).read().replace("rounds = 20", "rounds = 30")
    open(PROGRAM, "w").write(text)
    run = subprocess.run([WEIR, "run", PROGRAM], capture_output=True, text=True)
    print("run", run.returncode, [l for l in run.stdout.splitlines() if "registered" in l])
    deadline = time.time() + 30
    while time.time() < deadline and (not versions or versions[-1] != 2):
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for w in workers:
        w.join()
    print("requests", len(versions) > 0, "failures", len(failures), failures[:3])
    print("versions served, never back:", sorted(set(versions)), all(v == sorted(v) for v in perThread))
    _, second = server.predict(sample)
    print("new version", second["version"], "predictions differ:", second["predictions"] != first["predictions"])
    # A rollback puts version 1 back.
    back = subprocess.run([WEIR, "registry", "rollback", "churn", "--stage", "production", FOLDER], capture_output=True, text=True)
    print(back.stdout.strip())
    deadline = time.time() + 30
    answer = second
    while time.time() < deadline and answer["version"] != 1:
        time.sleep(0.2)
        _, answer = server.predict(sample)
    print("after the rollback", answer["version"], "same as before:", answer["predictions"] == first["predictions"])
    status, text = server.request("GET", "/metrics")
    print([l for l in text.splitlines() if l.startswith(("weir_serve_model_version", "weir_serve_model_swaps_total"))])
    print("stopped", server.stop())
    log = open(os.path.join(FOLDER, "serve-reload.log")).read()
    print([l for l in log.splitlines() if l.startswith("weir serve: `")])


def features():
    """A deploy whose pipeline aggregates over the whole table takes the model's features."""
    server = Server()
    status, text = server.request("GET", "/v1/models/churn_api")
    described = json.loads(text)
    print("input", described["input"], described["reason"], [(c["name"], c["type"]) for c in described["columns"]])
    with open(os.path.join(FOLDER, "scored.csv")) as f:
        records = list(csv.DictReader(f))
    names = [c["name"] for c in described["columns"]]

    def value(column, text):
        if text == "":
            return None
        kind = next(c["type"] for c in described["columns"] if c["name"] == column)
        return {"int": int, "float": float, "bool": lambda t: t == "true"}.get(kind, str)(text)

    rows = [{n: value(n, r[n]) for n in names} for r in records]
    served = []
    for start in range(0, len(rows), 100):
        status, answer = server.predict(rows[start:start + 100])
        assert status == 200, answer
        served += answer["predictions"]
    print("served = batch to 1e-9:", max(abs(s - float(r["p"])) for s, r in zip(served, records)) <= 1e-9, len(served))
    status, answer = server.predict([{"age": 30, "plan": "pro", "income": 10.0, "visits": 3}])
    print("source row:", status, answer.get("column"), answer.get("error"))
    print("stopped", server.stop())


def shapes():
    """Two deploys on one server: a regression whose path renames, filters and selects (source
    rows), and a multiclass model whose path joins (its features)."""
    server = Server()
    for name in ("spend_api", "plan_api"):
        described = json.loads(server.request("GET", "/v1/models/" + name)[1])
        print(name, described["input"], described.get("reason", described.get("source")),
              [c["name"] for c in described["columns"]], described["output"]["task"])
    rows = source_rows()
    ids = sorted(rows)
    with open(os.path.join(FOLDER, "spend.csv")) as f:
        expected = {int(r["id"]): float(r["p"]) for r in csv.DictReader(f)}
    served = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        status, answer = server.predict([rows[i] for i in chunk], "spend")
        assert status == 200, answer
        served.update(zip(chunk, answer["predictions"]))
    print("spend: served = batch to 1e-9:", max(abs(served[i] - expected[i]) for i in expected) <= 1e-9,
          "others null:", all(served[i] is None for i in ids if i not in expected), len(expected))
    with open(os.path.join(FOLDER, "plans_scored.csv")) as f:
        records = list(csv.DictReader(f))
    features = [{"age": int(r["age"]), "visits": int(r["visits"]) if r["visits"] else None, "cheap": r["cheap"] == "true"}
                for r in records]
    labels = []
    for start in range(0, len(features), 100):
        status, answer = server.predict(features[start:start + 100], "which_plan")
        assert status == 200, answer
        labels += answer["predictions"]
    print("which_plan: served = batch:", labels == [r["p"] for r in records], len(labels), sorted(set(labels)))
    print("stopped", server.stop())


def mismatch():
    """A version that does not fit the program (it reads a feature the program no longer
    computes) is not swapped in: the version served stays, and the log says why."""
    server = Server()
    _, before = server.predict([{"age": 30, "plan": "pro"}])
    back = subprocess.run([WEIR, "registry", "rollback", "churn", "--stage", "production", FOLDER], capture_output=True, text=True)
    print(back.stdout.strip())
    time.sleep(3)
    status, after = server.predict([{"age": 30, "plan": "pro"}])
    print("still served", status, before["version"], after["version"])
    print("healthz", server.request("GET", "/healthz")[0])
    print("stopped", server.stop())
    log = open(os.path.join(FOLDER, "serve-mismatch.log")).read()
    print([l for l in log.splitlines() if l.startswith("weir serve: `")])


def token():
    env = dict(os.environ, WEIR_SERVE_TOKEN="s3cret")
    server = Server(env=env, extra=["--no-request-log", "--no-sample"])
    body = json.dumps({"rows": [{"age": 30, "plan": "pro"}]})
    print("no token", server.request("POST", "/v1/models/churn_api/predict", body)[0])
    print("wrong token", server.request("POST", "/v1/models/churn_api/predict", body, {"Authorization": "Bearer nope"})[0])
    print("token", server.request("POST", "/v1/models/churn_api/predict", body, {"Authorization": "Bearer s3cret"})[0])
    print("metrics without", server.request("GET", "/metrics")[0])
    print("healthz without", server.request("GET", "/healthz")[0])
    print("stopped", server.stop())


{"batch": batch, "bad": bad, "reload": reload, "token": token, "features": features, "shapes": shapes, "mismatch": mismatch}[MODE]()
