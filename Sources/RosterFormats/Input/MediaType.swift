/// A media type and its parameters, as a data URL's header or an HTTP `Content-Type` gives them.
public struct MediaType: Hashable, Sendable {
  /// The type and subtype, lowercased (`text/csv`).
  public var type: String
  /// The parameters (`charset`), keys lowercased, quotes removed.
  public var parameters: [String: String]

  public init(type: String, parameters: [String: String] = [:]) {
    self.type = type
    self.parameters = parameters
  }

  /// Parses a `Content-Type` value such as `text/csv; charset="utf-8"`; nil when it names no type.
  public init?(contentType: String) {
    var parts = contentType.split(separator: ";", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: " \t")
    }
    let type = parts.removeFirst().lowercased()
    guard type.contains("/") else { return nil }
    self.type = type
    parameters = [:]
    for part in parts {
      guard let equals = part.firstIndex(of: "=") else { continue }
      let key = part[..<equals].trimmingCharacters(in: " \t").lowercased()
      var value = part[part.index(after: equals)...].trimmingCharacters(in: " \t")
      if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
      parameters[key] = value
    }
  }

  /// The input format this media type names, if it names one (the same table for data URLs and HTTP).
  ///
  /// `text/plain`, `application/octet-stream` and the like name none: the extension, then the content
  /// decide. So does `application/vnd.ms-excel`, which servers also send for CSV files.
  public var inputFormat: InputFormat? {
    switch type {
    case "text/csv", "text/comma-separated-values", "application/csv", "text/x-csv", "application/x-csv": .csv
    case "application/json", "text/json": .json
    case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl",
      "application/jsonlines", "application/x-jsonlines", "application/json-lines":
      .jsonl
    case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": .xlsx
    default: nil
    }
  }

  /// The text encoding its `charset` parameter names, if it names one Roster reads.
  public var charset: TextEncoding? {
    parameters["charset"].flatMap(TextEncoding.init(charsetName:))
  }
}

extension String {
  /// The string without leading and trailing characters from `set` (ASCII only).
  fileprivate func trimmingCharacters(in set: String) -> String {
    Substring(self).trimmingCharacters(in: set)
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var text = self
    while let first = text.first, set.contains(first) { text = text.dropFirst() }
    while let last = text.last, set.contains(last) { text = text.dropLast() }
    return String(text)
  }
}
