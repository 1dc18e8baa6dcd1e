"""Prints the registry's tables and the audit log of a lineage database, to compare before and after."""
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
for table in ("registry_versions", "registry_stage_changes", "audit_log"):
    for row in db.execute(f"select * from {table} order by rowid"):
        print(table, row)
