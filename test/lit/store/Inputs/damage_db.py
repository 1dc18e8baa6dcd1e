"""Damages one table of a SQLite database: its root page is overwritten with 0xff bytes (the
schema stays readable, reading the table fails with "database disk image is malformed").

    damage_db.py DATABASE TABLE"""
import sqlite3
import sys

path, table = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path)
db.execute("pragma wal_checkpoint(truncate)")  # every page in the main file
root = db.execute("select rootpage from sqlite_master where type = 'table' and name = ?", (table,)).fetchone()[0]
page = db.execute("pragma page_size").fetchone()[0]
db.close()
with open(path, "r+b") as f:
    f.seek((root - 1) * page)
    f.write(b"\xff" * page)
