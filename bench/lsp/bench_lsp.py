#!/usr/bin/env python3
"""Drives `weir lsp` over a generated 5,000-line program and reports its latencies.

Usage: bench_lsp.py [WEIR] [--lines N] [--edits N] [--valid] [--incremental] [--out DIR]

Generates a program with bench/gen_program.py (about N lines, default 5,000) in a scratch
project, opens it, then makes EDITS keystrokes one at a time in the middle of the file: each
types or deletes one character after a number in a `where` (`> 0x`: a syntax error every other
keystroke; with --valid, the number changes and the program stays valid). For each it measures the time from sending
`didChange` to receiving `publishDiagnostics` for that version; after every keystroke it asks
for a hover (on a column), a completion (after `| where `) and the document's semantic tokens, and
times the answers. Then a
burst: 20 keystrokes sent together, timed to the diagnostics of the last (the server compiles
what it has not been overtaken for). Reports p50/p90/p99/max, and the server's resident memory
after opening, after the edits, and after as many edits again (it must not keep growing).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import queue
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


class Client:
    def __init__(self, weir):
        self.proc = subprocess.Popen([weir, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.frames = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 1

    def _read(self):
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.frames.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.frames.put(json.loads(stream.read(length)))

    def send(self, message):
        message["jsonrpc"] = "2.0"
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        start = time.perf_counter()
        self.send({"id": rid, "method": method, "params": params})
        while True:
            message = self.frames.get(timeout=120)
            if message.get("id") == rid and "method" not in message:
                return message, time.perf_counter() - start

    def wait_diagnostics(self, uri, version):
        while True:
            message = self.frames.get(timeout=120)
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri \
                    and message["params"].get("version") == version:
                return message

    def cpu_ms(self):
        # utime + stime of the server, in clock ticks: CPU spent whatever the machine's load.
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def main():
    args = sys.argv[1:]
    weir = os.path.abspath(args[0]) if args and not args[0].startswith("--") else \
        os.path.join(HERE, "..", "..", "build", "bin", "weir")
    lines = int(args[args.index("--lines") + 1]) if "--lines" in args else 5000
    edits = int(args[args.index("--edits") + 1]) if "--edits" in args else 300
    # --valid: the keystrokes change the `0` to `1` and back (the program stays valid).
    valid = "--valid" in args
    # --incremental: the server checks types incrementally (docs/LSP.md, "How it checks").
    incremental = "--incremental" in args
    folder = args[args.index("--out") + 1] if "--out" in args else tempfile.mkdtemp(prefix="weir-bench-lsp-")
    os.makedirs(os.path.join(folder, ".weir"), exist_ok=True)
    path = os.path.join(folder, "main.mlflow")
    # gen_program.py writes about 5.4 lines per declaration.
    subprocess.run([sys.executable, os.path.join(HERE, "..", "gen_program.py"), str(int(lines / 5.4)), path], check=True)
    text = open(path).read()
    lines_list = text.split("\n")
    print("program: %d lines, %d bytes" % (len(lines_list), len(text)))
    # The keystrokes: a number in the `where` of a unit in the middle of the file.
    target = next(i for i in range(len(lines_list) // 2, len(lines_list))
                  if "| where income is not null and income > 0" in lines_list[i])
    column = lines_list[target].index("> 0") + 2  # the `0`
    hover_line = target
    hover_col = lines_list[target].index("income")
    uri = "file://" + path

    client = Client(weir)
    params = {"capabilities": {}}
    if incremental:
        params["initializationOptions"] = {"incrementalCheck": True}
    client.request("initialize", params)
    start = time.perf_counter()
    client.send({"method": "textDocument/didOpen",
                 "params": {"textDocument": {"uri": uri, "languageId": "weir", "version": 1, "text": text}}})
    opened = client.wait_diagnostics(uri, 1)
    print("open: first diagnostics after %.1f ms (%d diagnostics)" % ((time.perf_counter() - start) * 1000,
                                                                      len(opened["params"]["diagnostics"])))
    rss_open = client.rss_kib()

    version = 1
    change_ms, hover_ms, completion_ms, tokens_ms, cpu_ms = [], [], [], [], []

    def keystrokes(count):
        nonlocal version
        for k in range(count):
            version += 1
            if valid:
                change = {"range": {"start": {"line": target, "character": column},
                                    "end": {"line": target, "character": column + 1}}, "text": "1" if k % 2 == 0 else "0"}
            elif k % 2 == 0:  # type `x` after the 0: `> 0x`, a syntax error
                change = {"range": {"start": {"line": target, "character": column + 1},
                                    "end": {"line": target, "character": column + 1}}, "text": "x"}
            else:           # delete it again
                change = {"range": {"start": {"line": target, "character": column + 1},
                                    "end": {"line": target, "character": column + 2}}, "text": ""}
            cpu = client.cpu_ms()
            start = time.perf_counter()
            client.send({"method": "textDocument/didChange",
                         "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
            client.wait_diagnostics(uri, version)
            change_ms.append((time.perf_counter() - start) * 1000)
            cpu_ms.append(client.cpu_ms() - cpu)
            _, took = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                            "position": {"line": hover_line, "character": hover_col + 2}})
            hover_ms.append(took * 1000)
            _, took = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                                 "position": {"line": target, "character": column - 2}})
            completion_ms.append(took * 1000)
            # Editors ask for the whole document's semantic tokens after each change.
            _, took = client.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
            tokens_ms.append(took * 1000)

    keystrokes(edits)
    rss_edits = client.rss_kib()
    keystrokes(edits)
    rss_twice = client.rss_kib()

    # A burst: 20 keystrokes written at once; the time until the last one's diagnostics.
    start = time.perf_counter()
    for k in range(20):
        version += 1
        change = {"range": {"start": {"line": target, "character": column + 1},
                            "end": {"line": target, "character": column + (1 if k % 2 == 0 else 2)}},
                  "text": "x" if k % 2 == 0 else ""}
        client.send({"method": "textDocument/didChange",
                     "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
    client.wait_diagnostics(uri, version)
    burst_ms = (time.perf_counter() - start) * 1000

    client.request("shutdown", {})
    client.send({"method": "exit"})
    client.proc.wait(timeout=30)

    def row(name, values):
        print("%-34s p50 %7.1f ms   p90 %7.1f ms   p99 %7.1f ms   max %7.1f ms   (n=%d)" % (
            name, percentile(values, 50), percentile(values, 90), percentile(values, 99), max(values), len(values)))

    row("didChange -> publishDiagnostics", change_ms)
    row("  server CPU per keystroke", cpu_ms)
    row("hover", hover_ms)
    row("completion", completion_ms)
    row("semantic tokens (whole document)", tokens_ms)
    print("burst of 20 keystrokes -> diagnostics of the last: %.1f ms" % burst_ms)
    print("memory (VmRSS): after open %d MiB, after %d edits %d MiB, after %d edits %d MiB" % (
        rss_open // 1024, edits, rss_edits // 1024, 2 * edits, rss_twice // 1024))
    if "--out" not in args:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
