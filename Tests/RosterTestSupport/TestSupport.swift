public import Foundation

/// Paths and helpers shared by Roster's test targets.
public enum TestSupport {
  /// The package root, found from this file's location.
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `Fixtures/` in the package root.
  public static let fixtures: URL = packageRoot.appendingPathComponent("Fixtures")

  /// Whether golden files should be rewritten (`ROSTER_RECORD=1`), never silently.
  public static var recording: Bool { ProcessInfo.processInfo.environment["ROSTER_RECORD"] == "1" }

  /// The built `roster` binary: `ROSTER_BINARY`, else beside the test bundle.
  public static var rosterBinary: URL {
    if let path = ProcessInfo.processInfo.environment["ROSTER_BINARY"] { return URL(fileURLWithPath: path) }
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
    return directory.appendingPathComponent("roster")
  }

  /// A fresh temporary directory, removed by the caller.
  public static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("roster-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// What a finished process printed and returned.
  public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
  }

  /// Runs `executable` with `arguments`, feeding `stdin`, and waits for it.
  public static func run(
    _ executable: URL, _ arguments: [String], stdin: Data = Data(), currentDirectory: URL? = nil
  ) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let input = Pipe()
    let output = Pipe()
    let error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let writer = Thread {
      input.fileHandleForWriting.write(stdin)
      try? input.fileHandleForWriting.close()
    }
    writer.start()
    let errorData = LockedData()
    let errorReader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
    errorReader.start()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errorData.isSet { usleep(1000) }
    return ProcessResult(status: process.terminationStatus, stdout: outData, stderr: errorData.value)
  }

  /// Runs `python3 -c script` with `arguments`; for reference checks against Python's own modules.
  public static func python(_ script: String, _ arguments: [String] = [], stdin: Data = Data()) throws
    -> ProcessResult
  {
    try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments, stdin: stdin)
  }

  /// Writes a minimal workbook (one sheet named `Sheet1`, deflated, Python's `zipfile`) whose rows hold
  /// `rows` as text cells: in the shared-string table when `sharedStrings`, else as inline strings.
  /// An empty cell is left out, as Excel does.
  public static func writeWorkbook(_ rows: [[String]], sharedStrings: Bool = false, to url: URL) throws {
    let script = #"""
      import json, sys, zipfile
      from xml.sax.saxutils import escape
      spec = json.load(sys.stdin)
      rows, shared = spec["rows"], spec["shared"]
      table, index = [], {}
      def column(n):
          name = ""
          while n:
              n, r = divmod(n - 1, 26)
              name = chr(65 + r) + name
          return name
      out = []
      for r, row in enumerate(rows, 1):
          cells = []
          for c, text in enumerate(row, 1):
              if text == "":
                  continue
              ref = column(c) + str(r)
              if shared:
                  if text not in index:
                      index[text] = len(table)
                      table.append(text)
                  cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, index[text]))
              else:
                  cells.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(text)))
          out.append('<row r="%d">%s</row>' % (r, "".join(cells)))
      main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
      rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
      parts = {
          "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
          "xl/workbook.xml": '<?xml version="1.0"?><workbook %s %s><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>' % (main, rel),
          "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
          "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet %s><sheetData>%s</sheetData></worksheet>' % (main, "".join(out)),
      }
      if shared:
          items = "".join("<si><t>%s</t></si>" % escape(t) for t in table)
          parts["xl/sharedStrings.xml"] = '<?xml version="1.0"?><sst %s count="%d">%s</sst>' % (main, len(table), items)
      with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
          for name, text in parts.items():
              z.writestr(name, text)
      """#
    let spec = try JSONSerialization.data(withJSONObject: ["rows": rows, "shared": sharedStrings])
    let result = try python(script, [url.path], stdin: spec)
    guard result.status == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: result.stderrText])
    }
  }
}

/// Data handed from a reader thread to the waiting test.
private final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  func set(_ value: Data) { lock.withLock { data = value } }
  var isSet: Bool { lock.withLock { data != nil } }
  var value: Data { lock.withLock { data ?? Data() } }
}

/// `Fixtures/http/server.py` running on a loopback port, serving the files under a root directory
/// (see the script for its endpoints); stopped by `stop()` or when it is deinitialized.
public final class HTTPFixtureServer: @unchecked Sendable {
  /// The port the server listens on, on 127.0.0.1.
  public let port: Int
  private let process: Process
  private let input: Pipe

  /// Starts the server over `root`; with `tls` (a certificate and key file in PEM), it speaks https.
  public init(root: URL, tls: (certificate: URL, key: URL)? = nil) throws {
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let script = TestSupport.fixtures.appendingPathComponent("http/server.py").path
    var arguments = ["python3", script, root.path]
    if let tls { arguments += ["--tls", tls.certificate.path, tls.key.path] }
    process.arguments = arguments
    input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    var line = Data()
    while true {
      let byte = output.fileHandleForReading.readData(ofLength: 1)
      if byte.isEmpty || byte == Data("\n".utf8) { break }
      line += byte
    }
    guard let port = Int(String(decoding: line, as: UTF8.self)) else {
      process.terminate()
      throw CocoaError(
        .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the HTTP fixture server did not start"])
    }
    self.port = port
  }

  deinit { stop() }

  /// `http://127.0.0.1:PORT` + `path` (or `https://` for a TLS server).
  public func url(_ path: String, scheme: String = "http") -> String {
    "\(scheme)://127.0.0.1:\(port)\(path)"
  }

  /// Stops the server (closing its standard input; killing it if it lingers).
  public func stop() {
    guard process.isRunning else { return }
    try? input.fileHandleForWriting.close()
    process.terminate()
    process.waitUntilExit()
  }
}
