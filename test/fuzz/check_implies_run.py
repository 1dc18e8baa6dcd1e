"""Check implies run: random well-typed programs (generate.py) must check, run and agree.

Usage: check_implies_run.py WEIR [--seed S] [--count N] [--keep-going] [--findings DIR]
                            [--avoid FEATURE,...] [--timeout SECONDS] [--time-limit SECONDS]
                            [--no-minimize] [--quiet]

For each program (seeds S, S+1, ... S+N-1), in a fresh temporary project folder (with `.weir/`):
  1. `weir check` exits 0 (else the generator or the checker is wrong: a `check` finding);
  2. `weir plan` plans it with every optimizer pass, and with each pass disabled in turn;
  3. `weir run --jobs 1`, and `--jobs 2` in a second fresh copy: the same exit code, the same
     node statuses and row counts, byte-identical output files;
  4. a re-run in the first copy (answered from the run manifest), a re-run after removing the
     outputs (from the cache), and a `--no-cache` run: the same outputs again;
  5. `weir verify` reproduces every cached outcome;
  6. `weir run --disable-pass all` in a fourth copy writes the same files (when `weir run`
     takes `--disable-pass`);
  7. `weir run --jit=off` (the interpreter) in a fifth copy writes the same files as the default
     run (the LLVM JIT for fused row pipelines), byte for byte (when `weir run` takes `--jit`);
  8. `weir run --target SINK` of one sink alone in a third copy (other plan shapes: dead-node
     elimination, projection pruning) writes the same file.
Every command must also not crash (an exit code other than 0 or 1, a signal, a sanitizer
report: see ASAN_OPTIONS / UBSAN_OPTIONS below), not time out, and never say `internal error`
or `internal:`.

Findings are written to DIR (default ./fuzz-findings/check-implies-run/), one folder per
distinct symptom: the program (minimized by dropping declarations and pipeline operators while
the symptom persists), its data, the commands and their outputs. Exit status: 0 when nothing was
found, 1 otherwise (after the first finding unless --keep-going), 2 on usage errors.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402

PASSES = ["inlining", "constant-folding", "predicate-pushdown", "dead-node-elimination",
          "aggregate-hoisting", "projection-pruning", "common-subplan-elimination", "row-operator-fusion"]

ENV = dict(os.environ)
ENV.setdefault("ASAN_OPTIONS", "exitcode=99:detect_leaks=1")
ENV.setdefault("UBSAN_OPTIONS", "halt_on_error=1:exitcode=98:print_stacktrace=1")
ENV["NO_COLOR"] = "1"


class Finding(Exception):
    def __init__(self, key, detail, log):
        super().__init__(key)
        self.key, self.detail, self.log = key, detail, log


class Case:
    """One program in a temporary folder; every command and its output is logged."""

    def __init__(self, weir, decls, files, root, timeout):
        self.weir, self.decls, self.files, self.root, self.timeout = weir, decls, files, root, timeout
        self.log = []

    def project(self, name):
        folder = os.path.join(self.root, name)
        shutil.rmtree(folder, ignore_errors=True)
        generate.write_project(folder, self.files, "\n\n".join(self.decls) + "\n")
        return folder

    def cmd(self, folder, *args):
        argv = [self.weir] + list(args) + ["main.mlflow"]
        shown = " ".join(["weir"] + list(args) + ["main.mlflow"])
        start = time.time()
        try:
            r = subprocess.run(argv, cwd=folder, capture_output=True, timeout=self.timeout, env=ENV)
        except subprocess.TimeoutExpired as e:
            self.log.append((os.path.basename(folder), shown, "timeout", e.stdout or b"", e.stderr or b""))
            raise Finding(f"timeout: {' '.join(args[:1])}", f"`{shown}` ran longer than {self.timeout} s", self.log)
        out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
        self.log.append((os.path.basename(folder), shown, r.returncode, out, err, round(time.time() - start, 2)))
        both = out + err
        what = args[0]
        if r.returncode < 0:
            raise Finding(f"crash: {what} signal {-r.returncode}", f"`{shown}` died of signal {-r.returncode}", self.log)
        if r.returncode in (98, 99) or "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            m = re.search(r"(runtime error: [^\n]*|ERROR: \w+Sanitizer: [\w-]+)", err)
            sig = re.sub(r"0x[0-9a-f]+|\d+", "N", m.group(1)) if m else f"exit {r.returncode}"
            raise Finding(f"sanitizer: {what}: {sig[:120]}", f"`{shown}`: sanitizer report", self.log)
        m = re.search(r"[^\n]*internal(?: error|:)[^\n]*", both)
        if m:
            line = re.sub(r"\d+", "N", m.group(0).strip())
            line = re.sub(r"`[^`]*`", "`X`", line)
            raise Finding(f"internal: {what}: {line[:120]}", f"`{shown}` reported an internal error", self.log)
        m = re.search(r"[^\n]*(?:the runtime does not know|not supported by the runtime|unsupported)[^\n]*", both)
        if m and what in ("run", "verify"):
            line = re.sub(r"`[^`]*`", "`X`", re.sub(r"\d+", "N", m.group(0).strip()))
            raise Finding(f"run rejects what check accepts: {line[:100]}", f"`{shown}`", self.log)
        if r.returncode not in (0, 1):
            raise Finding(f"crash: {what} exit {r.returncode}", f"`{shown}` exited {r.returncode}", self.log)
        return r.returncode, out, err


def outputs(folder):
    """Every file the run wrote under out/ (path -> bytes)."""
    found = {}
    base = os.path.join(folder, "out")
    for dirpath, _dirs, names in os.walk(base):
        for n in names:
            full = os.path.join(dirpath, n)
            with open(full, "rb") as f:
                found[os.path.relpath(full, folder)] = f.read()
    return found


def statuses(out):
    """Node outcomes of a `--json` summary, without timings: a comparable list."""
    try:
        doc = json.loads(out)
    except ValueError:
        return None
    nodes = []
    for n in doc.get("nodes", []):
        exp = n.get("expectations")
        nodes.append((n.get("kind"), n.get("declaration"), n.get("status"), n.get("rows_in"), n.get("rows_out"),
                      json.dumps(exp, sort_keys=True) if exp is not None else None))
    return sorted(nodes, key=lambda x: json.dumps(x))


def compare(log, what, a, b):
    if a == b:
        return
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            state = "missing in one" if path not in a or path not in b else "different bytes"
            raise Finding(f"differ: {what}", f"{what}: {path}: {state}", log)


def sink_names(decls):
    found = []
    for d in decls:
        m = re.match(r"sink (\w+) = .* to (?:csv|jsonl)\(\"(out/[^\"]+)\"\)", d, re.S)
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def null_in_nonnull(log, o1, schemas):
    """A column the program types as not nullable must hold no null in what a sink wrote."""
    for path, data in o1.items():
        cols = schemas.get(path)
        if not cols:
            continue
        text = data.decode("utf-8", "replace")
        bad = None
        if path.endswith(".jsonl"):
            for line in text.splitlines():
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                for n, base, null, how in cols:
                    if not null and n in obj and obj[n] is None and base != "float":  # NaN/inf are null in JSON
                        bad = (n, line, how)
                        break
                if bad:
                    break
        else:
            import csv
            import io
            rows = list(csv.reader(io.StringIO(text)))
            if not rows:
                continue
            header = rows[0]
            raw = text.splitlines()
            for row in rows[1:]:
                for n, base, null, how in cols:
                    # A non-finite float (an overflow) is null in CSV too (docs/RUNTIME.md).
                    if not null and base not in ("string", "float") and n in header:
                        i = header.index(n)
                        if i < len(row) and row[i] == "":
                            bad = (n, ",".join(row), how)
                            break
                if bad:
                    break
        if bad:
            kind = re.sub(r"\d+$", "", bad[0]) if re.match(r"^[a-z]+\d+$", bad[0]) else "source column"
            m = re.match(r"[(\s-]*(\w+)\(", bad[2])
            if m:
                kind += f" from {m.group(1)}(...)"
            raise Finding(f"soundness: null in a non-nullable column ({kind})",
                          f"{path}: column `{bad[0]}` (= {bad[2][:200]}) is typed not nullable but holds a null: {bad[1][:300]}", log)


_disable_support = {}


def run_takes(weir, option):
    """Whether this `weir run` takes `option` (older binaries do not)."""
    if (weir, option) not in _disable_support:
        r = subprocess.run([weir, "help", "run"], capture_output=True, env=ENV)
        _disable_support[(weir, option)] = option.encode() in r.stdout + r.stderr
    return _disable_support[(weir, option)]


def run_disables_passes(weir):
    """Whether this `weir run` takes `--disable-pass all`."""
    return run_takes(weir, "--disable-pass")


def check_program(weir, decls, files, root, timeout, rng_pick=0, schemas=None):
    """Runs every step on one program; raises Finding."""
    case = Case(weir, decls, files, root, timeout)
    a = case.project("a")
    rc, out, err = case.cmd(a, "check")
    if rc != 0:
        codes = re.findall(r"error\[(E\d+)\]", out + err) or re.findall(r"error: ([^\n]*)", out + err)[:1]
        first = codes[0] if codes else "no code"
        first = re.sub(r"`[^`]*`", "`X`", first)
        raise Finding(f"check rejects: {first}", "`weir check` rejected a generated program", case.log)
    rc, _out, _err = case.cmd(a, "plan")
    if rc != 0:
        raise Finding("plan fails after check", "`weir plan` failed on a program that checks", case.log)
    for p in PASSES:
        rc, _out, _err = case.cmd(a, "plan", f"--disable-pass={p}")
        if rc != 0:
            raise Finding(f"plan fails without {p}", f"`weir plan --disable-pass={p}` failed", case.log)
    rc, _out, _err = case.cmd(a, "plan", *[f"--disable-pass={p}" for p in PASSES])
    if rc != 0:
        raise Finding("plan fails without passes", "`weir plan` with every pass disabled failed", case.log)

    rc1, out1, _ = case.cmd(a, "run", "--jobs", "1", "--json")
    o1, s1 = outputs(a), statuses(out1)
    b = case.project("b")
    rc2, out2, _ = case.cmd(b, "run", "--jobs", "2", "--json")
    o2, s2 = outputs(b), statuses(out2)
    if schemas:
        null_in_nonnull(case.log, o1, schemas)
    if rc1 != rc2:
        raise Finding("differ: exit code jobs 1 vs 2", f"--jobs 1 exited {rc1}, --jobs 2 exited {rc2}", case.log)
    if s1 != s2:
        raise Finding("differ: node outcomes jobs 1 vs 2", "the run summaries differ", case.log)
    compare(case.log, "outputs jobs 1 vs 2", o1, o2)

    rc3, _, _ = case.cmd(a, "run", "--jobs", "2")
    compare(case.log, "outputs first run vs re-run", o1, outputs(a))
    if rc3 != rc1:
        raise Finding("differ: exit code first run vs re-run", f"{rc1} then {rc3}", case.log)
    shutil.rmtree(os.path.join(a, "out"), ignore_errors=True)
    rc4, _, _ = case.cmd(a, "run", "--jobs", "2")
    compare(case.log, "outputs first run vs cached re-run", o1, outputs(a))
    if rc4 != rc1:
        raise Finding("differ: exit code first run vs cached re-run", f"{rc1} then {rc4}", case.log)
    rc5, _, _ = case.cmd(a, "run", "--jobs", "2", "--no-cache")
    compare(case.log, "outputs cached vs --no-cache", o1, outputs(a))
    if rc5 != rc1:
        raise Finding("differ: exit code first run vs --no-cache", f"{rc1} then {rc5}", case.log)

    rc6, out6, _ = case.cmd(a, "verify", "--jobs", "2")
    # A node that failed in the run fails again: verify lists it apart ("failed in the fresh
    # run"), and it is no cached outcome.
    if "not reproduced" in out6:
        raise Finding("verify: outcomes not reproduced", "`weir verify` found differences", case.log)
    if "failed in the fresh run" in out6 and rc1 == 0:
        raise Finding("verify: a node fails in the fresh run", "`weir verify` saw a failure the run did not", case.log)
    if rc6 != 0 and rc1 == 0:
        raise Finding("verify fails after a successful run", f"`weir verify` exited {rc6}", case.log)

    if run_disables_passes(weir):
        d = case.project("d")
        rc7, _, _ = case.cmd(d, "run", "--jobs", "2", "--disable-pass", "all")
        compare(case.log, "outputs optimized vs every pass disabled", o1, outputs(d))
        if rc7 != rc1:
            raise Finding("differ: exit code optimized vs every pass disabled", f"{rc1} then {rc7}", case.log)

    if run_takes(weir, "--jit"):
        e = case.project("e")
        rc8, _, _ = case.cmd(e, "run", "--jobs", "2", "--jit=off")
        compare(case.log, "outputs --jit=on vs --jit=off", o1, outputs(e))
        if rc8 != rc1:
            raise Finding("differ: exit code --jit=on vs --jit=off", f"{rc1} then {rc8}", case.log)

    sinks = [s for s in sink_names(decls) if s[1] in o1]
    if sinks:
        name, path = sinks[rng_pick % len(sinks)]
        c = case.project("c")
        case.cmd(c, "run", "--jobs", "2", "--target", name)
        got = outputs(c)
        if got.get(path) != o1[path]:
            raise Finding("differ: sink alone vs whole run", f"{path} differs when `--target {name}` runs alone", case.log)
    return case.log


def save(folder, decls, files, finding, seed, note=""):
    os.makedirs(folder, exist_ok=True)
    for path, data in files.items():
        full = os.path.join(folder, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "main.mlflow"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(decls) + "\n")
    with open(os.path.join(folder, "README.txt"), "w", encoding="utf-8") as f:
        f.write(f"symptom: {finding.key}\n{finding.detail}\nseed: {seed}\n{note}\n\n")
        for entry in finding.log:
            f.write(f"== [{entry[0]}] $ {entry[1]}\n-- exit: {entry[2]}\n")
            if len(entry) > 3:
                if entry[3]:
                    f.write("-- stdout:\n" + (entry[3] if isinstance(entry[3], str) else entry[3].decode("utf-8", "replace"))[-6000:] + "\n")
                if entry[4]:
                    f.write("-- stderr:\n" + (entry[4] if isinstance(entry[4], str) else entry[4].decode("utf-8", "replace"))[-6000:] + "\n")


def reproduces(weir, decls, files, root, timeout, key, schemas=None):
    try:
        check_program(weir, decls, files, root, timeout, schemas=schemas)
    except Finding as f:
        return f.key == key
    return False


def minimize(weir, decls, files, root, timeout, key, budget, schemas=None):
    """Drops declarations, then pipeline operators, while the symptom stays the same."""
    deadline = time.time() + budget
    # Dropping an operator changes the schemas the soundness oracle compares with: not for those.
    ops_too = not key.startswith("soundness")
    decls = list(decls)
    i = len(decls) - 1
    while i >= 1 and time.time() < deadline:
        trial = decls[:i] + decls[i + 1:]
        if reproduces(weir, trial, files, root, timeout, key, schemas):
            decls = trial
        i -= 1
    for di in range(len(decls) if ops_too else 0):
        while time.time() < deadline:
            lines = decls[di].split("\n")
            ops = [j for j, l in enumerate(lines) if l.startswith("  | ")]
            done = True
            for j in reversed(ops):
                trial_decl = "\n".join(lines[:j] + lines[j + 1:])
                trial = decls[:di] + [trial_decl] + decls[di + 1:]
                if reproduces(weir, trial, files, root, timeout, key):
                    decls = trial
                    done = False
                    break
            if done:
                break
    return decls


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--keep-going", action="store_true")
    ap.add_argument("--findings", default=os.path.join("fuzz-findings", "check-implies-run"))
    ap.add_argument("--avoid", default="", help="features to leave out: " + ", ".join(generate.FEATURES))
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per command")
    ap.add_argument("--time-limit", type=float, default=0, help="stop starting programs after this many seconds")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--minimize-budget", type=float, default=180.0)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    weir = os.path.abspath(args.weir)
    if not os.access(weir, os.X_OK):
        print(f"check_implies_run: `{args.weir}` is not an executable", file=sys.stderr)
        return 2
    avoid = [a for a in args.avoid.split(",") if a]
    for a in avoid:
        if a not in generate.FEATURES:
            print(f"check_implies_run: unknown feature `{a}` (known: {', '.join(generate.FEATURES)})", file=sys.stderr)
            return 2
    start = time.time()
    seen = {}
    tried = 0
    findings = 0
    with tempfile.TemporaryDirectory(prefix="weir-cir-") as tmp:
        for seed in range(args.seed, args.seed + args.count):
            if args.time_limit and time.time() - start > args.time_limit:
                break
            tried += 1
            prog = generate.generate(seed, avoid)
            decls = [d[2] for d in prog.decls]
            root = os.path.join(tmp, "case")
            try:
                check_program(weir, decls, prog.files, root, args.timeout, rng_pick=seed, schemas=prog.sink_schemas)
                if not args.quiet:
                    print(f"seed {seed}: ok", flush=True)
                continue
            except Finding as f:
                findings += 1
                first = f.key not in seen
                seen.setdefault(f.key, []).append(seed)
                print(f"seed {seed}: FINDING {f.key}{'' if first else ' (seen before)'}", flush=True)
                if first:
                    slug = re.sub(r"[^A-Za-z0-9]+", "-", f.key).strip("-")[:60]
                    folder = os.path.join(args.findings, f"{len(seen):03d}-{slug}")
                    shutil.rmtree(folder, ignore_errors=True)
                    save(os.path.join(folder, "original"), decls, prog.files, f, seed)
                    if not args.no_minimize:
                        small = minimize(weir, decls, prog.files, os.path.join(tmp, "min"), args.timeout, f.key,
                                         args.minimize_budget, prog.sink_schemas)
                        try:
                            check_program(weir, small, prog.files, os.path.join(tmp, "min"), args.timeout,
                                          schemas=prog.sink_schemas)
                            final = f
                        except Finding as g:
                            final = g
                        save(os.path.join(folder, "minimized"), small, prog.files, final, seed,
                             f"minimized from {len(decls)} to {len(small)} declarations")
                    print(f"  saved in {folder}", flush=True)
                if not args.keep_going:
                    break
    elapsed = time.time() - start
    print(f"check_implies_run: {tried} programs in {elapsed:.0f} s, {findings} with findings, "
          f"{len(seen)} distinct")
    for key, seeds in seen.items():
        print(f"  {key}: seeds {', '.join(map(str, seeds[:10]))}{' ...' if len(seeds) > 10 else ''} ({len(seeds)})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
