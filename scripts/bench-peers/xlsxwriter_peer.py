#!/usr/bin/env python3
"""Python xlsxwriter writing a CSV as a workbook in constant-memory mode: the benchmark's XLSX peer.

    xlsxwriter_peer.py INPUT OUTPUT

Every cell is written as text (`write_string`, as Roster writes them), rows in order, one sheet.
"""
import csv
import sys

import xlsxwriter

source, destination = sys.argv[1:3]
workbook = xlsxwriter.Workbook(destination, {"constant_memory": True})
sheet = workbook.add_worksheet("Contacts")
with open(source, newline="", encoding="utf-8") as input_file:
    for row_number, row in enumerate(csv.reader(input_file)):
        for column, value in enumerate(row):
            sheet.write_string(row_number, column, value)
workbook.close()
