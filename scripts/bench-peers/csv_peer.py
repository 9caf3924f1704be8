#!/usr/bin/env python3
"""Python's csv module converting a CSV, no validation: the benchmark's plain-Python peer.

    csv_peer.py jsonl|json|csv INPUT OUTPUT

Each row becomes a JSON object keyed by the header (`json.dumps`, one a line or in one array), or is
written again with `csv.writer`.
"""
import csv
import json
import sys

mode, source, destination = sys.argv[1:4]
with open(source, newline="", encoding="utf-8") as input_file, \
        open(destination, "w", newline="", encoding="utf-8") as output:
    if mode == "csv":
        writer = csv.writer(output)
        writer.writerows(csv.reader(input_file))
    else:
        rows = csv.DictReader(input_file)
        if mode == "json":
            output.write("[\n")
            separator = ""
            for row in rows:
                output.write(separator + json.dumps(row, ensure_ascii=False))
                separator = ",\n"
            output.write("\n]\n")
        else:
            for row in rows:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
