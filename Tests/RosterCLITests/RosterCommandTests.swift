import Foundation
import RosterTestSupport
import Testing

private let roster = TestSupport.rosterBinary
private let packagex = TestSupport.fixtures.appendingPathComponent("packagex/contacts.csv").path
private let clean = TestSupport.fixtures.appendingPathComponent("clean/contacts.csv").path

private func expected(_ relative: String) throws -> String {
  try String(contentsOf: TestSupport.fixtures.appendingPathComponent(relative), encoding: .utf8)
}

/// Files in `directory`, to check that no temporary file is left behind.
private func listing(_ directory: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

@Suite("roster command, end to end")
struct RosterCommandTests {
  @Test func convertWritesAcceptedRowsAndReportsTheRestOnStandardError() throws {
    let result = try TestSupport.run(roster, ["convert", packagex, "--to", "jsonl"])
    #expect(result.status == 0)
    #expect(result.stdoutText == (try expected("packagex/expected.jsonl")))
    #expect(
      result.stderrText == """
        \(packagex):4 (row 2) email "thor@asgard": the domain needs a dot (for example example.com)
        \(packagex): 4 rows: 3 accepted, 1 rejected

        """)
  }

  @Test func strictMakesRejectionsExitOneButStillWrites() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.jsonl")
    let result = try TestSupport.run(roster, ["convert", packagex, "-o", output.path, "--strict", "--quiet"])
    #expect(result.status == 1)
    #expect(try String(contentsOf: output, encoding: .utf8) == (try expected("packagex/expected.jsonl")))
    #expect(try listing(directory) == ["out.jsonl"])
  }

  @Test func validateExitsOneOnRejectionsAndZeroOnACleanFile() throws {
    let rejected = try TestSupport.run(roster, ["validate", packagex, "--report-format", "json", "--quiet"])
    #expect(rejected.status == 1)
    #expect(rejected.stdoutText == (try expected("packagex/expected-report.json")))
    let accepted = try TestSupport.run(roster, ["validate", clean, "--quiet"])
    #expect(accepted.status == 0)
    #expect(accepted.stdoutText == "\(clean): 5 rows: 5 accepted, 0 rejected\n")
  }

  @Test func githubFormatAnnotatesTheExactLine() throws {
    let result = try TestSupport.run(roster, ["validate", packagex, "--report-format", "github"])
    #expect(result.status == 1)
    #expect(result.stdoutText.hasPrefix("::error file=\(packagex),line=4,title=row 2 rejected::email \"thor@asgard\""))
  }

  @Test func standardInputIsReadWhenNoInputIsGiven() throws {
    let input = try Data(contentsOf: URL(fileURLWithPath: packagex))
    for arguments in [["convert"], ["convert", "-"]] {
      let result = try TestSupport.run(roster, arguments + ["--quiet"], stdin: input)
      #expect(result.status == 0)
      #expect(result.stdoutText == (try expected("packagex/expected.jsonl")))
      #expect(result.stderrText.hasPrefix("<stdin>:4 (row 2) email"))
    }
  }

  @Test func groupsDefinedAfterTheirMembersResolveFromStandardInputToo() throws {
    let fixture = TestSupport.fixtures.appendingPathComponent("groups-warn/contacts.csv")
    let fromFile = try TestSupport.run(roster, ["convert", fixture.path, "--quiet"])
    let fromStdin = try TestSupport.run(roster, ["convert", "--quiet"], stdin: try Data(contentsOf: fixture))
    #expect(fromFile.stdoutText == (try expected("groups-warn/expected.jsonl")))
    #expect(fromStdin.stdoutText == fromFile.stdoutText)
    #expect(fromStdin.status == 0)
    #expect(fromStdin.stderrText.contains("<stdin>:5 (row 3): warning: Groups names group \"Hulk Fans\""))
    let rejecting = try TestSupport.run(roster, ["validate", fixture.path, "--unknown-groups", "reject"])
    #expect(rejecting.status == 1)
    #expect(rejecting.stdoutText.contains("(row 3) Groups \"Hulk Fans\""))
    let badSeparator = try TestSupport.run(roster, ["convert", fixture.path, "--group-separator", "ab"])
    #expect(badSeparator.status == 2)
  }

  @Test func jsonInputStreamsUntilAFaultAndRejectsComeBackAsJSONLines() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let rejects = directory.appendingPathComponent("rejects.jsonl")
    let input = Data(
      """
      [{"name": "Ada", "email": "ada@example.com"},
       {"name": "Thor", "email": "thor@asgard",
        "metadata": {"realm": "Asgard"}},
       {"name": "Bad" "email": "x@y.z"}]
      """.utf8)
    let result = try TestSupport.run(
      roster, ["convert", "--from", "json", "--rejects", rejects.path, "--report-format", "jsonl"], stdin: input)
    #expect(result.status == 2)
    #expect(result.stdoutText.contains("\"name\":\"Ada\""))
    #expect(result.stderrText.hasSuffix("roster: <stdin>:4: at byte offset 140: expected ',' or '}', found '\"'\n"))
    #expect(!FileManager.default.fileExists(atPath: rejects.path))

    let valid = Data(#"[{"name": "Ada", "email": "ada@example.com"}]"#.utf8)
    let thor = Data(
      "[{\"name\": \"Thor\", \"email\": \"thor@asgard\",\n \"metadata\": {\"realm\": \"Asgard\"}}]".utf8)
    let ok = try TestSupport.run(roster, ["convert", "--from", "json", "--quiet"], stdin: valid)
    #expect(ok.status == 0)
    let rejected = try TestSupport.run(
      roster, ["validate", "--from", "json", "--rejects", rejects.path, "--quiet"], stdin: thor)
    #expect(rejected.status == 1)
    #expect(
      try String(contentsOf: rejects, encoding: .utf8)
        == "{\"name\": \"Thor\", \"email\": \"thor@asgard\",  \"metadata\": {\"realm\": \"Asgard\"},\"roster_errors\":[\"email: the domain needs a dot (for example example.com)\"]}\n"
    )
  }

  @Test func theSameContactsInEveryInputFormGiveTheSameJSONLines() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = TestSupport.fixtures.appendingPathComponent("json")
    let expected = try TestSupport.run(
      roster, ["convert", json.appendingPathComponent("contacts.json").path, "--quiet"])
    #expect(expected.status == 0)
    #expect(expected.stdout.count > 100)
    let csv = directory.appendingPathComponent("contacts.csv")
    #expect(
      try TestSupport.run(
        roster, ["convert", json.appendingPathComponent("contacts.json").path, "-o", csv.path, "--quiet"]
      ).status == 0)
    let workbook = directory.appendingPathComponent("contacts.xlsx")
    #expect(
      try TestSupport.run(
        roster, ["convert", json.appendingPathComponent("contacts.json").path, "-o", workbook.path, "--quiet"]
      )
      .status == 0)
    let csvBytes = try Data(contentsOf: csv)
    let dataURL = "data:text/csv;charset=utf-8;base64," + csvBytes.base64EncodedString(options: .lineLength76Characters)
    let jsonURL =
      "data:application/json;base64,"
      + (try Data(contentsOf: json.appendingPathComponent("contacts.jsonl"))).base64EncodedString()
    let workbookBytes = try Data(contentsOf: workbook)
    let workbookURL =
      "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
      + workbookBytes.base64EncodedString(options: .lineLength76Characters)
    for name in ["contacts.json", "contacts.jsonl", "airy-payload.json"] {
      try FileManager.default.copyItem(
        at: json.appendingPathComponent(name), to: directory.appendingPathComponent(name))
    }
    try Data(workbookURL.utf8).write(to: directory.appendingPathComponent("workbook-url.txt"))
    try FileManager.default.copyItem(
      at: json.appendingPathComponent("contacts.jsonl"), to: directory.appendingPathComponent("misnamed.csv"))
    let server = try HTTPFixtureServer(root: directory)
    defer { server.stop() }
    let forms: [(String, [String], Data)] = [
      ("JSON Lines", [json.appendingPathComponent("contacts.jsonl").path], Data()),
      ("Airy payload", [json.appendingPathComponent("airy-payload.json").path], Data()),
      ("JSON Lines on stdin, sniffed", [], try Data(contentsOf: json.appendingPathComponent("contacts.jsonl"))),
      ("CSV", [csv.path], Data()),
      ("XLSX", [workbook.path], Data()),
      ("CSV data URL argument", [dataURL], Data()),
      ("JSON data URL on stdin", [], Data(jsonURL.utf8)),
      ("XLSX data URL argument", [workbookURL], Data()),
      ("XLSX data URL in a file", [directory.appendingPathComponent("workbook-url.txt").path], Data()),
      ("XLSX on stdin", [], workbookBytes),
      ("CSV over HTTP, typed", [server.url("/typed/contacts.csv")], Data()),
      ("CSV over HTTP, no type, chunked", [server.url("/chunked/contacts.csv")], Data()),
      ("JSON over HTTP, typed", [server.url("/typed/contacts.json")], Data()),
      ("JSON Lines over HTTP, redirected", [server.url("/redirect/2/contacts.jsonl")], Data()),
      ("Airy payload over HTTP, no type", [server.url("/untyped/airy-payload.json")], Data()),
      ("XLSX over HTTP, typed", [server.url("/typed/contacts.xlsx")], Data()),
      ("XLSX over HTTP, no type", [server.url("/untyped/contacts.xlsx")], Data()),
      ("XLSX data URL over HTTP", [server.url("/typed/workbook-url.txt")], Data()),
      (
        "JSON Lines in a .csv file served as x-ndjson", [server.url("/typed/misnamed.csv?type=application/x-ndjson")],
        Data()
      ),
      (
        "CSV served as text/plain, --from csv", ["--from", "csv", server.url("/typed/contacts.csv?type=text/plain")],
        Data()
      ),
      ("HTTP, scheme in capitals", [server.url("/typed/contacts.csv", scheme: "HTTP")], Data()),
    ]
    for (form, arguments, stdin) in forms {
      let result = try TestSupport.run(roster, ["convert"] + arguments + ["--quiet"], stdin: stdin)
      #expect(result.status == 0, "\(form): \(result.stderrText)")
      #expect(result.stdoutText == expected.stdoutText, "\(form) gives other contacts")
    }
  }

  @Test func encodingsDelimitersAndDataURLLimitsBehaveAsDocumented() throws {
    let inputs = TestSupport.fixtures.appendingPathComponent("inputs")
    let latin = try TestSupport.run(
      roster, ["convert", inputs.appendingPathComponent("windows-1252.txt").path, "--from", "csv"])
    #expect(latin.status == 0)
    #expect(latin.stdoutText.contains("\"name\":\"José Núñez\""))
    #expect(latin.stderrText.contains("warning: the input is not valid UTF-8; it was read as Windows-1252"))
    let semicolons = try TestSupport.run(
      roster, ["convert", inputs.appendingPathComponent("semicolon.csv").path, "--quiet"])
    #expect(semicolons.status == 0)
    #expect(semicolons.stdoutText.contains("\"name\":\"Müller, Anna\""))
    #expect(semicolons.stdoutText.contains("\"Notes\":\"Says \\\"hallo\\\"; twice\""))
    let capped = try TestSupport.run(
      roster, ["convert", inputs.appendingPathComponent("packagex-data-url.txt").path, "--max-data-url-bytes", "100"])
    #expect(capped.status == 2)
    #expect(capped.stderrText.contains("--max-data-url-bytes"))
    #expect(capped.stdout.isEmpty)
    let truncated = try TestSupport.run(roster, ["convert", "data:text/csv;base64,TmFtZQpBZGEK$$"])
    #expect(truncated.status == 2)
    #expect(truncated.stderrText == "roster: <data URL>: invalid base64 character '$' (0x24) at byte offset 33\n")
    let zip = try TestSupport.run(roster, ["convert", "--quiet"], stdin: Data([0x50, 0x4B, 0x03, 0x04, 0, 0]))
    #expect(zip.status == 2)
    #expect(zip.stderrText.hasPrefix("roster: <stdin>: not an XLSX workbook: no ZIP end-of-central-directory record"))
    let bigWorkbookURL =
      "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
      + String(repeating: "UEsDBA==", count: 20)
    let cappedWorkbook = try TestSupport.run(roster, ["convert", bigWorkbookURL, "--max-data-url-bytes", "100"])
    #expect(cappedWorkbook.status == 2)
    #expect(cappedWorkbook.stderrText.contains("--max-data-url-bytes"))
  }

  @Test func httpInputsDownloadOnceAndTakeTheirCharsetFromContentType() throws {
    let server = try HTTPFixtureServer(root: TestSupport.fixtures)
    defer { server.stop() }
    // A Groups column makes two passes: the second reads the copy, not the server.
    let groups = try TestSupport.run(roster, ["convert", server.url("/typed/groups-warn/contacts.csv"), "--quiet"])
    #expect(groups.status == 0, "\(groups.stderrText)")
    #expect(groups.stdoutText == (try expected("groups-warn/expected.jsonl")))
    let count = try TestSupport.python(
      "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
      [server.url("/requests")])
    #expect(count.stdoutText == "1\n")

    let latin = try TestSupport.run(
      roster, ["convert", server.url("/typed/inputs/windows-1252.txt?type=text/csv;%20charset=windows-1252")])
    #expect(latin.status == 0)
    #expect(latin.stdoutText.contains("\"name\":\"José Núñez\""))
    #expect(!latin.stderrText.contains("not valid UTF-8"))
  }

  @Test func httpFailuresExitTwoNamingTheURLAndTheFlag() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = try HTTPFixtureServer(root: TestSupport.fixtures)
    defer { server.stop() }
    let output = directory.appendingPathComponent("out.jsonl")
    let missing = try TestSupport.run(roster, ["convert", server.url("/typed/nothing.csv"), "-o", output.path])
    #expect(missing.status == 2)
    #expect(
      missing.stderrText
        == "roster: \(server.url("/typed/nothing.csv")): the server answered 404 Not Found; expected 200 OK\n")

    let stalled = try TestSupport.run(
      roster, ["convert", server.url("/stall"), "--read-timeout", "1", "-o", output.path])
    #expect(stalled.status == 2)
    #expect(stalled.stderrText.contains("no data from the server for 1 s"))
    #expect(stalled.stderrText.contains("--read-timeout SECONDS"))

    let endless = try TestSupport.run(
      roster, ["convert", server.url("/endless"), "--max-download-bytes", "1000000", "-o", output.path])
    #expect(endless.status == 2)
    #expect(
      endless.stderrText.hasSuffix(
        "roster: \(server.url("/endless")): the download passed the 1000000-byte limit; raise it with --max-download-bytes BYTES\n"
      ))

    let huge = try TestSupport.run(roster, ["convert", server.url("/huge-length")])
    #expect(huge.status == 2)
    #expect(huge.stdout.isEmpty)
    #expect(huge.stderrText.contains("over the 268435456-byte limit; raise it with --max-download-bytes"))

    let cut = try TestSupport.run(roster, ["convert", server.url("/truncated"), "-o", output.path])
    #expect(cut.status == 2)
    #expect(cut.stderrText.contains("the body was cut short after 106 bytes"))
    // Two passes: the first stops quietly at the cut, and the second, reading the copy, meets it too.
    let cutTwice = try TestSupport.run(roster, ["convert", server.url("/truncated?groups=1"), "-o", output.path])
    #expect(cutTwice.status == 2)
    #expect(
      cutTwice.stderrText.hasSuffix(
        "the body was cut short after 107 bytes: transfer closed with 893 bytes remaining to read\n"))
    #expect(try listing(directory).isEmpty)

    let closedPort = server.url("/typed/packagex/contacts.csv")
    server.stop()
    let refused = try TestSupport.run(roster, ["convert", closedPort])
    #expect(refused.status == 2)
    #expect(refused.stderrText.hasPrefix("roster: \(closedPort): cannot connect: "))

    let ftp = try TestSupport.run(roster, ["convert", "ftp://127.0.0.1/contacts.csv"])
    #expect(ftp.status == 2)
    #expect(
      ftp.stderrText
        == "roster: ftp://127.0.0.1/contacts.csv: ftp URLs are not read (only http, https and data URLs); download the file and pass its path\n"
    )

    let badFlag = try TestSupport.run(roster, ["convert", closedPort, "--read-timeout", "0"])
    #expect(badFlag.status == 2)
    #expect(badFlag.stderrText.contains("--read-timeout must be a positive number of seconds"))
  }

  @Test(
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
      "openssl is needed to make a self-signed certificate"))
  func httpsChecksTheCertificate() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let certificate = directory.appendingPathComponent("cert.pem")
    let key = directory.appendingPathComponent("key.pem")
    let made = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/openssl"),
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
      ])
    #expect(made.status == 0, "\(made.stderrText)")
    let server = try HTTPFixtureServer(root: TestSupport.fixtures, tls: (certificate, key))
    defer { server.stop() }
    let url = server.url("/typed/packagex/contacts.csv", scheme: "https")
    let result = try TestSupport.run(roster, ["convert", url])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderrText.hasPrefix("roster: \(url): TLS certificate verification failed: "))
    #expect(
      result.stderrText.contains("self-signed certificate") || result.stderrText.contains("self signed certificate"))
  }

  @Test func inputsRosterCannotReadGetAMessageListingWhatItReads() throws {
    let legacyWorkbook = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 64))
    let xls = try TestSupport.run(roster, ["convert"], stdin: legacyWorkbook)
    #expect(xls.status == 2)
    #expect(xls.stderrText.contains("is an Excel 97-2003 workbook (.xls); save it as .xlsx or CSV"))
    #expect(xls.stderrText.contains("Roster reads CSV"))
    #expect(xls.stdout.isEmpty)
    let binary = try TestSupport.run(roster, ["convert"], stdin: Data([0x00, 0x01, 0x02, 0x7F, 0x41, 0x0A, 0x42]))
    #expect(binary.status == 2)
    #expect(binary.stderrText.contains("cannot tell what format this is"))
    #expect(binary.stderrText.contains("pass --from csv|json|jsonl|xlsx"))
    // Naming the format is the way past the guess.
    let named = try TestSupport.run(
      roster, ["convert", "--from", "csv", "--quiet"], stdin: Data("Name,\u{01}\u{02}\nAda,x\n".utf8))
    #expect(named.status != 2, "\(named.stderrText)")
  }

  @Test func utf16WithoutByteOrderMarkIsReadWithAWarning() throws {
    let csv = try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("packagex/contacts.csv"))
    let text = String(decoding: csv, as: UTF8.self)
    let expected = try TestSupport.run(roster, ["convert", packagex])
    for bigEndian in [false, true] {
      let utf16 = Data(
        text.utf16.flatMap { unit in
          bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        })
      let result = try TestSupport.run(roster, ["convert"], stdin: utf16)
      #expect(result.stdoutText == expected.stdoutText)
      #expect(result.stderrText.contains("no byte order mark but its zero bytes say UTF-16\(bigEndian ? "BE" : "LE")"))
    }
  }

  @Test func xlsxOutputHasTheContactsAndAnIssuesSheet() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let workbook = directory.appendingPathComponent("contacts.xlsx")
    let result = try TestSupport.run(roster, ["convert", packagex, "-o", workbook.path, "--quiet"])
    #expect(result.status == 0, "\(result.stderrText)")
    let script = """
      import json, sys, openpyxl
      book = openpyxl.load_workbook(sys.argv[1])
      print(json.dumps({ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in book}))
      """
    let python =
      ProcessInfo.processInfo.environment["ROSTER_PYTHON"]
      ?? TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python").path
    let read = try TestSupport.run(URL(fileURLWithPath: python), ["-c", script, workbook.path])
    #expect(read.status == 0, "\(read.stderrText)")
    let sheets = try #require(try JSONSerialization.jsonObject(with: read.stdout) as? [String: [[Any]]])
    let contacts = try #require(sheets["Contacts"])
    #expect(contacts.count == 4)
    let phoneColumn = try #require((contacts[0] as? [String])?.firstIndex(of: "phone"))
    #expect(contacts[2][phoneColumn] as? String == "+12125550100")
    let issues = try #require(sheets["Issues"])
    #expect(issues.count == 2)
    #expect(issues[1][0] as? Int == 2)
    #expect(issues[1][1] as? Int == 4)
    #expect((issues[1][3] as? String)?.contains("the domain needs a dot") == true)
    #expect(issues[1][4] as? String == "Thor Odinson")
    #expect(try listing(directory) == ["contacts.xlsx"])

    // LibreOffice, the second reader, shows the same text (the phone keeps its +).
    let profile = directory.appendingPathComponent("lo-profile")
    let converted = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"),
      [
        "soffice", "-env:UserInstallation=file://\(profile.path)", "--headless", "--convert-to", "csv",
        "--outdir", directory.path, workbook.path,
      ])
    #expect(converted.status == 0, "LibreOffice (soffice) must be installed: \(converted.stderrText)")
    let sheet = try String(contentsOf: directory.appendingPathComponent("contacts.csv"), encoding: .utf8)
    let lines = sheet.split(separator: "\n")
    #expect(lines.count == 4)
    #expect(lines.count > 2 && lines[2].contains(",+12125550100,"))

    let toStdout = try TestSupport.run(roster, ["convert", packagex, "--to", "xlsx"])
    #expect(toStdout.status == 2)
    #expect(toStdout.stderrText.contains("XLSX output needs a file"))
  }

  @Test func rejectedRowsComeBackInTheInputsOwnShapeAndReimport() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let rejects = directory.appendingPathComponent("rejects.csv")
    let result = try TestSupport.run(roster, ["validate", packagex, "--rejects", rejects.path, "--quiet"])
    #expect(result.status == 1)
    let text = try String(contentsOf: rejects, encoding: .utf8)
    #expect(
      text == """
        name,email,phone,address,address_line2,type,groups,metadata.csv_import,roster_errors\r
        Thor Odinson,thor@asgard,+47 22 12 34 56,Asgard,,person,Avengers,yes,"email ""thor@asgard"": the domain needs a dot (for example example.com)"\r

        """)
    // Fixed by hand and imported again: the reasons column is ignored, with a warning.
    try Data(text.replacing("thor@asgard,", with: "thor@asgard.no,").utf8).write(to: rejects)
    let again = try TestSupport.run(roster, ["convert", rejects.path, "--unknown-groups", "warn"])
    #expect(again.status == 0)
    #expect(again.stdoutText.contains("\"email\":\"thor@asgard.no\""))
    #expect(again.stderrText.contains("column \"roster_errors\" holds the reasons"))
  }

  @Test func outputFormatFollowsTheExtension() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("contacts.json")
    let report = directory.appendingPathComponent("report.jsonl")
    let result = try TestSupport.run(
      roster, ["convert", packagex, "-o", output.path, "--report", report.path, "--report-format", "jsonl"])
    #expect(result.status == 0)
    let array = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [[String: Any]]
    #expect(array?.count == 3)
    #expect(result.stderrText == "roster: \(packagex): 4 rows: 3 accepted, 1 rejected\n")
    let lines = try String(contentsOf: report, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)

    let unknown = try TestSupport.run(
      roster, ["convert", packagex, "-o", directory.appendingPathComponent("x.txt").path])
    #expect(unknown.status == 2)
    #expect(unknown.stderrText.contains("cannot tell the output format"))
  }

  @Test func unusableArgumentsExitTwoWithOneClearLine() throws {
    let unknownFlag = try TestSupport.run(roster, ["convert", packagex, "--bogus"])
    #expect(unknownFlag.status == 2)
    #expect(unknownFlag.stderrText.contains("Unknown option '--bogus'"))

    let missing = try TestSupport.run(roster, ["convert", "/nonexistent/contacts.csv"])
    #expect(missing.status == 2)
    #expect(missing.stderrText == "roster: /nonexistent/contacts.csv: cannot open: No such file or directory\n")

    let region = try TestSupport.run(roster, ["validate", packagex, "--default-region", "XX"])
    #expect(region.status == 2)
    #expect(region.stderrText.contains("--default-region XX"))
  }

  @Test func badHeadersExitTwoNamingFileLineAndBothHeaders() throws {
    let csv = Data("\n\nName,metadata.a,metadata.a.b\nx,1,2\n".utf8)
    let result = try TestSupport.run(roster, ["convert", "--quiet"], stdin: csv)
    #expect(result.status == 2)
    #expect(
      result.stderrText
        == "roster: <stdin>:3: headers \"metadata.a\" and \"metadata.a.b\" conflict: metadata.a cannot hold both a value and metadata.a.b\n"
    )
    #expect(result.stdout.isEmpty)
  }

  @Test func failedRunsLeaveTheDestinationUntouchedAndNoTemporaryFiles() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.jsonl")
    try Data("previous\n".utf8).write(to: output)
    let badInput = directory.appendingPathComponent("bad.csv")
    try Data("Email,Phone\na@b.co,\n".utf8).write(to: badInput)
    let result = try TestSupport.run(roster, ["convert", badInput.path, "-o", output.path])
    #expect(result.status == 2)
    #expect(try String(contentsOf: output, encoding: .utf8) == "previous\n")
    #expect(try listing(directory) == ["bad.csv", "out.jsonl"])

    let nowhere = try TestSupport.run(roster, ["convert", packagex, "-o", "/nonexistent/dir/out.jsonl"])
    #expect(nowhere.status == 2)
    #expect(nowhere.stderrText.hasPrefix("roster: /nonexistent/dir/out.jsonl: cannot write here"))
  }

  @Test(
    .disabled(
      if: ProcessInfo.processInfo.environment["ROSTER_SANITIZER"] == "thread",
      "ThreadSanitizer's runtime dies with SIGBUS under a file size limit; the tmpfs test covers a full disk"))
  func aFullDiskIsExitTwoWithTheDestinationUntouched() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("big.csv")
    var text = "Name,Email\n"
    for index in 0..<20_000 { text += "Person \(index),person\(index)@example.com\n" }
    try Data(text.utf8).write(to: input)
    let output = directory.appendingPathComponent("out.jsonl")
    try Data("previous\n".utf8).write(to: output)
    // `ulimit -f 64` caps files at 64 KiB: the output cannot be written in full.
    let result = try TestSupport.run(
      URL(fileURLWithPath: "/bin/sh"),
      ["-c", "ulimit -f 64 && exec \"$0\" convert \"$1\" -o \"$2\" --quiet", roster.path, input.path, output.path])
    #expect(result.status == 2)
    #expect(result.stderrText.hasPrefix("roster: \(output.path): write failed: File too large"))
    #expect(try String(contentsOf: output, encoding: .utf8) == "previous\n")
    #expect(try listing(directory) == ["big.csv", "out.jsonl"])
  }

  @Test(arguments: ["convert", "validate"])
  func helpShowsAnExample(command: String) throws {
    let result = try TestSupport.run(roster, [command, "--help"])
    #expect(result.status == 0)
    #expect(result.stdoutText.contains("Example:"))
    #expect(result.stdoutText.contains("roster \(command) "))
  }
}
