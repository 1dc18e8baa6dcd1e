"""Random well-typed Weir programs with matching data files: see test/fuzz/README.md.

Usage: generate.py SEED OUTDIR [--avoid FEATURE,...]
Writes OUTDIR/main.mlflow, its data files under OUTDIR/data/ and an empty OUTDIR/.weir/.
The same seed gives the same program and the same data, byte for byte.

The generator types every expression itself: each table expression's schema is tracked (column
names, types, nullability) through every operator, and expressions are built for a wanted type
from the columns in scope, so `weir check` must accept what it writes. Library use:
`generate(seed, avoid)` returns a `Program` (its declarations in order, and its data files).

Features that `--avoid` (or `avoid=`) can leave out, for known open defects: see FEATURES.
"""
import json
import os
import random
import re
import sqlite3
import sys

# Every feature the generator can leave out on request (a known open defect must not hide the
# rest of what a run would find).
FEATURES = {
    "keyless_group": "whole-table `group { ... }` (no keys)",
    "window": "window operators (lag, lead, row_number, rank, framed aggregates)",
    "asof": "as-of joins",
    "std_var": "std and var (null of one value; typed nullable since the catalog's Domain rule)",
    "rederive": "(no effect: a column assigned twice in one `derive` is error E0225, never generated)",
    "agg_after_derive": "whole-table aggregates in a `derive` after its first assignment",
    "models": "model, predict, evaluate declarations",
    "xgboost": "xgboost models",
    "linear": "linear models",
    "logistic": "logistic models",
    "predict": "predict operators",
    "evaluate": "metrics declarations",
    "nested_transform": "transforms that call transforms",
    "transform": "transform declarations and calls",
    "fn": "fn declarations and calls",
    "rule": "rule declarations",
    "expect": "expect declarations",
    "jsonl": "JSON Lines sources and sinks",
    "sqlite": "SQLite sources",
    "local_import": "transforms in a module of the project, imported as `lib`",
    "fairness": "fairness metrics of binary models",
    "join": "join operators",
    "union": "union operators",
    "split": "split declarations",
    "sample": "sample operators",
    "agg_in_row": "whole-table aggregates inside where/derive/fill",
    "narrowing": "relying on `where c is not null` narrowing",
    "quoted_names": "backquoted column names",
    "timestamp": "timestamp columns",
    "error_expect": "expectations of severity error that may fail",
    "math": "sqrt, log, exp, pow",
    "casts": "int(), float(), string() conversions",
}

RESERVED = set("import let expect fn where as on except and or not in between is if then else case "
               "when true false null".split())


def ident(name):
    """A column name as written in a program: backquoted unless a plain identifier."""
    if name.replace("_", "a").isalnum() and not name[0].isdigit() and name.isascii() and name not in RESERVED:
        return name
    return "`" + name + "`"


class NoExpr(Exception):
    """No expression of the wanted type can be built from what is in scope."""


class T:
    """A scalar type: base (int float bool string date timestamp category), nullability, levels."""
    __slots__ = ("base", "null", "levels")

    def __init__(self, base, null=False, levels=None):
        self.base, self.null, self.levels = base, null, tuple(levels) if levels else None

    def nullable(self, n=True):
        return T(self.base, self.null or n, self.levels)

    def nonnull(self):
        return T(self.base, False, self.levels)

    def text(self):
        s = self.base
        if self.base == "category":
            s = "category[" + ", ".join(json.dumps(l) for l in self.levels) + "]"
        return s + ("?" if self.null else "")

    def numeric(self):
        return self.base in ("int", "float")

    def same(self, other):
        return self.base == other.base and (self.base != "category" or self.levels == other.levels)

    def __repr__(self):
        return self.text()


def common(a, b):
    """The common type of two expressions (if/else branches, coalesce, min/max), or None."""
    if a.numeric() and b.numeric():
        return T("float" if "float" in (a.base, b.base) else "int", a.null or b.null)
    if a.same(b):
        return T(a.base, a.null or b.null, a.levels)
    return None


class Schema:
    def __init__(self, cols):
        self.cols = list(cols)  # [(name, T)]

    def copy(self):
        return Schema(self.cols)

    def names(self):
        return [n for n, _ in self.cols]

    def get(self, name):
        for n, t in self.cols:
            if n == name:
                return t
        return None

    def set(self, name, t):
        for i, (n, _) in enumerate(self.cols):
            if n == name:
                self.cols[i] = (name, t)
                return
        self.cols.append((name, t))

    def of(self, pred):
        return [(n, t) for n, t in self.cols if pred(t)]


class Fn:
    def __init__(self, name, params, ret, text):
        self.name, self.params, self.ret, self.text = name, params, ret, text


class Transform:
    """A transform whose body uses only its parameters: `ops(schema, binding)` types its result."""

    def __init__(self, name, params, text, apply, writes=()):
        self.name, self.params, self.text, self.apply = name, params, text, apply
        self.ref = name  # how the main module calls it (`lib.NAME` once moved to a module)
        # The columns its body derives by a fixed name (its callee's too): the column argument
        # must be another (`derive tx1 = c + k, c = ...` with c = tx1 assigns tx1 twice, E0225).
        self.writes = set(writes)


class Program:
    def __init__(self):
        self.decls = []      # (kind, name, text)
        self.files = {}      # relative path -> bytes
        self.sink_schemas = {}  # output path -> [(column, base type, nullable)] as generated

    def text(self, keep=None):
        out = []
        for i, (_kind, _name, text) in enumerate(self.decls):
            if keep is None or i in keep:
                out.append(text)
        return "\n\n".join(out) + "\n"

    def write(self, folder, keep=None):
        write_project(folder, self.files, self.text(keep))


def write_project(folder, files, program):
    """A project folder: `.weir/`, the data files (path -> bytes) and `main.mlflow`."""
    os.makedirs(os.path.join(folder, ".weir"), exist_ok=True)
    for path, data in files.items():
        full = os.path.join(folder, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "main.mlflow"), "w", encoding="utf-8") as f:
        f.write(program)


WORDS = {
    "int": ["qty", "age", "level", "visits", "rank", "sample", "model"],
    "float": ["amount", "score", "price", "ratio", "weight"],
    "bool": ["flag", "active", "paid"],
    "string": ["name", "label", "city", "code", "note"],
    "date": ["day", "joined", "due"],
    "timestamp": ["seen", "at", "updated"],
    "category": ["tier", "kind", "color"],
}
STRINGS = ["2024-02-29", "2023-13-01", "2021-06-30T10:00:00Z", "Ann", "bob", "Oslo", "a,b", "say \"hi\"", "", "  padded ", "é-ü", "日本", "x\ny", "UPPER",
           "mixed Case", "123", "-4", "3.5", "tab\there", "zz"]
LEVEL_SETS = [["a", "b"], ["gold", "silver", "bronze"], ["x", "y", "z", "w"], ["lo", "hi"]]


class Gen:
    def __init__(self, seed, avoid=()):
        self.r = random.Random(seed)
        self.avoid = set(avoid)
        self.p = Program()
        self.counter = 0
        self.fns = []
        self.transforms = []
        self.rules = []
        self.tables = {}     # name -> Schema (sources and lets)
        self.sources = {}    # name -> (Schema, key column, row count)
        self.used = set()    # tables read by something
        self.models = []     # (name, task, features [(n,T)], target, target T, algo)
        self.origins = {}    # derived column -> the expression that computed it (last)
        self.sensitive = set()  # columns tagged @sensitive (fairness `by` columns, never features)

    # ---- helpers ----
    def on(self, feature, p=1.0):
        return feature not in self.avoid and self.r.random() < p

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p):
        return self.r.random() < p

    # ---- literals ----
    def lit(self, t):
        r = self.r
        if t.base == "int":
            return str(r.choice([0, 1, 2, 3, 5, 10, 42, 100, 1_000, r.randint(-50, 150)]))
        if t.base == "float":
            return r.choice(["0.0", "0.5", "1.5", "2.0", "10.25", "100.0", "1e-3", "1e3", f"{r.uniform(-50, 500):.2f}"])
        if t.base == "bool":
            return r.choice(["true", "false"])
        if t.base == "string":
            return json.dumps(r.choice(STRINGS), ensure_ascii=r.random() < 0.5)
        if t.base == "date":
            return f'date("{self.rand_date()}")'
        if t.base == "timestamp":
            return f'timestamp("{self.rand_date()}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z")'
        if t.base == "category":
            return json.dumps(r.choice(t.levels))
        raise ValueError(t)

    def rand_date(self):
        y = self.r.randint(2019, 2024)
        m = self.r.randint(1, 12)
        d = self.r.randint(1, 28)
        return f"{y:04d}-{m:02d}-{d:02d}"

    # ---- expressions ----
    # ctx: dict(cols=[(name, T)], agg=bool (whole-table aggregates allowed), fns=bool)
    def col(self, ctx, pred):
        cands = [(n, t) for n, t in ctx["cols"] if pred(t)]
        if not cands:
            return None
        n, t = self.r.choice(cands)
        return ident(n), t

    def expr(self, ctx, base, d=2):
        """An expression of type `base` ("num" for int or float); returns (text, T)."""
        for _ in range(20):
            got = self._expr(ctx, base, d)
            if got is not None:
                return got
        got = self.leaf(ctx, base)
        if got is None:
            raise NoExpr(base)
        return got

    def leaf(self, ctx, base):
        r = self.r
        if r.random() < 0.75:
            if base == "num":
                c = self.col(ctx, lambda t: t.numeric())
            elif base == "float":
                c = self.col(ctx, lambda t: t.numeric())
            elif isinstance(base, T):
                c = self.col(ctx, lambda t: t.same(base))
            else:
                c = self.col(ctx, lambda t: t.base == base)
            if c:
                return c
        if base == "num":
            base = r.choice(["int", "float"])
        if isinstance(base, T):
            if base.base == "category":
                return None  # a string literal is no category value (only compared with one)
            return self.lit(base), base.nonnull()
        if base == "category":
            return None
        t = T(base)
        return self.lit(t), t

    def _expr(self, ctx, base, d):
        r = self.r
        if d <= 0 or r.random() < 0.3:
            return self.leaf(ctx, base)
        if base in ("num", "int", "float"):
            return self.num_expr(ctx, base, d)
        if base == "bool":
            return self.bool_expr(ctx, d)
        if base == "string":
            return self.string_expr(ctx, d)
        if isinstance(base, T) and base.base == "category":
            return self.generic_expr(ctx, base, d)
        if base in ("date", "timestamp"):
            return self.generic_expr(ctx, T(base), d)
        return self.leaf(ctx, base)

    def generic_expr(self, ctx, t, d):
        """coalesce, if/else, case over any type."""
        r = self.r
        k = r.randrange(4)
        want = t if t.base == "category" else t.base
        if k == 0:
            a, ta = self.expr(ctx, want, d - 1)
            b, tb = self.expr(ctx, want, d - 1)
            return f"coalesce({a}, {b})", self.joined(t, ta, tb, ta.null and tb.null)
        if k == 1:
            c, _ = self.expr(ctx, "bool", d - 1)
            a, ta = self.expr(ctx, want, d - 1)
            b, tb = self.expr(ctx, want, d - 1)
            return f"(if {c} then {a} else {b})", self.joined(t, ta, tb, ta.null or tb.null)
        if k == 2:
            whens, null, floaty = [], False, False
            for _ in range(r.randint(1, 3)):
                c, _ = self.expr(ctx, "bool", d - 1)
                v, tv = self.expr(ctx, want, d - 1)
                whens.append(f"when {c} then {v}")
                null |= tv.null
                floaty |= tv.base == "float"
            if r.random() < 0.7:
                e, te = self.expr(ctx, want, d - 1)
                whens.append(f"else {e}")
                null |= te.null
                floaty |= te.base == "float"
            else:
                null = True
            sep = r.choice([" ", ", "])
            base = t.base
            if t.numeric():
                base = "float" if floaty else "int"
            return "case { " + sep.join(whens) + " }", T(base, null, t.levels)
        if t.base in ("date", "timestamp") and "casts" not in self.avoid and r.random() < 0.4:
            # Text to a date: null when it does not parse (a literal is checked as written).
            c = self.col(ctx, lambda x: x.base == "string")
            if c:
                return f"{t.base}({c[0]})", T(t.base, True)
        if t.base in ("date", "timestamp") and r.random() < 0.3:
            c = self.col(ctx, lambda x: x.base == t.base)
            if c:
                units = ["year", "quarter", "month", "week", "day"] + (["hour", "minute"] if t.base == "timestamp" else [])
                return f"date_trunc({json.dumps(r.choice(units))}, {c[0]})", c[1]
        if t.base == "category" and r.random() < 0.3:
            # A value outside the levels is null: text built from a level or not.
            a, ta = self.expr(ctx, "string", d - 1)
            if r.random() < 0.5:
                c = self.col(ctx, lambda x: x.base == "category")
                if c and "casts" not in self.avoid:
                    a = f"string({c[0]})"
            return f"category({a}, [{', '.join(json.dumps(l) for l in t.levels)}])", T("category", True, t.levels)
        if t.base == "date" and ctx.get("agg") and self.on("agg_in_row", 0.5):
            c = self.col(ctx, lambda x: x.base == "date")
            if c:
                f = r.choice(["min", "max", "first", "last"])
                return f"{f}({c[0]})", c[1]
        return self.leaf(ctx, want)

    @staticmethod
    def joined(t, ta, tb, null):
        if t.numeric():
            return T(common(ta, tb).base, null)
        return T(t.base, null, t.levels)

    def num_expr(self, ctx, base, d):
        r = self.r
        k = r.randrange(18)
        sub = "int" if base == "int" else "num"
        if k <= 3:  # arithmetic
            a, ta = self.expr(ctx, sub, d - 1)
            b, tb = self.expr(ctx, sub, d - 1)
            op = r.choice(["+", "-", "*"])
            return f"({a} {op} {b})", common(ta, tb)
        if k == 4:
            a, ta = self.expr(ctx, sub, d - 1)
            if r.random() < 0.5:
                lit = r.choice(["2", "4", "7", "10"]) if base == "int" or r.random() < 0.5 else r.choice(["2.0", "0.5", "3.0"])
                tl = T("int" if "." not in lit else "float")
                if base == "int" and tl.base == "float":
                    lit, tl = "3", T("int")
                if base == "int" or r.random() < 0.5:
                    if ta.base == "int" and tl.base == "int":
                        return f"({a} % {lit})", T("int", ta.null)
                    if base != "int":
                        return f"({a} % {lit})", T("float", ta.null)
                if base != "int":
                    return f"({a} / {lit})", T("float", ta.null)
                return f"({a} % {lit})", T("int", ta.null)
            b, tb = self.expr(ctx, sub, d - 1)
            if base == "int":
                if ta.base == "int" and tb.base == "int":
                    return f"({a} % {b})", T("int", True)
                return None
            op = r.choice(["/", "%"])
            return f"({a} {op} {b})", T("float" if op == "/" or "float" in (ta.base, tb.base) else "int", True)
        if k == 5:
            a, ta = self.expr(ctx, sub, d - 1)
            return f"(-{a})", ta
        if k == 6:
            f = r.choice(["abs", "round", "floor", "ceil"])
            a, ta = self.expr(ctx, sub, d - 1)
            return f"{f}({a})", ta
        if k == 7 and base != "int" and "math" not in self.avoid:
            f = r.choice(["sqrt", "log", "exp", "pow"])
            a, ta = self.expr(ctx, "num", d - 1)
            if f == "pow":
                b, tb = self.expr(ctx, "num", d - 1)
                return f"pow({a}, {b})", T("float", True)  # null outside its domain
            return f"{f}({a})", T("float", ta.null or f != "exp")
        if k == 8:
            f = r.choice(["min", "max"])
            a, ta = self.expr(ctx, sub, d - 1)
            b, tb = self.expr(ctx, sub, d - 1)
            return f"{f}({a}, {b})", common(ta, tb)
        if k == 9:
            a, ta = self.expr(ctx, sub, d - 1)
            lo, hi = sorted([r.randint(-10, 50), r.randint(0, 100)])
            if base == "int" or ta.base == "int" and r.random() < 0.5:
                return f"clamp({a}, {lo}, {hi})", T("int", ta.null) if ta.base == "int" else ta
            return f"clamp({a}, {lo}.5, {hi}.0)", T("float", ta.null)
        if k == 10:
            a, ta = self.expr(ctx, sub, d - 1)
            b, tb = self.expr(ctx, sub, d - 1)
            if r.random() < 0.5:
                b, tb = self.lit(T("int" if base == "int" else "float")), T("int" if base == "int" else "float")
            return f"coalesce({a}, {b})", T(common(ta, tb).base, ta.null and tb.null)
        if k == 11:
            which = r.randrange(5)
            if which == 0:
                s, ts = self.expr(ctx, "string", d - 1)
                return f"length({s})", T("int", ts.null)
            if which == 1:
                c = self.col(ctx, lambda t: t.base in ("date", "timestamp"))
                if not c:
                    return None
                f = r.choice(["year", "month", "day"])
                return f"{f}({c[0]})", T("int", c[1].null)
            if which == 2:
                c = self.col(ctx, lambda t: t.base in ("date", "timestamp"))
                if not c:
                    return None
                other = self.lit(T(c[1].base)) if r.random() < 0.6 else c[0]
                if r.random() < 0.5:
                    return f"days_between({c[0]}, {other})", T("int", c[1].null)
                return f"days_between({other}, {c[0]})", T("int", c[1].null)
            if which == 3:
                a, ta = self.expr(ctx, "num", d - 1)
                edges = sorted(set(r.randint(-10, 200) for _ in range(r.randint(1, 4))))
                return f"bucket({a}, [{', '.join(map(str, edges))}])", T("int", ta.null)
            args = [self.expr(ctx, r.choice(["num", "string", "bool"]), d - 1)[0] for _ in range(r.randint(1, 3))]
            return f"hash({', '.join(args)})", T("int")
        if k == 12 and "casts" not in self.avoid:
            if r.random() < 0.5:
                s, ts = self.expr(ctx, "string", d - 1)
                f = "int" if base == "int" else r.choice(["int", "float"])
                return f"{f}({s})", T(f, True)
            a, ta = self.expr(ctx, r.choice(["num", "bool"]), d - 1)
            f = "int" if base == "int" else r.choice(["int", "float"])
            return f"{f}({a})", T(f, ta.null)
        if k == 13:
            return self.generic_expr(ctx, T("int" if base == "int" else "float"), d)
        if k == 14 and ctx.get("agg") and self.on("agg_in_row"):
            return self.aggregate(ctx, "int" if base == "int" else "num")
        if k == 15 and ctx.get("fns") and "fn" not in self.avoid:
            return self.fn_call(ctx, lambda t: t.base == "int" if base == "int" else t.numeric(), d)
        return self.leaf(ctx, base)

    def aggregate(self, ctx, base, group=False):
        """A whole-table (or per-group) aggregate call of type `base`."""
        r = self.r
        inner = dict(ctx, agg=False)
        k = r.randrange(8)
        if base == "int" or k == 0:
            if r.random() < 0.4:
                return "count()", T("int")
            if r.random() < 0.5:
                a, _ = self.expr(inner, r.choice(["num", "string", "bool", "date"]), 1)
                return f"count({a})", T("int")
            a, _ = self.expr(inner, r.choice(["num", "string"]), 1)
            if base == "int" or r.random() < 0.5:
                return f"count_distinct({a})", T("int")
        if k == 1 or base == "int":
            a, ta = self.expr(inner, "int" if base == "int" else "num", 1)
            return f"sum({a})", T(ta.base, False)
        if k == 2:
            a, ta = self.expr(inner, "num", 1)
            f = r.choice(["min", "max", "first", "last"])
            return f"{f}({a})", ta
        if k == 3:
            a, ta = self.expr(inner, "num", 1)
            q = r.choice(["0.0", "0.25", "0.5", "0.9", "1.0"])
            return f"quantile({a}, {q})", T("float", ta.null)
        if k == 4 and group:
            c, _ = self.expr(inner, "bool", 1)
            return f"fraction({c})", T("float")
        if k == 5:
            # `mean` of a bool: the fraction of true values.
            c, tc = self.expr(inner, "bool", 1)
            return f"mean({c})", T("float", tc.null)
        a, ta = self.expr(inner, "num", 1)
        f = r.choice(["mean", "std", "var", "median"])
        if "std_var" in self.avoid:
            f = {"std": "mean", "var": "median"}.get(f, f)
        return f"{f}({a})", T("float", ta.null or f in ("std", "var"))  # std, var of one value: null

    def bool_expr(self, ctx, d):
        r = self.r
        k = r.randrange(14)
        if k <= 2:
            a, ta = self.expr(ctx, "num", d - 1)
            b, tb = self.expr(ctx, "num", d - 1)
            op = r.choice(["==", "!=", "<", "<=", ">", ">="])
            return f"{a} {op} {b}", T("bool", ta.null or tb.null)
        if k == 3:
            op = r.choice(["and", "or"])
            a, ta = self.expr(ctx, "bool", d - 1)
            b, tb = self.expr(ctx, "bool", d - 1)
            return f"({a} {op} {b})", T("bool", ta.null or tb.null)
        if k == 4:
            a, ta = self.expr(ctx, "bool", d - 1)
            return f"(not {a})", ta
        if k == 5:
            c = self.col(ctx, lambda t: True)
            if not c:
                return None
            return f"{c[0]} is {r.choice(['', 'not '])}null", T("bool")
        if k == 6:
            a, ta = self.expr(ctx, "num", d - 1)
            lo, hi = sorted([r.randint(-20, 60), r.randint(0, 200)])
            neg = "not " if r.random() < 0.2 else ""
            return f"{a} {neg}between {lo} and {hi}", T("bool", ta.null)
        if k == 7:
            c = self.col(ctx, lambda t: t.base in ("int", "string", "category"))
            if not c:
                return None
            t = c[1]
            if t.base == "category":
                vals = r.sample(list(t.levels), r.randint(1, len(t.levels)))
                items = [json.dumps(v) for v in vals]
            else:
                items = list(dict.fromkeys(self.lit(T(t.base)) for _ in range(r.randint(1, 4))))
            neg = "not " if r.random() < 0.2 else ""
            return f"{c[0]} {neg}in [{', '.join(items)}]", T("bool", t.null)
        if k == 8:
            c = self.col(ctx, lambda t: t.base == "category")
            if not c:
                return None
            return f"{c[0]} {r.choice(['==', '!='])} {json.dumps(r.choice(c[1].levels))}", T("bool", c[1].null)
        if k == 9:
            a, ta = self.expr(ctx, "string", d - 1)
            if r.random() < 0.5:
                b, tb = self.lit(T("string")), T("string")
            else:
                b, tb = self.expr(ctx, "string", d - 1)
            f = r.choice(["contains", "starts_with", "=="])
            if f == "==":
                return f"{a} {r.choice(['==', '!=', '<', '>='])} {b}", T("bool", ta.null or tb.null)
            return f"{f}({a}, {b})", T("bool", ta.null or tb.null)
        if k == 10:
            c = self.col(ctx, lambda t: t.base in ("date", "timestamp"))
            if not c:
                return None
            other = self.lit(T(c[1].base))
            return f"{c[0]} {r.choice(['<', '<=', '>', '>=', '==', '!='])} {other}", T("bool", c[1].null)
        if k == 11 and ctx.get("fns") and "fn" not in self.avoid:
            return self.fn_call(ctx, lambda t: t.base == "bool", d)
        if k == 12:
            return self.generic_expr(ctx, T("bool"), d)
        return self.leaf(ctx, "bool")

    def string_expr(self, ctx, d):
        r = self.r
        k = r.randrange(9)
        if k == 0:
            a, ta = self.expr(ctx, "string", d - 1)
            return f"{r.choice(['lower', 'upper'])}({a})", ta
        if k == 1 and "casts" not in self.avoid:
            a, ta = self.expr(ctx, r.choice(["num", "bool", "date"]), d - 1)
            return f"string({a})", T("string", ta.null)
        if k == 2:
            c = self.col(ctx, lambda t: t.base == "category")
            if c and "casts" not in self.avoid:
                return f"string({c[0]})", T("string", c[1].null)
            return None
        if k == 3 and ctx.get("fns") and "fn" not in self.avoid:
            return self.fn_call(ctx, lambda t: t.base == "string", d)
        if k == 4:
            return self.generic_expr(ctx, T("string"), d)
        if k == 5:
            parts = [self.expr(ctx, r.choice(["num", "string", "bool", "date"]), d - 1) for _ in range(r.randint(2, 3))]
            return f"concat({', '.join(e for e, _ in parts)})", T("string", any(t.null for _, t in parts))
        if k == 6:
            a, ta = self.expr(ctx, "string", d - 1)
            return f"substring({a}, {r.randint(-2, 6)}, {r.randint(-1, 5)})", T("string", ta.null)
        if k == 7:
            a, ta = self.expr(ctx, "string", d - 1)
            if r.random() < 0.5:
                return f"trim({a})", ta
            old, new = self.lit(T("string")), self.lit(T("string"))
            return f"replace({a}, {old}, {new})", ta
        return self.leaf(ctx, "string")

    def nonnull(self, ctx, want, d):
        """An expression of type `want` (T) that is not nullable (coalesce when needed)."""
        base = want if want.base == "category" else want.base
        e, t = self.expr(ctx, base, d)
        if t.null:
            e = f"coalesce({e}, {self.lit(want)})"
            t = t.nonnull()
        return e, t

    def fn_call(self, ctx, pred, d):
        fns = [f for f in self.fns if pred(f.ret)]
        if not fns:
            return None
        f = self.r.choice(fns)
        args = []
        null = f.ret.null
        for _pn, pt in f.params:
            if pt.base == "float":
                e, t = self.expr(ctx, "num", d - 1)
            else:
                e, t = self.expr(ctx, pt.base, d - 1)
            if t.null and not pt.null:
                e = f"coalesce({e}, {self.lit(pt)})"
            args.append(e)
        return f"{f.name}({', '.join(args)})", f.ret.nullable(null)

    # ---- declarations ----
    def add(self, kind, name, text):
        self.p.decls.append((kind, name, text))

    def gen_fns(self):
        for i in range(self.r.randint(1, 3)):
            name = self.r.choice(["", "f_", "calc_"]) + f"fn{i}"
            params = []
            for j in range(self.r.randint(1, 3)):
                b = self.r.choice(["int", "float", "float", "bool", "string", "date"])
                params.append((f"p{j}", T(b, self.r.random() < 0.3)))
            ctx = {"cols": params, "agg": False, "fns": bool(self.fns) and self.on("fn", 0.7)}
            want = self.r.choice(["num", "num", "bool", "string", "int"])
            body, t = self.expr(ctx, want, 3)
            ret = t.nullable(self.r.random() < 0.2)
            plist = ", ".join(f"{n}: {pt.text()}" for n, pt in params)
            text = f"fn {name}({plist}) -> {ret.text()} = {body}"
            self.fns.append(Fn(name, params, ret, text))
            self.add("fn", name, text)

    def gen_transforms(self):
        """Transforms over one numeric column parameter (and a value parameter)."""
        r = self.r
        for i in range(r.randint(1, 3)):
            name = f"tr{i}"
            kind = r.randrange(5)
            out = self.fresh("tx")
            writes = {out} if kind in (2, 4) else set()
            callee = None
            if self.transforms and self.on("nested_transform", 0.5):
                callee = r.choice(self.transforms)
            # Each body is a list of (text, schema effect) over the column `c` and value `k`.
            if kind == 0:
                body = "t | where c > k"
                def eff(s, c, kt): return s
            elif kind == 1:
                body = "t | derive c = c * k"
                def eff(s, c, kt):
                    s.set(c, T("float" if kt == "float" or s.get(c).base == "float" else "int", s.get(c).null))
                    return s
            elif kind == 2:
                body = f"t | derive {out} = c + k, c = abs(c)"
                def eff(s, c, kt, out=out):
                    ct = s.get(c)
                    s.set(out, T("float" if kt == "float" or ct.base == "float" else "int", ct.null))
                    return s
            elif kind == 3:
                body = f"t | where c is not null | sort c desc"
                def eff(s, c, kt): return s
            else:
                body = f"t | derive {out} = (c - mean(c)) / k"
                def eff(s, c, kt, out=out):
                    s.set(out, T("float", True))
                    return s
            if callee is not None:
                writes |= callee.writes
                body += f" | {callee.name}(c, k)"
                def eff2(s, c, kt, eff=eff, callee=callee):
                    return callee.apply(eff(s, c, kt), c, kt)
            else:
                eff2 = eff
            kt = r.choice(["int", "float"])
            if callee is not None and callee.params[1] != kt:
                kt = "float" if callee.params[1] == "float" else kt
                kt = callee.params[1]
            text = f"transform {name}(t: table, c: column, k: {kt}) = {body}"
            tr = Transform(name, ("column", kt), text, lambda s, c, _kt, eff2=eff2, kt=kt: eff2(s, c, kt), writes)
            self.transforms.append(tr)
            self.add("transform", name, text)

    def move_transforms_to_module(self):
        """The transforms go to `lib/transforms.mlflow`, imported as `lib` (calls within the module
        stay unqualified)."""
        kept, moved = [], []
        for d in self.p.decls:
            (moved if d[0] == "transform" else kept).append(d)
        if not moved:
            return
        self.p.decls = kept
        self.add("import", "lib", 'import "lib/transforms.mlflow" as lib')
        self.lib_import_at = len(self.p.decls) - 1
        self.p.files["lib/transforms.mlflow"] = ("/// Transforms of a generated program.\n\n" +
                                                  "\n\n".join(text for _, _, text in moved) + "\n").encode()
        for tr in self.transforms:
            tr.ref = "lib." + tr.name

    def gen_rules(self):
        r = self.r
        for i in range(r.randint(1, 2)):
            name = f"rl{i}"
            kind = r.randrange(3)
            if kind == 0:
                text = f"rule {name}(t: table, c: column, lo: float) = all(c is null or c >= lo)"
                params = ("num", "float")
            elif kind == 1:
                text = f"rule {name}(t: table, c: column) = fraction(c is not null) >= 0.5"
                params = ("any", None)
            else:
                text = f"rule {name}(t: table, n: int) = count() >= n"
                params = (None, "int")
            self.rules.append((name, params))
            self.add("rule", name, text)

    def gen_sources(self):
        r = self.r
        n_sources = r.randint(1, 3)
        letters = "abc"
        for si in range(n_sources):
            L = letters[si]
            cols = [(f"id_{L}", T("int"))]
            types = ["int", "float", "bool", "string", "date", "category", "float", "int"]
            if "timestamp" not in self.avoid:
                types.append("timestamp")
            for _ in range(r.randint(3, 7)):
                b = r.choice(types)
                levels = r.choice(LEVEL_SETS) if b == "category" else None
                word = r.choice(WORDS[b])
                name = f"{word}_{L}"
                if self.on("quoted_names", 0.08):
                    name = f"{word} {L}"
                if name in [c for c, _ in cols]:
                    name = f"{word}{len(cols)}_{L}"
                cols.append((name, T(b, r.random() < 0.4, levels)))
            # A reference to another source's ids, to join on.
            if si > 0:
                cols.append((f"ref_{L}", T("int", r.random() < 0.3)))
            schema_name = f"Row{L.upper()}"
            rows = r.randint(8, 120)
            fmt = "jsonl" if self.on("jsonl", 0.3) else "sqlite" if self.on("sqlite", 0.15) else "csv"
            path = f"data/{L}.{'db' if fmt == 'sqlite' else fmt}"
            lines = [f"schema {schema_name} {{"]
            groups = [n for n, t in cols if t.base in ("bool", "category")]
            if groups and self.on("fairness", 0.4):
                self.sensitive.add(r.choice(groups))
            for n, t in cols:
                tag = " @key" if n == f"id_{L}" else " @sensitive" if n in self.sensitive else ""
                lines.append(f"  {ident(n)}: {t.text()}{tag}")
            lines.append("}")
            self.add("schema", schema_name, "\n".join(lines))
            src = f"src_{L}"
            settings = ""
            if r.random() < 0.2:
                settings = " {\n  on_error = " + r.choice(["fail", "skip", "quarantine"]) + "\n}"
            table = f", table = \"t_{L}\"" if fmt == "sqlite" else ""
            self.add("source", src, f"source {src}: {schema_name} = {fmt}(\"{path}\"{table}){settings}")
            self.p.files[path] = self.data(cols, rows, fmt, L)
            self.tables[src] = Schema(cols)
            self.sources[src] = (Schema(cols), f"id_{L}", rows)

    def value(self, t, i, name, rows):
        r = self.r
        if t.null and r.random() < 0.2:
            return None
        if name.startswith("id_"):
            return i
        if name.startswith("ref_"):
            return r.randint(1, 40)
        if t.base == "int":
            return r.choice([r.randint(-20, 100), r.randint(0, 10)])
        if t.base == "float":
            return round(r.uniform(-100, 1000), r.choice([0, 1, 2]))
        if t.base == "bool":
            return r.random() < 0.5
        if t.base == "string":
            return r.choice(STRINGS)
        if t.base == "date":
            return self.rand_date()
        if t.base == "timestamp":
            frac = r.choice(["", "", ".5", ".125"])
            return f"{self.rand_date()}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}{frac}Z"
        return r.choice(t.levels)

    def data(self, cols, rows, fmt, L):
        ids = list(range(1, rows + 1))
        self.r.shuffle(ids)
        records = []
        for i in ids:
            records.append([self.value(t, i, n, rows) for n, t in cols])
        if fmt == "sqlite":
            return self.sqlite_data(cols, records, L)
        if fmt == "jsonl":
            out = []
            for rec in records:
                obj = {}
                for (n, t), v in zip(cols, rec):
                    if v is None and self.r.random() < 0.5:
                        continue  # a missing key is null
                    if t.base == "float" and v is not None:
                        v = float(v)
                    obj[n] = v
                out.append(json.dumps(obj, ensure_ascii=False))
            return ("\n".join(out) + "\n").encode()

        def field(t, v):
            if v is None:
                return ""
            if t.base == "bool":
                return self.r.choice(["true", "false"] * 3 + ["TRUE", "False"]) if False else ("true" if v else "false")
            if t.base == "float":
                s = repr(float(v))
                return s
            s = str(v)
            if s == "" or any(ch in s for ch in ',"\n\r') or s != s.strip():
                return '"' + s.replace('"', '""') + '"'
            return s
        header = ",".join(field(T("string"), n) for n, _ in cols)
        order = list(range(len(cols)))
        lines = [header]
        for rec in records:
            lines.append(",".join(field(t, v) for (n, t), v in zip(cols, rec)))
        eol = "\r\n" if self.r.random() < 0.2 else "\n"
        return (eol.join(lines) + eol).encode()

    def sqlite_data(self, cols, records, L):
        """A database with table `t_L`: numbers and booleans as INTEGER/REAL (a whole float now
        and then as INTEGER, a number now and then as TEXT), the rest as TEXT, null as NULL."""
        r = self.r
        db = sqlite3.connect(":memory:")
        names = ", ".join('"' + n.replace('"', '""') + '"' for n, _ in cols)
        db.execute(f"CREATE TABLE t_{L} ({names})")
        marks = ", ".join("?" for _ in cols)
        for rec in records:
            row = []
            for (n, t), v in zip(cols, rec):
                if v is None:
                    row.append(None)
                elif t.base == "bool":
                    row.append(1 if v else 0)
                elif t.base == "float":
                    f = float(v)
                    row.append(int(f) if f.is_integer() and r.random() < 0.2 else repr(f) if r.random() < 0.1 else f)
                elif t.base == "int":
                    row.append(str(v) if r.random() < 0.1 else v)
                else:
                    row.append(str(v))
            db.execute(f"INSERT INTO t_{L} VALUES ({marks})", row)
        db.commit()
        data = db.serialize()
        db.close()
        return bytes(data)

    # ---- table expressions ----
    def pipeline(self, base, schema, n_ops, allow_model=True):
        """`base | op | op...`: returns (text, Schema)."""
        r = self.r
        s = schema.copy()
        parts = [base]
        same_as_base = True  # columns are the base's, in order (so `union` with it works)
        for _ in range(n_ops):
            got = self.op(s, base, schema, same_as_base, allow_model)
            if got is None:
                continue
            text, s2, keeps = got
            parts.append(text)
            s = s2
            same_as_base = same_as_base and keeps
        if len(parts) == 1:
            return base, s
        sep = "\n  | " if r.random() < 0.8 else " | "
        return sep.join(parts), s

    def row_ctx(self, s):
        return {"cols": s.cols, "agg": True, "fns": True}

    def op(self, s, base, base_schema, same_as_base, allow_model):
        r = self.r
        k = r.randrange(22)
        s = s.copy()
        ctx = self.row_ctx(s)
        if k <= 2:  # where
            c, t = self.expr(ctx, "bool", 2)
            if self.on("narrowing", 0.3):
                nc = self.col(ctx, lambda t: t.null)
                if nc:
                    c = f"{nc[0]} is not null and ({c})"
                    s.set(nc[0].strip("`"), nc[1].nonnull())
            return f"where {c}", s, True
        if k <= 5:  # derive
            items = []
            keeps = True
            mine = set()
            for _ in range(r.randint(1, 3)):
                ctx = self.row_ctx(s)
                if "agg_after_derive" in self.avoid and mine:
                    ctx = dict(ctx, agg=False)  # no aggregate that could read a column derived just before
                e, t = self.expr(ctx, r.choice(["num", "num", "bool", "string", "int", "date", "timestamp"]), 3)
                if r.random() < 0.1:
                    # A band: `category(x, [levels])`, null outside the levels.
                    levels = r.choice(LEVEL_SETS)
                    a, _ = self.expr(ctx, "string", 2)
                    if r.random() < 0.5:
                        a = f"(if {self.expr(ctx, 'bool', 1)[0]} then {json.dumps(levels[0])} else {json.dumps(r.choice(levels + ['none']))})"
                    e, t = f"category({a}, [{', '.join(json.dumps(l) for l in levels)}])", T("category", True, levels)
                # A column is assigned once per `derive` (E0225): never one this derive created.
                names = [n for n in s.names()[1:] if n not in mine]
                if r.random() < 0.2 and names:
                    name = r.choice(names)
                    if not s.get(name).same(t) or s.get(name).null != t.null:
                        keeps = False
                else:
                    name = self.fresh("d")
                    keeps = False
                s.set(name, t)
                self.origins[name] = e
                mine.add(name)
                items.append(f"{ident(name)} = {e}")
            return "derive " + ", ".join(items), s, keeps
        if k == 6:  # select
            names = s.names()
            keep = sorted(r.sample(range(len(names)), r.randint(1, len(names))))
            s2 = Schema([s.cols[i] for i in keep])
            return "select " + ", ".join(ident(names[i]) for i in keep), s2, len(keep) == len(names)
        if k == 7:  # drop
            names = s.names()
            if len(names) < 2:
                return None
            drop = r.sample(names, r.randint(1, min(2, len(names) - 1)))
            s2 = Schema([(n, t) for n, t in s.cols if n not in drop])
            return "drop " + ", ".join(ident(n) for n in drop), s2, False
        if k == 8:  # rename
            old = r.choice(s.names())
            new = self.fresh("rn")
            s2 = Schema([(new if n == old else n, t) for n, t in s.cols])
            return f"rename {new} = {ident(old)}", s2, False
        if k == 9:  # fill
            nullable = s.of(lambda t: t.null)
            if not nullable:
                return None
            items = []
            for n, t in r.sample(nullable, min(len(nullable), r.randint(1, 2))):
                if t.numeric() and self.on("agg_in_row", 0.5):
                    f = r.choice(["mean", "median", "min", "max"])
                    e = f"{f}({ident(n)})"
                    # mean/median of an int column are floats: only for float columns.
                    if t.base == "int" and f in ("mean", "median"):
                        e = f"{r.choice(['min', 'max'])}({ident(n)})"
                    et = T(t.base, True)
                    if r.random() < 0.5:
                        e = f"coalesce({e}, {self.lit(t.nonnull())})"
                        et = t.nonnull()
                elif t.base == "category":
                    other = [(m, u) for m, u in s.cols if m != n and u.same(t) and not u.null]
                    if other and r.random() < 0.5:
                        e, et = ident(r.choice(other)[0]), t.nonnull()
                    else:
                        # One of its levels, written as a string.
                        e, et = '"' + r.choice(t.levels) + '"', t.nonnull()
                else:
                    e, et = self.nonnull(self.row_ctx(s), t.nonnull(), 1)
                    if t.base == "int" and et.base == "float":
                        e, et = self.lit(T("int")), T("int")
                items.append(f"{ident(n)} = {e}")
                s.set(n, T(t.base, et.null, t.levels))
            if not items:
                return None
            return "fill " + ", ".join(items), s, True
        if k == 10:  # group
            return self.group_op(s)
        if k == 11 and self.on("join"):
            return self.join_op(s)
        if k == 12:  # sort
            keys = r.sample(s.names(), r.randint(1, min(3, len(s.names()))))
            return "sort " + ", ".join(ident(n) + r.choice(["", " desc", " asc"]) for n in keys), s, True
        if k == 13:
            return f"take {r.choice([0, 1, 3, 10, 50, 1000])}", s, True
        if k == 14:
            if r.random() < 0.4:
                return "distinct", s, True
            keys = r.sample(s.names(), r.randint(1, min(2, len(s.names()))))
            return "distinct " + ", ".join(ident(n) for n in keys), s, True
        if k == 15 and self.on("sample"):
            f = r.choice(["0.1", "0.5", "0.75", "1.0", "0.0"])
            extra = ""
            if r.random() < 0.6:
                extra = f" seed = {r.randint(0, 99)}"
            strat = s.of(lambda t: t.base in ("bool", "category", "string"))
            if strat and r.random() < 0.3 and extra:
                extra += f", stratify = {ident(r.choice(strat)[0])}"
            return f"sample {f}{extra}", s, True
        if k == 16 and same_as_base and self.on("union"):
            other, _ = self.pipeline(base, base_schema, 0)
            cond, _ = self.expr(self.row_ctx(base_schema), "bool", 1)
            # Same names in the same order; types widen.
            s2 = Schema([(n, T(t.base, t.null or bt.null, t.levels)) for (n, t), (_, bt) in zip(s.cols, base_schema.cols)])
            return f"union ({base} | where {cond})", s2, True
        if k == 17 and self.on("transform") and self.transforms:
            tr = r.choice(self.transforms)
            c = [x for x in s.of(lambda t: t.numeric()) if x[0] not in tr.writes]
            if not c:
                return None
            cn, ct = r.choice(c)
            kv = self.lit(T(tr.params[1]))
            s2 = tr.apply(s.copy(), cn, tr.params[1])
            return f"{tr.ref}({ident(cn)}, {kv})", s2, False
        if k == 18 and allow_model and self.models and self.on("predict"):
            return self.predict_op(s)
        if k == 19 and self.on("window"):
            return self.window_op(s)
        if k == 20 and self.on("join") and self.on("asof"):
            return self.asof_op(s)
        return None

    def window_op(self, s):
        """`window [by k...] order t... { c = f }`: lag/lead/row_number/rank and framed aggregates."""
        r = self.r
        keyable = s.of(lambda t: t.base in ("int", "bool", "string", "date", "category", "timestamp"))
        orderable = s.of(lambda t: t.base in ("int", "float", "bool", "string", "date", "timestamp", "category"))
        if not orderable:
            return None
        part = [n for n, _ in r.sample(keyable, r.randint(0, min(2, len(keyable))))] if keyable else []
        order = r.sample(orderable, r.randint(1, min(2, len(orderable))))
        desc = [r.random() < 0.3 for _ in order]
        timed = order[0][1].base in ("date", "timestamp") and not desc[0]
        out = s.copy()
        items = []
        ctx = {"cols": s.cols, "agg": True, "fns": True}
        for _ in range(r.randint(1, 4)):
            name = self.fresh("w")
            kind = r.randrange(5)
            if kind == 0:
                e, t = "row_number()", T("int")
            elif kind == 1:
                e, t = "rank()", T("int")
            elif kind == 2:
                cn, ct = r.choice(s.cols)
                e = f"{r.choice(['lag', 'lead'])}({ident(cn)}{r.choice(['', ', 1', ', 2', ', 3'])})"
                t = T(ct.base, True, ct.levels)
            else:
                e, t = self.aggregate(ctx, r.choice(["int", "num", "num"]), group=True)
                if timed and r.random() < 0.6:
                    e += f" over {r.randint(1, 40)}{r.choice('dhw')}"
                else:
                    e += f" over {r.randint(1, 6)} rows"
                if not re.match(r"(count|count_distinct|sum)\(", e):
                    t = T(t.base, True, t.levels)  # a frame of nulls has no value
            out.set(name, t)
            self.origins[name] = e
            items.append(f"{name} = {e}")
        by = (" by " + ", ".join(ident(n) for n in part)) if part else ""
        ordertext = ", ".join(ident(n) + (" desc" if d else r.choice(["", " asc"])) for (n, _), d in zip(order, desc))
        sep = r.choice([", ", "\n      "])
        return f"window{by} order {ordertext} {{ {sep.join(items)} }}", out, False

    def asof_op(self, s):
        """`join asof t [on k] at c = c2 [within d]`: a table whose other columns do not clash."""
        r = self.r
        temporal = lambda t: t.base in ("date", "timestamp")
        cands = []
        for name, sch in self.tables.items():
            clash = set(sch.names()) & set(s.names())
            for ln, lt in s.cols:
                if not (temporal(lt) or lt.base == "int"):
                    continue
                for rn, rt in sch.cols:
                    fits = (temporal(lt) and temporal(rt)) or (lt.base == "int" and rt.base in ("int", "float"))
                    if fits and clash <= ({rn} if rn == ln else set()):
                        cands.append((name, sch, ln, lt, rn))
        if not cands:
            return None
        name, sch, ln, lt, rn = r.choice(cands)
        self.used.add(name)
        at = ident(ln) if rn == ln else f"{ident(ln)} = {ident(rn)}"
        within = f" within {r.randint(1, 90)}{r.choice('dhw')}" if temporal(lt) and r.random() < 0.5 else ""
        out = s.copy()
        for n, t in sch.cols:
            if n != ln or rn != ln:
                out.set(n, t.nullable())
        return f"join asof {name} at {at}{within}", out, False

    def group_op(self, s):
        r = self.r
        keyable = s.of(lambda t: t.base in ("int", "bool", "string", "date", "category", "timestamp"))
        keys = []
        if keyable and (r.random() < 0.8 or "keyless_group" in self.avoid):
            keys = [n for n, _ in r.sample(keyable, r.randint(1, min(2, len(keyable))))]
        elif "keyless_group" in self.avoid:
            return None
        out = Schema([(n, s.get(n)) for n in keys])
        items = []
        ctx = {"cols": s.cols, "agg": True, "fns": True}
        for _ in range(r.randint(1, 4)):
            e, t = self.aggregate(ctx, r.choice(["int", "num", "num"]), group=True)
            name = self.fresh("g")
            if not keys and not re.match(r"(count|count_distinct|sum)\(", e):
                t = T(t.base, True, t.levels)  # the one row of an empty table has no value
            out.set(name, t)
            self.origins[name] = e
            items.append(f"{name} = {e}")
        sep = r.choice([", ", "\n      "])
        keytext = ", ".join(ident(k) for k in keys)
        return f"group {keytext}{' ' if keys else ''}{{ {sep.join(items)} }}", out, False

    def join_op(self, s):
        r = self.r
        # Join a source (or a let) whose columns do not clash, on ids.
        cands = []
        for name, sch in self.tables.items():
            clash = set(sch.names()) & set(s.names())
            for ln, lt in s.cols:
                if lt.base != "int":
                    continue
                for rn, rt in sch.cols:
                    if rt.base != "int":
                        continue
                    if ln == rn and clash == {ln}:
                        cands.append((name, sch, ln, rn))
                    elif ln != rn and not clash and (ln.startswith("ref_") or rn.startswith("id_") or r.random() < 0.1):
                        cands.append((name, sch, ln, rn))
        if not cands:
            return None
        name, sch, ln, rn = r.choice(cands)
        kind = r.choice(["", "inner ", "left "])
        self.used.add(name)
        out = s.copy()
        for n, t in sch.cols:
            if n == ln and ln == rn:
                continue
            out.set(n, t.nullable(kind == "left "))
        key = ident(ln) if ln == rn else f"{ident(ln)} = {ident(rn)}"
        return f"join {kind}{name} on {key}", out, False

    def predict_op(self, s):
        r = self.r
        fits = []
        for m in self.models:
            if all(s.get(n) is not None and s.get(n).same(t) for n, t in m["features"]):
                fits.append(m)
        if not fits:
            return None
        m = r.choice(fits)
        col = self.fresh("p")
        s.set(col, m["predicted"])
        return f"predict {m['name']} as {col}", s, False

    # ---- lets, models, expectations, sinks ----
    def gen_lets(self):
        r = self.r
        for _ in range(r.randint(2, 6)):
            base = r.choice(list(self.tables))
            self.used.add(base)
            text, s = self.pipeline(base, self.tables[base], r.randint(1, 5))
            name = self.fresh("t")
            self.add("let", name, f"let {name} = {text}")
            self.tables[name] = s
        if self.on("transform", 0.5) and self.transforms:
            # A transform called in table position, not piped.
            base = r.choice(list(self.tables))
            s = self.tables[base]
            tr = r.choice(self.transforms)
            c = [x for x in s.of(lambda t: t.numeric()) if x[0] not in tr.writes]
            if c:
                cn, _ = r.choice(c)
                s2 = tr.apply(s.copy(), cn, tr.params[1])
                name = self.fresh("t")
                self.used.add(base)
                self.add("let", name, f"let {name} = {tr.ref}({base}, {ident(cn)}, {self.lit(T(tr.params[1]))})")
                self.tables[name] = s2

    def gen_models(self):
        r = self.r
        if "models" in self.avoid:
            return
        for _ in range(r.randint(0, 2)):
            # Train on a split of a source (or a let), with numeric, bool, date and category features.
            base = r.choice(list(self.tables))
            s = self.tables[base]
            algos = [a for a in ("xgboost", "linear", "logistic") if a not in self.avoid]
            if not algos:
                return
            algo = r.choice(algos)
            if algo == "linear":
                targets = s.of(lambda t: t.numeric())
                task = "regression"
            elif algo == "logistic":
                targets = s.of(lambda t: t.base == "bool" or t.base == "category")
                task = None
            else:
                targets = s.of(lambda t: t.numeric() or t.base == "bool" or t.base == "category")
                task = None
            # Targets from source columns: a derived one may hold no value at all.
            targets = [(n, t) for n, t in targets if not n.startswith("id_") and n not in self.sensitive and not re.match(r"^(d|g|tx|p|rn)\d+$", n)]
            if not targets:
                continue
            tn, tt = r.choice(targets)
            if task is None:
                if tt.numeric():
                    task = "regression"
                elif tt.base == "category" and len(tt.levels) > 2:
                    task = "multiclass"
                else:
                    task = "binary"
            feats = [(n, t) for n, t in s.cols if n != tn and not n.startswith("id_") and n not in self.sensitive
                     and t.base in ("int", "float", "bool", "category", "date")]
            if not feats:
                continue
            feats = r.sample(feats, r.randint(1, min(4, len(feats))))
            self.used.add(base)
            if "split" not in self.avoid and r.random() < 0.8:
                train, test = self.fresh("train"), self.fresh("test")
                strat = ""
                if task == "binary" and r.random() < 0.5:
                    strat = f", stratify = {ident(tn)}"
                if r.random() < 0.3:
                    extra = self.fresh("rest")
                    self.add("let", train, f"let {train}, {test}, {extra} = split({base}, 0.6, 0.2, seed = {r.randint(0, 99)}{strat})")
                    self.tables[extra] = s
                else:
                    self.add("let", train, f"let {train}, {test} = split({base}, {r.choice(['0.5', '0.7', '0.8'])}, seed = {r.randint(0, 99)}{strat})")
                self.tables[train] = s
                self.tables[test] = s
                self.used.add(train)
            else:
                train = test = base
            name = self.fresh("m")
            lines = [f"model {name} = {algo}({train}) {{", f"  target = {ident(tn)}",
                     f"  features = [{', '.join(ident(n) for n, _ in feats)}]"]
            if algo == "xgboost":
                lines.append(f"  params {{ max_depth = {r.randint(1, 4)}, eta = {r.choice(['0.1', '0.3', '1.0'])}, rounds = {r.randint(1, 15)} }}")
                lines.append(f"  seed = {r.randint(0, 9)}")
            elif algo == "logistic":
                lines.append(f"  params {{ max_iter = {r.randint(1, 50)}, l2 = {r.choice(['0.01', '1.0'])} }}")
            else:
                lines.append(f"  params {{ l2 = {r.choice(['0.0', '0.5'])}, fit_intercept = {r.choice(['true', 'false'])} }}")
            if r.random() < 0.3:
                lines.append(f"  task = {task}")
            if self.sensitive:
                # A feature derived from a @sensitive column is tainted by it (governance).
                lines.append('  allow { sensitive = "a generated program" }')
            lines.append("}")
            self.add("model", name, "\n".join(lines))
            # What `predict` adds: the most probable class for multiclass, typed as the target
            # (never null), else a float.
            predicted = T("category", False, tt.levels) if task == "multiclass" else T("float")
            self.models.append({"name": name, "task": task, "features": feats, "target": tn, "predicted": predicted})
            if self.on("evaluate", 0.8):
                mname = self.fresh("ev")
                if task == "regression":
                    ms = r.sample(["rmse", "mae", "r2"], r.randint(1, 3))
                elif task == "multiclass":
                    ms = r.sample(["accuracy", "precision", "recall", "f1", "auc", "logloss"], r.randint(1, 4))
                else:
                    ms = r.sample(["accuracy", "precision", "recall", "f1", "auc", "logloss"], r.randint(1, 4))
                self.add("metrics", mname, f"metrics {mname} = evaluate({name}, {test}) {{ {', '.join(ms)} }}")
                self.used.add(test)
            groups = [n for n, t in s.cols if n in self.sensitive and n != tn]
            if task == "binary" and groups and self.on("fairness", 0.8):
                fname = self.fresh("fair")
                ms = r.sample(["demographic_parity", "equal_opportunity", "disparate_impact"], r.randint(1, 3))
                self.add("metrics", fname, f"metrics {fname} = fairness({name}, {test}, by = {ident(r.choice(groups))}) {{ {', '.join(ms)} }}")
                self.used.add(test)
            if self.on("predict", 0.8):
                p = self.fresh("scored")
                col = self.fresh("p")
                s2 = s.copy()
                s2.set(col, predicted)
                self.add("let", p, f"let {p} = {test}\n  | predict {name} as {col}")
                self.tables[p] = s2
                self.used.add(test)

    def gen_expects(self):
        r = self.r
        if "expect" in self.avoid:
            return
        for _ in range(r.randint(0, 3)):
            tname = r.choice(list(self.tables))
            s = self.tables[tname]
            ctx = {"cols": s.cols, "agg": False, "fns": True}
            rules = []
            for _ in range(r.randint(1, 4)):
                k = r.randrange(9)
                sev = ""
                risky = False
                if k == 0:
                    n, _ = r.choice(s.cols)
                    rule = f"quality.not_null({ident(n)})"
                    risky = s.get(n).null
                elif k == 1:
                    n, _ = r.choice(s.cols)
                    rule = f"quality.unique({ident(n)})"
                    risky = not n.startswith("id_")
                elif k == 2:
                    c = s.of(lambda t: t.numeric())
                    if not c:
                        continue
                    n, _ = r.choice(c)
                    rule = f"quality.between({ident(n)}, -1000, 2000)"
                elif k == 3:
                    rule = r.choice(["quality.not_empty()", f"quality.min_rows({r.randint(0, 5)})",
                                     f"quality.max_null_fraction({ident(r.choice(s.names()))}, 0.5)"])
                    risky = True
                elif k == 4:
                    c = s.of(lambda t: t.base == "category")
                    if not c:
                        continue
                    n, t = r.choice(c)
                    rule = f"quality.in_set({ident(n)}, [{', '.join(json.dumps(l) for l in t.levels)}])"
                elif k == 5 and "rule" not in self.avoid and self.rules:
                    rn, (cp, vp) = r.choice(self.rules)
                    if cp == "num":
                        c = s.of(lambda t: t.numeric())
                        if not c:
                            continue
                        rule = f"{rn}({ident(r.choice(c)[0])}, {self.lit(T('float'))})"
                    elif cp == "any":
                        rule = f"{rn}({ident(r.choice(s.names()))})"
                    else:
                        rule = f"{rn}({r.randint(0, 10)})"
                    risky = True
                elif k == 6:
                    c, _ = self.expr(ctx, "bool", 2)
                    rule = f"{r.choice(['all', 'any'])}({c})"
                    risky = True
                elif k == 7:
                    c, _ = self.expr(ctx, "bool", 2)
                    rule = f"fraction({c}) >= {r.choice(['0.0', '0.1', '0.5'])}"
                    risky = True
                else:
                    rule = f"count() >= {r.randint(0, 20)}"
                    risky = True
                if risky and ("error_expect" in self.avoid or r.random() < 0.9):
                    sev = " severity warn"
                elif r.random() < 0.3:
                    sev = " severity " + r.choice(["warn", "error"])
                rules.append(rule + sev)
            if not rules:
                continue
            name = self.fresh("ex")
            self.used.add(tname)
            self.add("expect", name, f"expect {name} on {tname} {{\n  " + "\n  ".join(rules) + "\n}")

    def gen_sinks(self):
        r = self.r
        lets = [n for n in self.tables if not n.startswith("src_")]
        todo = [n for n in lets if n not in self.used]
        extra = r.sample(list(self.tables), min(len(self.tables), r.randint(0, 2)))
        for i, tname in enumerate(todo + extra):
            s = self.tables[tname]
            text = tname
            if r.random() < 0.3:
                text, s = self.pipeline(tname, s, r.randint(1, 2), allow_model=True)
            fmt = "jsonl" if self.on("jsonl", 0.3) else "csv"
            name = self.fresh("out")
            self.p.sink_schemas[f"out/{name}.{fmt}"] = [(n, t.base, t.null, self.origins.get(n, "")) for n, t in s.cols]
            self.add("sink", name, f"sink {name} = {text} to {fmt}(\"out/{name}.{fmt}\")")

    def run(self):
        r = self.r
        self.add("pipeline", "fuzz", f"pipeline fuzz_{r.randint(0, 9999)}")
        if "expect" not in self.avoid:
            self.add("import", "quality", "import std.quality")
            self.import_at = len(self.p.decls) - 1
        self.gen_sources()
        if "fn" not in self.avoid:
            self.gen_fns()
        if "transform" not in self.avoid:
            self.gen_transforms()
            if self.on("local_import", 0.3):
                self.move_transforms_to_module()
        if "rule" not in self.avoid and "expect" not in self.avoid:
            self.gen_rules()
        self.gen_lets()
        self.gen_models()
        self.gen_expects()
        self.gen_sinks()
        # An unused import is a warning: drop those nothing uses (the later one first).
        unused = []
        if hasattr(self, "import_at") and not any("quality." in d[2] for d in self.p.decls):
            unused.append(self.import_at)
        if hasattr(self, "lib_import_at") and not any("lib." in d[2] for d in self.p.decls if d[0] != "import"):
            unused.append(self.lib_import_at)
        for at in sorted(unused, reverse=True):
            del self.p.decls[at]
        return self.p


def generate(seed, avoid=()):
    return Gen(seed, avoid).run()


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    avoid = []
    if len(argv) > 4 and argv[3] == "--avoid":
        avoid = [a for a in argv[4].split(",") if a]
    p = generate(int(argv[1]), avoid)
    p.write(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
