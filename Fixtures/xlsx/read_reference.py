"""The reference reading for RosterXLSXInput's cross-check: openpyxl's values rendered as Roster's rules say.

Usage: python read_reference.py WORKBOOK [SHEET]
Prints JSON: {"sheets": [names], "rows": [{"line": n, "cells": [...]}, ...]} (the header row first).
Rules: empty rows skipped, trailing empty cells dropped, gaps filled with ""; int as is; float with its
shortest round-trip digits, never an exponent; bool TRUE/FALSE; dates YYYY-MM-DD when the format has no
time part and the time is midnight, else YYYY-MM-DDTHH:MM:SS[.fff]; times HH:MM:SS[.fff].
"""
import datetime
import decimal
import json
import re
import sys

import openpyxl


def positional(value):
    if value == 0:
        return "0"
    if value == int(value) and abs(value) < 9.0e15:
        return str(int(value))
    text = format(decimal.Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def clock(t):
    text = t.strftime("%H:%M:%S")
    if t.microsecond:
        text += ".%03d" % round(t.microsecond / 1000)
    return text


def has_time(number_format):
    fmt = re.sub(r'"[^"]*"|\\.', "", number_format.split(";")[0]).lower()
    return "h" in fmt or "s" in fmt


def render(cell):
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return positional(v)
    if isinstance(v, datetime.datetime):
        if not has_time(cell.number_format) and v.time() == datetime.time(0):
            return v.date().isoformat()
        return v.date().isoformat() + "T" + clock(v.time())
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return clock(v)
    return str(v).replace("\r\n", "\n")


def main():
    wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
    ws = wb[sys.argv[2]] if len(sys.argv) > 2 else wb.worksheets[0]
    rows = []
    for row in ws.iter_rows():
        cells = [render(c) for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            rows.append({"line": row[0].row, "cells": cells})
    print(json.dumps({"sheets": wb.sheetnames, "rows": rows}, ensure_ascii=False))


main()
