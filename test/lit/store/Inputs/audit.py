"""The audit log from outside weir: recompute its chain as docs/STORE.md describes it, and tamper
with it as someone with write access to .weir/weir.db could (the append-only triggers dropped).

  audit.py check DB              recomputes every hash and link: "chain ok N" or what is wrong
  audit.py append-only DB        tries an UPDATE and a DELETE with the triggers in place
  audit.py edit-payload DB SEQ   changes an entry's payload (its hash left as it was)
  audit.py edit-hash DB SEQ      changes an entry's hash
  audit.py rehash DB SEQ         changes an entry's payload and recomputes its hash
  audit.py relink DB SEQ         changes an entry's link (prev_hash) and recomputes its hash
  audit.py delete DB SEQ         removes an entry
  audit.py truncate DB           removes the last entry and sets the head to the one before
  audit.py rewrite-tail DB SEQ FIELD
                                 changes an entry's FIELD (payload: the outcome; who) and
                                 recomputes it, every later entry and the head
"""
import hashlib
import sqlite3
import sys

GENESIS = "0" * 64
FIELDS = "seq, time, kind, who, host, payload, prev_hash, hash"


def entry_hash(seq, time, kind, who, host, payload, prev_hash):
    framed = b"weir-audit-1\n"
    for field in (str(seq), time, kind, who, host, payload, prev_hash):
        data = field.encode("utf-8")
        framed += str(len(data)).encode() + b":" + data + b"\n"
    return hashlib.sha256(framed).hexdigest()


def rows(db):
    return db.execute(f"SELECT {FIELDS} FROM audit_log ORDER BY seq").fetchall()


def unlock(db):
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def main():
    action, path = sys.argv[1], sys.argv[2]
    seq = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    field = sys.argv[4] if len(sys.argv) > 4 else "payload"
    db = sqlite3.connect(path)
    if action == "check":
        previous = GENESIS
        for i, (s, time, kind, who, host, payload, prev_hash, h) in enumerate(rows(db), start=1):
            if s != i or prev_hash != previous or entry_hash(s, time, kind, who, host, payload, prev_hash) != h or not who:
                print("chain broken at", i)
                return
            previous = h
        head = db.execute("SELECT seq, hash FROM audit_head").fetchone()
        print("chain ok", len(rows(db)), "head", "ok" if head == (len(rows(db)), previous) else head)
        return
    if action == "append-only":
        for sql in ("UPDATE audit_log SET payload = '{}' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"):
            try:
                db.execute(sql)
                print("allowed")
            except sqlite3.DatabaseError as error:
                print("refused:", error)
        return
    unlock(db)
    if action == "edit-payload":
        db.execute("UPDATE audit_log SET payload = replace(payload, '\"ok\"', '\"failed\"') WHERE seq = ?", (seq,))
    elif action == "edit-hash":
        db.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", ("f" * 64, seq))
    elif action == "delete":
        db.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    elif action == "relink":
        s, time, kind, who, host, payload, prev_hash, h = [r for r in rows(db) if r[0] == seq][0]
        prev_hash = "f" * 64
        h = entry_hash(s, time, kind, who, host, payload, prev_hash)
        db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, h, s))
    elif action == "truncate":
        last = db.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        db.execute("DELETE FROM audit_log WHERE seq = ?", (last,))
        db.execute("UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = ?)", (last - 1,))
    elif action in ("rehash", "rewrite-tail"):
        previous = None
        for s, time, kind, who, host, payload, prev_hash, h in rows(db):
            if s < seq:
                continue
            if s > seq and action == "rehash":
                break
            if s == seq and field == "payload":
                payload = payload.replace('"ok"', '"failed"')
            if s == seq and field == "who":
                who = "mallory"
            if s > seq:
                prev_hash = previous
            h = entry_hash(s, time, kind, who, host, payload, prev_hash)
            db.execute("UPDATE audit_log SET who = ?, payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", (who, payload, prev_hash, h, s))
            previous = h
        if action == "rewrite-tail":
            db.execute("UPDATE audit_head SET hash = ?", (previous,))
    else:
        sys.exit("unknown action " + action)
    db.commit()


main()
