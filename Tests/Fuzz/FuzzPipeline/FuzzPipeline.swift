import FuzzSupport
import RosterCore
import RosterFormats

/// The input, the contacts written and the JSON Lines report, rewritten for every input.
nonisolated(unsafe) let inputFiles = [".csv", ".json", ".jsonl", ".xlsx", ".txt"].map {
  FuzzScratchFile(name: "input\($0)")
}
nonisolated(unsafe) let contactsFile = FuzzScratchFile(name: "contacts.jsonl")
nonisolated(unsafe) let reportFile = FuzzScratchFile(name: "report.jsonl")

/// libFuzzer entry point: a whole `roster convert` run (input sniffing and transcoding, any reader,
/// mapping, validation, groups, JSONL output, JSONL report) on the input as a file.
///
/// Control bytes: the file's extension, the default region, the unknown-group policy. Checks the
/// accounting promise: every input row is accepted or rejected, the report names each rejected
/// row once, and the output holds one line per accepted contact (plus created groups).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let inputFile = inputFiles[Int(input.takeByte()) % inputFiles.count]
  let region = [nil, "GB", "US", "DE"][Int(input.takeByte()) % 4]
  let policy = UnknownGroupPolicy.allCases[Int(input.takeByte()) % UnknownGroupPolicy.allCases.count]
  inputFile.write(input.rest)
  contactsFile.remove()
  reportFile.remove()
  var job = ConversionJob(
    input: inputFile.path, output: (.jsonl, .file(contactsFile.path)), report: (.jsonl, .file(reportFile.path)),
    defaultRegion: region)
  job.groups.unknownGroups = policy
  let summary: RunSummary
  do {
    summary = try job.run()
  } catch {
    _ = error.description
    return 0
  }
  checkAccounting(summary)
  return 0
}

/// Crashes with a clear message unless the summary, the report and the output agree.
func checkAccounting(_ summary: RunSummary) {
  guard summary.rows == summary.accepted + summary.rejected else {
    fuzzFailure("summary counts \(summary.rows) rows but \(summary.accepted) accepted + \(summary.rejected) rejected")
  }
  let report = reportFile.read()
  var rejectedIndices = Set<Int>()
  var issueLines = 0
  var summaryLines = 0
  for line in report.split(separator: UInt8(ascii: "\n")) {
    if line.starts(with: #"{"kind":"issue","index":"#.utf8) {
      issueLines += 1
      let digits = line.dropFirst(#"{"kind":"issue","index":"#.utf8.count).prefix { $0 >= 0x30 && $0 <= 0x39 }
      guard let index = Int(String(decoding: digits, as: UTF8.self)) else {
        fuzzFailure("report issue without an index: \(String(decoding: line, as: UTF8.self))")
      }
      guard index < summary.rows else { fuzzFailure("report names row \(index) of \(summary.rows)") }
      rejectedIndices.insert(index)
    } else if line.starts(with: #"{"kind":"summary","#.utf8) {
      summaryLines += 1
    }
  }
  guard summaryLines == 1 else { fuzzFailure("report has \(summaryLines) summary lines") }
  guard issueLines == summary.rejected, rejectedIndices.count == summary.rejected else {
    fuzzFailure(
      "summary rejects \(summary.rejected) rows; the report has \(issueLines) issues for \(rejectedIndices.count) rows")
  }
  let written = contactsFile.read().count { $0 == UInt8(ascii: "\n") }
  guard written == summary.accepted + summary.createdGroups else {
    fuzzFailure(
      "output has \(written) contacts for \(summary.accepted) accepted rows and \(summary.createdGroups) created groups")
  }
}
