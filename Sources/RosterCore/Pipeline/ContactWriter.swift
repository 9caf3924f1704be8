/// Receives accepted contacts in input order and writes them somewhere.
public protocol ContactWriter {
  /// Takes `contact` (consumed: a writer that keeps it, as `BackgroundContactWriter` does, needs no copy).
  mutating func write(_ contact: consuming Contact) throws
  /// Completes the output (closing brackets, flushing). Called once, only when the run succeeds.
  mutating func finish() throws
}
