"""Writes a lineage database of schema version 1 (as weir 0.1 before column lineage), with one run."""
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE runs (id INTEGER PRIMARY KEY, program TEXT NOT NULL, program_hash TEXT NOT NULL, started TEXT NOT NULL,
  ended TEXT, outcome TEXT, user TEXT, host TEXT);
CREATE TABLE node_runs (run_id INTEGER NOT NULL REFERENCES runs(id), declaration TEXT NOT NULL, kind TEXT NOT NULL,
  status TEXT NOT NULL, cache_key TEXT, fingerprint TEXT, rows_in INTEGER, rows_out INTEGER, seconds REAL, message TEXT,
  file TEXT, file_hash TEXT);
CREATE INDEX node_runs_by_declaration ON node_runs(declaration, kind);
CREATE TABLE expectation_results (run_id INTEGER NOT NULL REFERENCES runs(id), expectation TEXT NOT NULL, rule TEXT NOT NULL,
  severity TEXT NOT NULL, passed INTEGER NOT NULL, violations INTEGER);
INSERT INTO runs (program, program_hash, started, outcome) VALUES ('/old/program.mlflow', 'abc', '2026-01-01T00:00:00Z', 'ok');
PRAGMA user_version = 1;
""")
db.commit()
