import Foundation
import RosterTestSupport
import Testing

/// A workbook as openpyxl reads it back: the independent reading every XLSX test checks against.
struct ReadBackWorkbook: Decodable {
  struct Cell: Decodable {
    /// The text Excel shows: openpyxl's value with OOXML `_xHHHH_` escapes decoded left to right, as
    /// Excel decodes them (openpyxl leaves them undecoded in inline strings). `nil` for an empty cell.
    var text: String?
    /// openpyxl's value as it is (for a string, the XML text).
    var raw: String?
    /// The Python type of openpyxl's value: `str`, `int`, `float`, `datetime`, `NoneType`, ...
    var type: String
  }

  struct Sheet: Decodable {
    var name: String
    var rows: [[Cell]]
    /// The top-left cell of the scrolling pane (`A2` when the header row is frozen).
    var freeze: String?
    var autofilter: String?
    /// The range the sheet's XML declares (`<dimension>`), which read-only readers trust.
    var dimension: String
    /// Whether each header cell is bold.
    var bold: [Bool]
    /// Column letter (or first letter of a range) to width.
    var widths: [String: Double]

    /// Each row's cell texts.
    var texts: [[String?]] { rows.map { $0.map(\.text) } }
  }

  var sheets: [Sheet]
  /// `<f>` elements (formulas) anywhere in the worksheets' XML.
  var formulas: Int
  /// Cells in the worksheets' XML whose type is not an inline string (`t="inlineStr"`) or a number
  /// written by Roster itself (the Issues sheet's index and line).
  var nonInlineStringCells: [String]

  func sheet(_ name: String) -> Sheet? { sheets.first { $0.name == name } }
}

enum WorkbookReadBack {
  static let script = #"""
    import json, re, sys, zipfile
    import openpyxl
    path = sys.argv[1]
    escape = re.compile(r"_x([0-9A-Fa-f]{4})_")
    def shown(value):
        if isinstance(value, str):
            return escape.sub(lambda m: chr(int(m.group(1), 16)), value)
        return None if value is None else str(value)
    book = openpyxl.load_workbook(path)
    stored = openpyxl.load_workbook(path, read_only=True)  # trusts each sheet's <dimension>
    sheets = []
    for ws in book.worksheets:
        rows = [[{"text": shown(c.value), "raw": c.value if isinstance(c.value, str) else None,
                  "type": type(c.value).__name__} for c in row] for row in ws.iter_rows()]
        sheets.append({
            "name": ws.title, "rows": rows, "freeze": ws.freeze_panes, "autofilter": ws.auto_filter.ref,
            "dimension": stored[ws.title].calculate_dimension(),
            "bold": [bool(c.font.b) for c in ws[1]],
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        })
    formulas = 0
    others = []
    cell = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>')
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name)
                formulas += xml.count(b"<f>") + xml.count(b"<f ")
                for m in cell.finditer(xml):
                    if b't="inlineStr"' not in m.group(2):
                        others.append(name + "!" + m.group(1).decode())
    sys.stdout.write(json.dumps({"sheets": sheets, "formulas": formulas, "nonInlineStringCells": others}))
    """#

  /// The reference Python: `ROSTER_PYTHON` (set by scripts/test), else `.build-venv/bin/python` in the
  /// package root. Records an issue (a failure, not a skip) when neither exists.
  static func python() -> String? {
    if let path = ProcessInfo.processInfo.environment["ROSTER_PYTHON"], !path.isEmpty { return path }
    let venv = TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python").path
    if FileManager.default.isExecutableFile(atPath: venv) { return venv }
    Issue.record(
      "no reference Python with openpyxl: set ROSTER_PYTHON or run scripts/test (which creates \(venv))")
    return nil
  }

  /// Reads `path` with openpyxl in one Python process; `nil` (with an issue recorded) without Python.
  static func read(_ path: String) throws -> ReadBackWorkbook? {
    guard let python = python() else { return nil }
    let result = try TestSupport.run(URL(fileURLWithPath: python), ["-c", script, path])
    try #require(result.status == 0, "openpyxl could not read \(path): \(result.stderrText)")
    return try JSONDecoder().decode(ReadBackWorkbook.self, from: result.stdout)
  }

  /// `soffice` on PATH, if LibreOffice is installed (Debian `libreoffice-calc-nogui`).
  static let soffice: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/soffice"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }()

  static let csvScript = #"""
    import csv, json, os, sys
    directory, base = sys.argv[1], sys.argv[2]
    sheets = {}
    for name in sorted(os.listdir(directory)):
        if name.startswith(base + "-") and name.endswith(".csv"):
            with open(os.path.join(directory, name), newline="", encoding="utf-8") as f:
                sheets[name[len(base) + 1:-4]] = list(csv.reader(f))
    sys.stdout.write(json.dumps(sheets))
    """#

  /// Converts every sheet of `path` to CSV with LibreOffice (a private profile, UTF-8, text as shown)
  /// and reads the CSVs with Python's csv module: sheet name to rows of cells.
  static func readWithLibreOffice(_ path: String, soffice: String) throws -> [String: [[String]]]? {
    guard let python = python() else { return nil }
    let work = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    let profile = work.appendingPathComponent("profile").absoluteString
    let output = work.appendingPathComponent("csv")
    // 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start row; "as shown"; -1 = every sheet.
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    let conversion = try TestSupport.run(
      URL(fileURLWithPath: soffice),
      ["-env:UserInstallation=\(profile)", "--headless", "--convert-to", filter, "--outdir", output.path, path])
    try #require(conversion.status == 0, "soffice failed: \(conversion.stderrText)")
    let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let result = try TestSupport.run(URL(fileURLWithPath: python), ["-c", csvScript, output.path, base])
    try #require(result.status == 0, "reading LibreOffice's CSV failed: \(result.stderrText)")
    return try JSONDecoder().decode([String: [[String]]].self, from: result.stdout)
  }
}
