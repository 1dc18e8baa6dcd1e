#!/usr/bin/env python3
"""A stand-in OpenLineage HTTP endpoint for `weir lineage --emit-to`.

usage: openlineage_endpoint.py [--answer STATUS] [--fail-first N] [--closed] OUT -- COMMAND...

Serves on a free port of 127.0.0.1 (none with --closed: the port is taken, then freed, so
nothing listens there), runs COMMAND with `{url}` replaced by http://127.0.0.1:PORT, and writes
what arrived to OUT (one line per request: method, path, content type, whether it had basic
credentials, then the body on its own line). The endpoint answers 200, or STATUS; with
--fail-first N, the first N requests are answered 503. Prints COMMAND's exit code.
"""
import base64
import http.server
import socket
import subprocess
import sys
import threading


def main():
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1:]
    answer, fail_first, closed = 200, 0, False
    out_path = None
    i = 0
    while i < len(options):
        if options[i] == "--answer":
            answer = int(options[i + 1])
            i += 2
        elif options[i] == "--fail-first":
            fail_first = int(options[i + 1])
            i += 2
        elif options[i] == "--closed":
            closed = True
            i += 1
        else:
            out_path = options[i]
            i += 1
    received = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            auth = self.headers.get("Authorization", "")
            credentials = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else "-"
            with lock:
                received.append((self.path, self.headers.get("Content-Type", ""), credentials, body))
                status = 503 if len(received) <= fail_first else answer
            payload = b"{}" if status < 300 else b'{"error": "refused by the test endpoint"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    if closed:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server = None
    else:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    # `{url}`, or `{url:7}`: the URL without its first 7 characters (`http://`), to put
    # credentials before the host.
    command = [part.replace("{url:7}", url[7:]).replace("{url}", url) for part in command]
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stdout.write(result.stdout.replace(str(port), "PORT"))
    sys.stdout.write(result.stderr.replace(str(port), "PORT"))
    if server is not None:
        server.shutdown()
    with open(out_path, "w", encoding="utf-8") as out:
        for path, content_type, credentials, body in received:
            out.write(f"POST {path} {content_type} credentials={credentials}\n{body}\n")
    print(f"exit {result.returncode}")


if __name__ == "__main__":
    main()
