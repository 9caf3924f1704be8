"""Writes the XLSX reader's fixtures with openpyxl (3.1.5) and zipfile.

Run from anywhere: .build-venv/bin/python Fixtures/xlsx/make_fixtures.py
"""
import datetime
import os
import zipfile

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))


def contacts():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Contacts"
    ws.append(["name", "email", "phone", "score", "active", "joined", "last_seen", "wake_up", "notes"])
    rows = [
        ["Ada Lovelace", "ada@example.com", 447911123456, 2.5, True,
         datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 13, 45, 7), datetime.time(6, 30), "first"],
        ["Zoë Ñúñez", "zoe@example.org", 14155550123, 0.1, False,
         datetime.date(1900, 1, 1), datetime.datetime(1999, 12, 31, 23, 59, 59), datetime.time(23, 0), "line\nbreak"],
        ["Big Numbers", None, 12345678901234567, 1.5e20, None,
         datetime.date(9999, 12, 31), None, None, "  spaces kept  "],
        ["Small", "s@example.com", -42, 0.00001, True, None, None, None, "<tag> & \"quotes\""],
        [None, None, None, None, None, None, None, None, None],
        ["After Gap", None, None, 3.14159265358979, None, None, datetime.datetime(2020, 2, 29, 0, 0), None, None],
        ["Sparse", None, None, None, None, None, None, None, "only last"],
    ]
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        row[5].number_format = "yyyy-mm-dd"
        row[6].number_format = "yyyy-mm-dd hh:mm:ss"
        row[7].number_format = "hh:mm"
    ws.append([])
    ws["A12"] = "Far Row"
    ws["C12"] = "+44 20 7946 0958"
    ws["E12"] = 1e-7
    extra = wb.create_sheet("Second Sheet")
    extra.append(["id", "label", "amount"])
    for i in range(1, 21):
        extra.append([i, f"label {i}", i * 1.25])
    wb.create_sheet("Empty")
    wb.save(os.path.join(HERE, "contacts.xlsx"))


RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="Inline &amp; Rich" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"""


def write_zip(name, parts, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(HERE, name), "w", compression) as z:
        for path, data in parts:
            z.writestr(path, data)


def inline():
    # Prefixed names, inline strings with rich runs, CDATA, character references, a formula string,
    # an error, a boolean, self-closing cells, cells and rows without `r`, CRLF in text.
    sheet = """<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:D5"/><x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>name</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>phone</x:t></x:is></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>flag</x:t></x:is></x:c><x:c r="D1" t="inlineStr"><x:is><x:t>formula</x:t></x:is></x:c></x:row>
<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:r><x:rPr><x:b/></x:rPr><x:t>Rich</x:t></x:r><x:r><x:t xml:space="preserve"> Text</x:t></x:r></x:is></x:c><x:c r="B2"><x:v>447911123456</x:v></x:c><x:c r="C2" t="b"><x:v>1</x:v></x:c><x:c r="D2" t="str"><x:f>A2&amp;"!"</x:f><x:v>Rich Text!</x:v></x:c></x:row>
<x:row r="4" spans="1:4"><x:c r="A4" t="inlineStr"><x:is><x:t><![CDATA[a <b> & c]]></x:t></x:is></x:c><x:c r="B4" s="0"/><x:c r="C4" t="b"><x:v>0</x:v></x:c><x:c r="D4" t="e"><x:v>#N/A</x:v></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t>caf&#233; &#x1F600;\r\nnext</x:t></x:is></x:c><x:c><x:v>4.47911123456E+11</x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""
    write_zip("inline.xlsx", [
        ("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS), ("xl/worksheets/sheet1.xml", sheet)])


def shared():
    # Shared strings (plain, rich runs, phonetic runs left out, an _xHHHH_ escape), the 1904 date system,
    # built-in date formats 14 and 22, two sheets found through relative relationship targets.
    workbook = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="People" sheetId="1" r:id="rId1"/><sheet name="Other" sheetId="2" r:id="rId2"/></sheets></workbook>"""
    rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
    strings = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7"><si><t>name</t></si><si><t>born</t></si><si><t>updated</t></si><si><r><rPr><b/></rPr><t>Grace</t></r><r><t xml:space="preserve"> Hopper</t></r></si><si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si><si><t>tab&#9;and &amp; more</t></si><si><t/></si></sst>"""
    styles = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellStyleXfs count="1"><xf numFmtId="22"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>"""
    sheet1 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>366</v></c><c r="C2" s="2"><v>43890.5</v></c></row><row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" s="1"><v>1</v></c></row><row r="4"><c r="A4" t="s"><v>5</v></c><c r="C4" t="s"><v>6</v></c><c r="D4" t="s"><v>3</v></c></row></sheetData></worksheet>"""
    sheet2 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="3"><c r="B3" t="s"><v>0</v></c></row><row r="4"><c r="B4" t="s"><v>4</v></c></row></sheetData></worksheet>"""
    content_types = CONTENT_TYPES.replace("</Types>", '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
    write_zip("shared-strings.xlsx", [
        ("[Content_Types].xml", content_types), ("_rels/.rels", RELS), ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels), ("xl/sharedStrings.xml", strings), ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", sheet1), ("xl/worksheets/sheet2.xml", sheet2)])


def hostile():
    # A zip bomb: a well-formed package whose sheet is 8 MiB of whitespace (about 1000:1).
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + " " * (8 << 20) + "</sheetData></worksheet>")
    write_zip("zip-bomb.xlsx", [
        ("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS), ("xl/worksheets/sheet1.xml", sheet)])
    # A ZIP archive that is not a workbook.
    write_zip("not-a-workbook.xlsx", [("readme.txt", "This archive holds no workbook.\n")])
    # Not a ZIP archive at all.
    with open(os.path.join(HERE, "not-a-zip.xlsx"), "w") as f:
        f.write("name,email\nAda,ada@example.com\n")


contacts()
inline()
shared()
hostile()
