"""Generates rows for program.mlflow (`gen DIR SEED`) and checks what Weir wrote against the same
functions computed in Python (`check DIR`): concat, substring (SQL's, 1-based, in code points),
replace, trim, date_trunc, category and mean of a bool."""
import datetime as dt
import json
import random
import sys

PIECES = ["a", "ab", "b", " ", "\t", "é", "日本", "x", "--", "Ab"]
UNITS = ["year", "quarter", "month", "week", "day"]


def gen(folder, seed):
    rng = random.Random(seed)
    with open(f"{folder}/r.jsonl", "w", encoding="utf-8") as out:
        for i in range(400):
            s = None if rng.random() < 0.1 else "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))
            day = dt.date(1890, 1, 1) + dt.timedelta(days=rng.randint(0, 80000))
            micros = rng.randint(-3_000_000_000_000_000, 3_000_000_000_000_000)
            t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)
            row = {"id": i, "s": s, "a": rng.choice(["", "a", "ab", "é", " ", "b"]), "b": rng.choice(["", "Z", "日"]),
                   "start": rng.randint(-3, 12), "len": rng.randint(-2, 10), "d": day.isoformat(),
                   "t": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "flag": rng.choice([True, False, None])}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def substring(s, start, length):
    begin = max(start, 1)
    end = start + length if length > 0 else start
    return s[begin - 1:end - 1] if end > begin else ""


def replace(s, old, new):
    return s if old == "" else s.replace(old, new)


def trunc(value, unit):
    day = value.date() if isinstance(value, dt.datetime) else value
    if unit == "year":
        day = day.replace(month=1, day=1)
    elif unit == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif unit == "month":
        day = day.replace(day=1)
    elif unit == "week":
        day = day - dt.timedelta(days=day.weekday())
    if not isinstance(value, dt.datetime):
        return day.isoformat()
    if unit == "hour":
        return value.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if unit == "minute":
        return value.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return day.isoformat() + "T00:00:00Z"


def check(folder):
    rows = [json.loads(line) for line in open(f"{folder}/r.jsonl", encoding="utf-8")]
    got = [json.loads(line) for line in open(f"{folder}/o.jsonl", encoding="utf-8")]
    assert len(rows) == len(got), (len(rows), len(got))
    problems = 0
    for row, out in zip(rows, got):
        s = row["s"]
        d = dt.date.fromisoformat(row["d"])
        t = dt.datetime.strptime(row["t"], "%Y-%m-%dT%H:%M:%S.%fZ")
        want = {
            "id": row["id"],
            "c": None if s is None else f"{s}|{row['a']}{row['id']}",
            "sub": None if s is None else substring(s, row["start"], row["len"]),
            "rep": None if s is None else replace(s, row["a"], row["b"]),
            "tr": None if s is None else s.strip(" \t\n\r\v\f"),
            "y": trunc(d, "year"), "q": trunc(d, "quarter"), "mo": trunc(d, "month"), "w": trunc(d, "week"),
            "dd": trunc(d, "day"),
            "ty": trunc(t, "year"), "tq": trunc(t, "quarter"), "tmo": trunc(t, "month"), "tw": trunc(t, "week"),
            "td": trunc(t, "day"), "th": trunc(t, "hour"), "tmi": trunc(t, "minute"),
            "band": row["a"] if row["a"] in ["a", "ab", "é"] else None,
        }
        if want != out:
            problems += 1
            if problems <= 5:
                for key in want:
                    if want[key] != out.get(key):
                        print(f"row {row['id']}: {key}: weir {out.get(key)!r}, python {want[key]!r}")
    flags = [r["flag"] for r in rows if r["flag"] is not None]
    m = json.loads(open(f"{folder}/m.jsonl").read())
    if m["n"] != len(flags) or abs(m["frac"] - sum(flags) / len(flags)) > 1e-12:
        problems += 1
        print(f"mean(flag): weir {m['frac']}, python {sum(flags) / len(flags)}")
    print("equal" if problems == 0 else f"{problems} rows differ")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2])
