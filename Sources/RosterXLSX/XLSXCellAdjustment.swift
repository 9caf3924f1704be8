public import RosterCore

/// A value the XLSX writer had to change so Excel can hold it, for the report's warnings.
///
/// See `XLSXContactWriter` for the policy. The workbook itself is complete and valid; this records
/// where a cell differs from the value Roster was given.
public struct XLSXCellAdjustment: Hashable, Sendable, CustomStringConvertible {
  /// What was changed.
  public enum Kind: String, Hashable, Sendable {
    /// The value was longer than Excel's 32,767 UTF-16 units and was cut at a character boundary.
    case truncated = "xlsx.value_truncated"
    /// NUL characters were replaced by U+FFFD.
    case nulReplaced = "xlsx.nul_replaced"
    /// U+FFFE or U+FFFF (not allowed in XML) were replaced by U+FFFD.
    case noncharacterReplaced = "xlsx.noncharacter_replaced"
    /// An Issues row had more original values than Excel has columns; the rest were left out.
    case columnsDropped = "xlsx.columns_dropped"
  }

  public var kind: Kind
  /// The worksheet, such as `Contacts`, `Contacts 2` or `Issues`.
  public var sheet: String
  /// The row as Excel numbers it (1 is the header row).
  public var row: Int
  /// The column's header in that sheet.
  public var column: String
  /// The contact's id, for a cell of a Contacts sheet.
  public var contactID: String?
  /// The input row, for a cell of an Issues sheet.
  public var position: RowPosition?
  /// A plain sentence: what was changed and by how much.
  public var message: String

  public init(
    kind: Kind, sheet: String, row: Int, column: String, contactID: String? = nil, position: RowPosition? = nil,
    message: String
  ) {
    self.kind = kind
    self.sheet = sheet
    self.row = row
    self.column = column
    self.contactID = contactID
    self.position = position
    self.message = message
  }

  /// The stable code, for a `RunWarning`.
  public var code: IssueCode { IssueCode(rawValue: kind.rawValue) }

  /// `Contacts!G12 (phone): message`-like text: sheet, row, column and message.
  public var description: String { "\(sheet) row \(row), column \"\(column)\": \(message)" }
}
