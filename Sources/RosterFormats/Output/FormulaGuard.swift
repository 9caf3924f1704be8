/// Whether CSV output defuses cells that a spreadsheet would run as formulas (`--formula-guard`).
///
/// OWASP's advice against CSV injection: a cell that begins with `=`, `+`, `-`, `@`, tab (0x09) or
/// CR (0x0D) is written with a leading `'`, so Excel and LibreOffice read it as text, not a formula.
/// `on` is the default, so a CSV Roster writes is safe to double-click; `off` writes every cell
/// exactly as the contact holds it (what a lossless CSV → CSV round trip needs).
///
/// ```swift
/// FormulaGuard.guarded("=HYPERLINK(\"http://x\")")  // "'=HYPERLINK(\"http://x\")"
/// FormulaGuard.guarded("Ann")                       // nil: nothing to defuse
/// ```
public enum FormulaGuard: String, CaseIterable, Sendable {
  /// Prefix formula-like cells with `'`.
  case on
  /// Write every cell as it is.
  case off

  /// `cell` with a leading `'` when its first byte makes a spreadsheet read it as a formula, else `nil`.
  public static func guarded(_ cell: String) -> String? {
    switch cell.utf8.first {
    case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: "'" + cell
    default: nil
    }
  }

  /// Whether `cell` is a phone number as Roster's validator writes it (E.164: `+` and 1 to 15
  /// digits), which stays exact: at worst a spreadsheet shows it as a number; nothing in it can run.
  public static func isValidatedPhone(_ cell: String) -> Bool {
    let utf8 = cell.utf8
    guard utf8.first == UInt8(ascii: "+"), (2...16).contains(utf8.count) else { return false }
    return utf8.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }
}
