#!/usr/bin/env python3
"""DuckDB converting a CSV, no validation: the benchmark's DuckDB peer.

    duckdb_peer.py jsonl|json|csv INPUT OUTPUT

One `COPY (SELECT * FROM read_csv(INPUT)) TO OUTPUT` statement on an in-memory database, with DuckDB's
own CSV sniffing and all cores.
"""
import sys

import duckdb

FORMATS = {"jsonl": "FORMAT JSON", "json": "FORMAT JSON, ARRAY true", "csv": "FORMAT CSV, HEADER true"}
mode, source, destination = sys.argv[1:4]
connection = duckdb.connect()
connection.execute(f"COPY (SELECT * FROM read_csv(?)) TO '{destination}' ({FORMATS[mode]})", [source])
