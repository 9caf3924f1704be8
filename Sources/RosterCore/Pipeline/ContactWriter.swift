/// Receives accepted contacts in input order and writes them somewhere.
public protocol ContactWriter {
  /// Takes `contact` (consumed: a writer that keeps it, as `BackgroundContactWriter` does, needs no copy).
  mutating func write(_ contact: consuming Contact) throws
  /// Writes a contact whose output this writer rendered ahead (`rendered`) except for what group
  /// linking decides; `contact` then holds only its type, id, name, groups and members. With `nil`,
  /// the same as `write(_:)`. Only writers that render ahead (JSON) are given parts; the default
  /// implementation takes whole contacts only.
  mutating func write(_ contact: consuming Contact, rendered: RenderedParts?) throws
  /// Completes the output (closing brackets, flushing). Called once, only when the run succeeds.
  mutating func finish() throws
}

extension ContactWriter {
  public mutating func write(_ contact: consuming Contact, rendered: RenderedParts?) throws {
    // A run that renders ahead chooses a writer that takes the parts; anything else would drop fields.
    guard rendered == nil else {
      throw RosterError(.output, "internal error: \(Self.self) writes whole contacts, not rendered parts")
    }
    try write(contact)
  }
}

/// A contact's output rendered ahead by its writer (on the thread that validated the row), around the
/// fields only group linking decides (groups, members), which the writer adds when it writes it.
public struct RenderedParts: Sendable {
  /// The output before the linked fields, then the output after them.
  public var bytes: [UInt8]
  /// How many of `bytes` come before the linked fields.
  public var prefixCount: Int
  /// How many cells of `bytes` the CSV formula guard prefixed with `'` (0 for JSON).
  public var guardedCells: Int

  public init(bytes: [UInt8], prefixCount: Int, guardedCells: Int = 0) {
    self.bytes = bytes
    self.prefixCount = prefixCount
    self.guardedCells = guardedCells
  }
}
