#!/usr/bin/env python3
"""Decodes the semantic tokens in lsp.py's output (test/lit/lsp/semantic_tokens.test).

usage: decode_tokens.py ID=FILE... < lsp.py output

The legend comes from the `initialize` response; each response whose result has `data` (the
relative encoding of LSP 3.17: delta line, delta start, length, type, modifiers) is printed as
one line per token: `tokens <id>`, then `L:C TYPE[+MODIFIER...] text`, with 1-based lines and
columns counted in UTF-16 code units as the protocol does, and the token's text read from the
FILE given for the response's id.
"""
import json
import sys


def main():
    files = dict(arg.split("=", 1) for arg in sys.argv[1:])
    types, modifiers = [], []
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        message = json.loads(raw)
        result = message.get("result")
        if not isinstance(result, dict):
            continue
        legend = result.get("capabilities", {}).get("semanticTokensProvider", {}).get("legend")
        if legend:
            types, modifiers = legend["tokenTypes"], legend["tokenModifiers"]
            continue
        if "data" not in result:
            continue
        data = result["data"]
        if len(data) % 5 != 0:
            print("tokens %s: %d numbers, not a multiple of 5" % (message["id"], len(data)))
            continue
        print("tokens %s" % message["id"])
        lines = open(files[str(message["id"])], encoding="utf-8").read().split("\n")
        line, start = 0, 0
        for i in range(0, len(data), 5):
            delta_line, delta_start, length, kind, bits = data[i:i + 5]
            line += delta_line
            start = start + delta_start if delta_line == 0 else delta_start
            units = lines[line].encode("utf-16-le")
            text = units[2 * start:2 * (start + length)].decode("utf-16-le")
            names = [modifiers[b] for b in range(len(modifiers)) if bits & (1 << b)]
            print("%d:%d %s %s" % (line + 1, start + 1, "+".join([types[kind]] + names), text))


if __name__ == "__main__":
    main()
