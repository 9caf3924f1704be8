#!/usr/bin/env python3
"""What Roster does, written plainly in Python: the benchmark's validating peer.

    validating.py jsonl|json|none INPUT OUTPUT REPORT

Reads a contacts CSV twice with the csv module. The first pass validates every row and records group
rows and memberships (forward references); the second validates again and writes each accepted
contact (JSON Lines or a JSON array; `none` writes nothing, as `roster validate`) with its id, email
in email-validator's normalized form, phone in E.164 (phonenumbers), group ids, dot-notation metadata
and, on group rows, their members. Rejected rows and dropped memberships go to REPORT as JSON Lines.
A faithful small reimplementation of the same work, not a copy of every rule: header aliases, quoted
group names, addresses and the other output formats are left out (the benchmark file has none).
"""
import csv
import json
import sys
import unicodedata
import uuid

import phonenumbers
from email_validator import EmailNotValidError, validate_email

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "roster.contacts")
FIELDS = {"name": "name", "fullname": "name", "email": "email", "emailaddress": "email", "phone": "phone",
          "phonenumber": "phone", "mobile": "phone", "type": "type", "groups": "groups", "group": "groups"}


def normalized_header(header):
    return header.lower().replace(" ", "").replace("_", "").replace("-", "")


def group_key(name):
    return unicodedata.normalize("NFC", " ".join(name.split()).upper().lower())


def group_id(name):
    return str(uuid.uuid5(NAMESPACE, "group:" + group_key(name)))


class Columns:
    """Where each field is in the header, and the metadata path of every other column."""

    def __init__(self, header):
        self.field = {}
        self.metadata = []
        for position, text in enumerate(header):
            field = FIELDS.get(normalized_header(text))
            if field is not None:
                self.field[field] = position
            else:
                path = text[len("metadata."):] if text.startswith("metadata.") else text
                self.metadata.append((position, path.split(".")))


def contact_from(row, columns):
    """The contact of one row, or the list of (header, message) problems that reject it."""
    def cell(field):
        position = columns.field.get(field)
        return row[position].strip() if position is not None and position < len(row) else ""

    problems = []
    contact = {"type": "group" if cell("type").lower() == "group" else "person", "name": cell("name")}
    if not contact["name"]:
        problems.append(("Name", "the name is blank"))
    email = cell("email")
    if email:
        try:
            contact["email"] = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as error:
            problems.append(("Email", str(error)))
    phone = cell("phone")
    if phone:
        try:
            number = phonenumbers.parse(phone, None)
            if phonenumbers.is_valid_number(number):
                contact["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                if number.extension:
                    contact["phone_extension"] = number.extension
            else:
                problems.append(("Phone", "is not a valid number"))
        except phonenumbers.NumberParseException as error:
            problems.append(("Phone", str(error)))
    metadata = {}
    for position, path in columns.metadata:
        value = row[position] if position < len(row) else ""
        if value:
            node = metadata
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
    if metadata:
        contact["metadata"] = metadata
    if contact["type"] == "group":
        contact["id"] = group_id(contact["name"])
    else:
        key = "person:" + contact["name"] + "\x1f" + contact.get("email", "") + "\x1f" + contact.get("phone", "")
        contact["id"] = str(uuid.uuid5(NAMESPACE, key))
    names = {}  # a group named twice in one cell is one membership
    for name in cell("groups").split(";"):
        if name.strip():
            names.setdefault(group_key(name), name.strip())
    return contact, list(names.values()), problems


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        columns = Columns(next(reader))
        for index, row in enumerate(reader):
            yield index, reader.line_num, row, columns


def main():
    mode, input_path, output_path, report_path = sys.argv[1:5]
    # First pass: group rows and memberships, in input order.
    groups = {}
    members = {}
    for _, _, row, columns in rows_of(input_path):
        contact, names, problems = contact_from(row, columns)
        if problems:
            continue
        if contact["type"] == "group":
            groups.setdefault(group_key(contact["name"]), contact["id"])
        for name in names:
            members.setdefault(group_key(name), []).append(contact["id"])
    # Second pass: every row again, written with its group ids and, for a group, its members.
    output = open(output_path, "w", encoding="utf-8") if mode != "none" else None
    report = open(report_path, "w", encoding="utf-8")
    if mode == "json":
        output.write("[\n")
    first = True
    for index, line, row, columns in rows_of(input_path):
        contact, names, problems = contact_from(row, columns)
        if problems:
            report.write(json.dumps({"kind": "issue", "index": index, "line": line,
                                     "errors": [header for header, _ in problems],
                                     "details": [{"header": h, "message": m} for h, m in problems]},
                                    ensure_ascii=False) + "\n")
            continue
        ids = []
        for name in names:
            known = groups.get(group_key(name))
            if known is None:
                report.write(json.dumps({"kind": "warning", "index": index, "line": line,
                                         "message": f"unknown group {name}"}, ensure_ascii=False) + "\n")
            else:
                ids.append(known)
        record = {"id": contact["id"], "type": contact["type"], "name": contact["name"]}
        for key in ("email", "phone", "phone_extension"):
            if key in contact:
                record[key] = contact[key]
        if ids:
            record["groups"] = ids
        if "metadata" in contact:
            record["metadata"] = contact["metadata"]
        if contact["type"] == "group":
            record["group_contacts"] = {"children": members.get(group_key(contact["name"]), []), "primary": []}
        if output is not None:
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if mode == "json":
                output.write(text if first else ",\n" + text)
            else:
                output.write(text + "\n")
        first = False
    if mode == "json":
        output.write("\n]\n")
    if output is not None:
        output.close()
    report.close()


if __name__ == "__main__":
    main()
