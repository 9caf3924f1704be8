/// Looks at each valid row (validated, identity assigned) before group linking, for `--dedupe`.
public protocol DuplicateHandler: AnyObject {
  /// Rejects `contact` as a duplicate (a problem), or merges earlier-seen sources into it (merge
  /// records and conflict warnings), or leaves it as it is.
  ///
  /// `fingerprintSupplied` tells whether the row gave its fingerprint (for naming headers).
  func handle(
    _ contact: inout Contact, at position: RowPosition, fingerprintSupplied: Bool, problems: inout [IssueDetail],
    warnings: inout [RunWarning], merges: inout [MergeRecord]
  ) throws
}

/// `--dedupe report`: a row whose key an earlier valid row had is rejected (`duplicate.key`), naming
/// that row's index. One pass: the first occurrence is always read first.
public final class DuplicateRejecter: DuplicateHandler {
  public let key: DedupeKey
  public private(set) var table = DuplicateKeyTable()
  private let headers: [ContactField: String]

  /// `headers` names the input's header of each field, for `errors`.
  public init(key: DedupeKey, headers: [ContactField: String]) {
    self.key = key
    self.headers = headers
  }

  public func handle(
    _ contact: inout Contact, at position: RowPosition, fingerprintSupplied: Bool, problems: inout [IssueDetail],
    warnings: inout [RunWarning], merges: inout [MergeRecord]
  ) throws {
    guard let digest = key.digest(of: contact),
      let first = try table.firstOccurrence(of: digest, row: position.index)
    else { return }
    problems += Self.details(
      key: key, of: contact, fingerprintSupplied: fingerprintSupplied, firstRow: first.row, headers: headers)
  }

  /// The `duplicate.key` details for `contact`, one per key field it has, each naming `firstRow`.
  public static func details(
    key: DedupeKey, of contact: Contact, fingerprintSupplied: Bool, firstRow: Int, headers: [ContactField: String]
  ) -> [IssueDetail] {
    let message =
      "duplicates row \(firstRow) by --dedupe-key \(key.rawValue)"
      + (key == .fingerprint || key == .phone ? "" : " (emails compared case-insensitively)")
      + "; the first occurrence is kept"
    var fields: [(ContactField, String?)] = []
    switch key {
    case .fingerprint where !fingerprintSupplied:
      // A derived fingerprint: the fields it is derived from.
      fields = [(.name, contact.name), (.email, contact.email), (.phone, contact.phone)]
    case .fingerprint: fields = [(.fingerprint, contact.fingerprint)]
    case .email: fields = [(.email, contact.email)]
    case .phone: fields = [(.phone, contact.phone)]
    case .emailAndPhone: fields = [(.email, contact.email), (.phone, contact.phone)]
    }
    var details: [IssueDetail] = []
    for (field, value) in fields where value != nil {
      let header = headers[field] ?? (field == .name ? headers[.firstName] ?? headers[.lastName] : nil)
      details.append(
        IssueDetail(header: header, field: field.rawValue, code: "duplicate.key", message: message, value: value))
    }
    return details
  }
}
