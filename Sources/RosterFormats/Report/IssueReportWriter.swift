public import RosterCore

/// Streams the per-row report in one of the `ReportFormat` layouts.
///
/// Memory stays constant: text, github and jsonl lines are written as rows arrive; the JSON layout
/// writes created ids straight out and spools issues and warnings to anonymous temporary files that
/// `finish` appends.
public final class IssueReportWriter: IssueSink {
  public let format: ReportFormat
  /// The input's name as shown in reports (`contacts.csv`, `<stdin>`).
  public let inputName: String
  private let output: ByteOutput
  private var issueSpool: SpoolFile?
  private var warningSpool: SpoolFile?
  private var mergeSpool: SpoolFile?
  private var createdCount = 0
  private var issueCount = 0
  private var warningCount = 0
  private var mergeCount = 0
  /// Whether the run merges duplicates (`--dedupe merge`): the JSON report then has a `merges` list
  /// and the summaries a `merged` count, even when nothing merged.
  public let includesMerges: Bool

  public init(format: ReportFormat, inputName: String, output: ByteOutput, includesMerges: Bool = false)
    throws(RosterError)
  {
    self.format = format
    self.inputName = inputName
    self.output = output
    self.includesMerges = includesMerges
    if format == .json {
      issueSpool = try SpoolFile()
      warningSpool = try SpoolFile()
      if includesMerges { mergeSpool = try SpoolFile() }
      try output.write("{\n\"created\": [")
    }
  }

  public func accepted(id: String, position: RowPosition) throws(RosterError) {
    guard format == .json else { return }
    try output.write(createdCount == 0 ? "\n  " : ",\n  ")
    try output.writeJSONString(id)
    createdCount += 1
  }

  public func createdGroup(id: String, name: String) throws(RosterError) {
    try accepted(id: id, position: RowPosition(index: -1, line: 0))
  }

  public func rejected(_ issue: RowIssue) throws(RosterError) {
    defer { issueCount += 1 }
    switch format {
    case .json:
      guard let spool = issueSpool?.output else { return }
      try spool.write(issueCount == 0 ? "\n  " : ",\n  ")
      try writeIssueObject(issue, kind: false, to: spool)
    case .jsonl:
      try writeIssueObject(issue, kind: true, to: output)
      try output.write(byte: 0x0A)
    case .text:
      try output.write(
        "\(inputName):\(issue.position.line) (row \(issue.position.index)) \(Self.sentence(for: issue))\n")
    case .github:
      let properties = "file=\(Self.githubProperty(inputName)),line=\(issue.position.line)"
      try output.write(
        "::error \(properties),title=row \(issue.position.index) rejected::\(Self.githubData(Self.sentence(for: issue)))\n"
      )
    }
  }

  public func merged(_ merge: MergeRecord) throws(RosterError) {
    defer { mergeCount += 1 }
    switch format {
    case .json:
      guard let spool = mergeSpool?.output else { return }
      try spool.write(mergeCount == 0 ? "\n  " : ",\n  ")
      try writeMergeObject(merge, kind: false, to: spool)
    case .jsonl:
      try writeMergeObject(merge, kind: true, to: output)
      try output.write(byte: 0x0A)
    case .text:
      try output.write(
        "\(inputName):\(merge.source.line) (row \(merge.source.index)): merged into row \(merge.destination.index) (line \(merge.destination.line))\n"
      )
    case .github:
      let properties = "file=\(Self.githubProperty(inputName)),line=\(merge.source.line)"
      try output.write(
        "::notice \(properties),title=row \(merge.source.index) merged::merged into row \(merge.destination.index) (line \(merge.destination.line))\n"
      )
    }
  }

  public func warning(_ warning: RunWarning) throws(RosterError) {
    defer { warningCount += 1 }
    switch format {
    case .json:
      guard let spool = warningSpool?.output else { return }
      try spool.write(warningCount == 0 ? "\n  " : ",\n  ")
      try writeWarningObject(warning, kind: false, to: spool)
    case .jsonl:
      try writeWarningObject(warning, kind: true, to: output)
      try output.write(byte: 0x0A)
    case .text:
      try output.write("\(location(of: warning)): warning: \(warning.message)\n")
    case .github:
      var properties = "file=\(Self.githubProperty(inputName))"
      if let line = warning.position?.line { properties += ",line=\(line)" }
      try output.write("::warning \(properties)::\(Self.githubData(warning.message))\n")
    }
  }

  public func finish(summary: RunSummary) throws(RosterError) {
    switch format {
    case .json:
      try output.write(createdCount == 0 ? "],\n\"issues\": [" : "\n],\n\"issues\": [")
      try issueSpool?.copy(to: output)
      try output.write(issueCount == 0 ? "],\n\"warnings\": [" : "\n],\n\"warnings\": [")
      try warningSpool?.copy(to: output)
      if includesMerges {
        try output.write(warningCount == 0 ? "],\n\"merges\": [" : "\n],\n\"merges\": [")
        try mergeSpool?.copy(to: output)
        try output.write(mergeCount == 0 ? "],\n\"summary\": " : "\n],\n\"summary\": ")
      } else {
        try output.write(warningCount == 0 ? "],\n\"summary\": " : "\n],\n\"summary\": ")
      }
      try writeSummaryObject(summary, kind: false, to: output)
      try output.write("\n}\n")
    case .jsonl:
      try writeSummaryObject(summary, kind: true, to: output)
      try output.write(byte: 0x0A)
    case .text:
      try output.write("\(inputName): \(Self.summaryText(summary))\n")
    case .github:
      try output.write(
        "::notice file=\(Self.githubProperty(inputName))::\(Self.githubData(Self.summaryText(summary)))\n")
    }
    try output.flush()
  }

  /// `10 rows: 8 accepted, 2 rejected, 1 warning`.
  public static func summaryText(_ summary: RunSummary) -> String {
    let rows = summary.rows == 1 ? "1 row" : "\(summary.rows) rows"
    var text = "\(rows): \(summary.accepted) accepted, \(summary.rejected) rejected"
    if summary.merged > 0 { text += ", \(summary.merged) merged" }
    if summary.createdGroups > 0 {
      text += summary.createdGroups == 1 ? ", 1 group created" : ", \(summary.createdGroups) groups created"
    }
    if summary.warnings > 0 { text += summary.warnings == 1 ? ", 1 warning" : ", \(summary.warnings) warnings" }
    return text
  }

  /// One line naming each problem: `Email "thor@asgard.": the domain has no top-level part`.
  public static func sentence(for issue: RowIssue) -> String {
    issue.details.map { detail in
      var text = ""
      if let header = detail.header {
        text += header
        if let value = detail.value { text += " " + quoted(value) }
        text += ": "
      }
      return text + detail.message
    }.joined(separator: "; ")
  }

  /// `value` in double quotes with quotes, backslashes and control characters escaped, so it stays on one line.
  static func quoted(_ value: String) -> String {
    var text = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": text += "\\\""
      case "\\": text += "\\\\"
      case "\n": text += "\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        } else {
          text.unicodeScalars.append(scalar)
        }
      }
    }
    return text + "\""
  }

  private func location(of warning: RunWarning) -> String {
    guard let position = warning.position else { return inputName }
    return "\(inputName):\(position.line) (row \(position.index))"
  }

  private func writeIssueObject(_ issue: RowIssue, kind: Bool, to out: ByteOutput) throws(RosterError) {
    try out.write(kind ? "{\"kind\":\"issue\",\"index\":" : "{\"index\":")
    try out.write("\(issue.position.index),\"line\":\(issue.position.line),\"errors\":")
    try out.writeJSONArray(issue.headersInError)
    try out.write(",\"details\":[")
    for (index, detail) in issue.details.enumerated() {
      if index > 0 { try out.write(byte: UInt8(ascii: ",")) }
      try out.write("{\"field\":")
      try out.writeJSONString(detail.field)
      try out.writeJSONMember("header", detail.header)
      try out.writeJSONMember("code", detail.code.rawValue)
      try out.writeJSONMember("message", detail.message)
      try out.writeJSONMember("value", detail.value)
      try out.write(byte: UInt8(ascii: "}"))
    }
    try out.write("]}")
  }

  private func writeMergeObject(_ merge: MergeRecord, kind: Bool, to out: ByteOutput) throws(RosterError) {
    try out.write(kind ? "{\"kind\":\"merge\",\"index\":" : "{\"index\":")
    try out.write(
      "\(merge.source.index),\"line\":\(merge.source.line),\"into\":\(merge.destination.index),\"into_line\":\(merge.destination.line),\"conflicts\":"
    )
    try out.writeJSONArray(merge.conflicts)
    try out.write(byte: UInt8(ascii: "}"))
  }

  private func writeWarningObject(_ warning: RunWarning, kind: Bool, to out: ByteOutput) throws(RosterError) {
    try out.write(kind ? "{\"kind\":\"warning\",\"code\":" : "{\"code\":")
    try out.writeJSONString(warning.code.rawValue)
    try out.writeJSONMember("message", warning.message)
    try out.writeJSONMember("header", warning.header)
    if let position = warning.position {
      try out.write(",\"index\":\(position.index),\"line\":\(position.line)")
    }
    try out.write(byte: UInt8(ascii: "}"))
  }

  private func writeSummaryObject(_ summary: RunSummary, kind: Bool, to out: ByteOutput) throws(RosterError) {
    try out.write(kind ? "{\"kind\":\"summary\",\"rows\":" : "{\"rows\":")
    try out.write(
      "\(summary.rows),\"accepted\":\(summary.accepted),\"rejected\":\(summary.rejected),\"warnings\":\(summary.warnings)"
    )
    if includesMerges { try out.write(",\"merged\":\(summary.merged)") }
    if summary.createdGroups > 0 { try out.write(",\"groups_created\":\(summary.createdGroups)") }
    try out.write(byte: UInt8(ascii: "}"))
  }

  /// Escapes workflow-command data (`%`, CR, LF).
  static func githubData(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "%": out += "%25"
      case "\r": out += "%0D"
      case "\n": out += "%0A"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Escapes a workflow-command property value (data escapes plus `:` and `,`).
  static func githubProperty(_ text: String) -> String {
    githubData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
  }
}
