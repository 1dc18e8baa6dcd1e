#!/usr/bin/env python3
"""Speaks JSON-RPC to `weir lsp` for the lit tests of test/lit/lsp/.

Usage: lsp.py WEIR ROOT SCRIPT

SCRIPT (the test file itself) holds directives, one per line, after `# `:
  SEND <json>            frame and send a message ("jsonrpc": "2.0" added when absent)
  RAW <text>             send bytes as written (`\\r`, `\\n`, `\\\\` unescaped), no framing added
  AWAIT <id>             wait for the response to request <id>
  AWAIT diagnostics <f>  wait for diagnostics published for ROOT/<f>
  CLOSE                  close the server's standard input
In a message, ${ROOT} is ROOT's file URI, ${FILE:name} the content of ROOT/name as a JSON
string, ${BIG:n} a JSON string of a program of about n bytes (comments, then one mistake).

Every message received is printed on one line (keys sorted, ROOT's URI as `ROOT`), then the
server's exit code (`exit: N`). A wait longer than 60 seconds prints `timeout` and stops.
"""
import json
import os
import queue
import subprocess
import sys
import threading
import urllib.parse


def read_frames(stream, out):
    while True:
        length = None
        while True:
            line = stream.readline()
            if not line:
                out.put(None)
                return
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        body = stream.read(length)
        if len(body) < length:
            out.put(None)
            return
        out.put(json.loads(body))


def big_program(size):
    line = "// " + "filler " * 9 + "\n"
    text = line * (size // len(line))
    return text + "let x = nosuch\n"


def main():
    weir, root, script = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    root_uri = "file://" + urllib.parse.quote(root)

    def expand(text):
        text = text.replace("${ROOT}", root_uri)
        while "${FILE:" in text:
            start = text.index("${FILE:")
            end = text.index("}", start)
            with open(os.path.join(root, text[start + 7:end]), encoding="utf-8") as f:
                text = text[:start] + json.dumps(f.read()) + text[end + 1:]
        while "${BIG:" in text:
            start = text.index("${BIG:")
            end = text.index("}", start)
            text = text[:start] + json.dumps(big_program(int(text[start + 6:end]))) + text[end + 1:]
        return text

    server = subprocess.Popen([weir, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    frames = queue.Queue()
    threading.Thread(target=read_frames, args=(server.stdout, frames), daemon=True).start()

    def show(message):
        line = json.dumps(message, sort_keys=True).replace(root_uri, "ROOT")
        print(line, flush=True)

    def wait_for(matches):
        while True:
            try:
                message = frames.get(timeout=60)
            except queue.Empty:
                print("timeout", flush=True)
                server.kill()
                sys.exit(1)
            if message is None:
                print("closed", flush=True)
                return False
            show(message)
            if matches(message):
                return True

    closed = False
    with open(script, encoding="utf-8") as f:
        directives = [l[2:].rstrip("\n") for l in f if l.startswith("# ") and l[2:].split(" ")[0] in
                      ("SEND", "RAW", "AWAIT", "CLOSE")]
    for directive in directives:
        word, _, rest = directive.partition(" ")
        if word == "SEND":
            message = json.loads(expand(rest))
            message.setdefault("jsonrpc", "2.0")
            body = json.dumps(message).encode()
            server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            server.stdin.flush()
        elif word == "RAW":
            raw = expand(rest).replace("\\r", "\r").replace("\\n", "\n").replace("\\\\", "\\")
            server.stdin.write(raw.encode())
            server.stdin.flush()
        elif word == "CLOSE":
            server.stdin.close()
            closed = True
        elif word == "AWAIT":
            if rest.startswith("diagnostics "):
                uri = root_uri + "/" + rest.split(" ", 1)[1]
                if not wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri):
                    break
            else:
                want = json.loads(rest)
                if not wait_for(lambda m: "method" not in m and m.get("id") == want):
                    break
    if not closed:
        server.stdin.close()
    while True:
        try:
            message = frames.get(timeout=60)
        except queue.Empty:
            print("timeout", flush=True)
            server.kill()
            sys.exit(1)
        if message is None:
            break
        show(message)
    print("exit: %d" % server.wait(), flush=True)


if __name__ == "__main__":
    main()
