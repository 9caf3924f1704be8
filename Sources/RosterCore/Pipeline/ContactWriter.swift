/// Receives accepted contacts in input order and writes them somewhere.
public protocol ContactWriter {
  mutating func write(_ contact: Contact) throws
  /// Completes the output (closing brackets, flushing). Called once, only when the run succeeds.
  mutating func finish() throws
}
