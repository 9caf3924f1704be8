/// One field of every group in the directory, by slot, in chunks of a fixed size.
///
/// An array doubles as it grows, so it holds up to twice what it needs (and, while it copies, three
/// times); a column adds one chunk of `chunkSize` elements at a time and never copies one: at most one
/// chunk is partly empty. Reading a slot costs a shift, a mask and one more load than an array.
struct SlotColumn<Element> {
  private var chunks: [[Element]] = []
  /// How many slots the column holds.
  private(set) var count = 0

  /// Elements in a chunk: a power of two (so a slot splits with a shift and a mask).
  static var chunkShift: Int { 12 }
  static var chunkSize: Int { 1 << chunkShift }

  init() {}

  var indices: Range<Int> { 0..<count }

  /// Adds `element` after the last slot.
  mutating func append(_ element: Element) {
    if count & (Self.chunkSize - 1) == 0 {
      var chunk: [Element] = []
      chunk.reserveCapacity(Self.chunkSize)
      chunks.append(chunk)
    }
    chunks[chunks.count - 1].append(element)
    count += 1
  }

  subscript(slot: Int) -> Element {
    get { chunks[slot &>> Self.chunkShift][slot & (Self.chunkSize - 1)] }
    set { chunks[slot &>> Self.chunkShift][slot & (Self.chunkSize - 1)] = newValue }
  }
}
