#!/usr/bin/env python3
"""Polars converting a CSV, no validation: the benchmark's Polars peer.

    polars_peer.py stream-jsonl|eager-jsonl|eager-json|stream-csv INPUT OUTPUT

`stream-*` uses the streaming engine (`scan_csv().sink_ndjson()` / `.sink_csv()`); `eager-*` reads the
whole file into a DataFrame first (`read_csv().write_ndjson()` / `.write_json()`). Column types are
Polars' own inference, as a user would get.
"""
import sys

import polars as pl

mode, source, destination = sys.argv[1:4]
if mode == "stream-jsonl":
    pl.scan_csv(source).sink_ndjson(destination)
elif mode == "stream-csv":
    pl.scan_csv(source).sink_csv(destination)
elif mode == "eager-jsonl":
    pl.read_csv(source).write_ndjson(destination)
elif mode == "eager-json":
    pl.read_csv(source).write_json(destination)
else:
    sys.exit(f"polars_peer.py: unknown mode {mode}")
