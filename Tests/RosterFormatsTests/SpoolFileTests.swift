import Glibc
import RosterCore
import Testing

@testable import RosterFormats

/// Temporary files read back once give their storage back as they are read.
@Suite("Spool file")
struct SpoolFileTests {
  /// Writes `megabytes` MiB of numbered bytes to a new spool file.
  private func filledSpool(megabytes: Int) throws -> SpoolFile {
    let spool = try SpoolFile()
    var block = [UInt8](repeating: 0, count: 1 << 20)
    for number in 0..<megabytes {
      for index in block.indices { block[index] = UInt8(truncatingIfNeeded: index &* 31 &+ number) }
      try block.withUnsafeBufferPointer { try spool.output.write($0) }
    }
    try spool.rewindForReading()
    return spool
  }

  /// Bytes the file holds on disk (or in memory, on tmpfs).
  private func allocatedBytes(_ spool: SpoolFile) -> Int {
    var status = stat()
    guard fstat(spool.fileDescriptor, &status) == 0 else { return -1 }
    return Int(status.st_blocks) * 512
  }

  /// Reading 40 MiB back with `releasesReadBytes` gives every byte in order and leaves the file
  /// holding less than the last release step (8 MiB) plus what the read position runs ahead; the
  /// same read without it keeps all 40 MiB.
  @Test(arguments: [true, false])
  func readingBackGivesTheReadBytesBack(releasing: Bool) throws {
    let megabytes = 40
    let spool = try filledSpool(megabytes: megabytes)
    spool.releasesReadBytes = releasing
    var buffer = [UInt8](repeating: 0, count: 100_000)  // not a divisor of a step
    var offset = 0
    var mismatches = 0
    while true {
      let count = try buffer.withUnsafeMutableBytes { try spool.readNext(into: $0) }
      if count == 0 { break }
      for index in 0..<count {
        let position = offset + index
        let expected = UInt8(truncatingIfNeeded: (position & ((1 << 20) - 1)) &* 31 &+ (position >> 20))
        if buffer[index] != expected { mismatches += 1 }
      }
      offset += count
    }
    #expect(offset == megabytes << 20)
    #expect(mismatches == 0)
    let allocated = allocatedBytes(spool)
    if releasing {
      #expect(allocated < 9 << 20, "\(allocated) bytes still allocated")
    } else {
      #expect(allocated >= megabytes << 20)
    }
  }

  /// Rewinding starts the count again: a second read after a rewind is not cut by the first one's
  /// releases when the first read stopped before a step.
  @Test func aReadShorterThanAStepReleasesNothing() throws {
    let spool = try filledSpool(megabytes: 6)
    spool.releasesReadBytes = true
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var total = 0
    while case let count = try buffer.withUnsafeMutableBytes({ try spool.readNext(into: $0) }), count > 0 {
      total += count
    }
    #expect(total == 6 << 20)
    #expect(allocatedBytes(spool) >= 6 << 20)
  }
}

/// `Array.reverseByMoving`, which batches use to hand rows on in order without copying them.
@Suite("Reversing by moving")
struct ReverseByMovingTests {
  final class Tracked {
    let number: Int
    init(_ number: Int) { self.number = number }
  }

  /// The same order as `reversed()` at every length around the middle cases, and each element still
  /// held only by the array (a copy left behind would hold a second reference).
  @Test(arguments: [0, 1, 2, 3, 4, 7, 128, 129])
  func reversesInPlace(count: Int) {
    var elements = (0..<count).map { (Tracked($0), "row \($0) with a name longer than fifteen bytes") }
    elements.reverseByMoving()
    #expect(elements.map(\.0.number) == Array((0..<count).reversed()))
    #expect(elements.map(\.1) == (0..<count).reversed().map { "row \($0) with a name longer than fifteen bytes" })
    for index in elements.indices { #expect(isKnownUniquelyReferenced(&elements[index].0)) }
  }
}

/// The spool's contact codec reads back what it wrote, whatever the id, position and name lengths.
@Suite("Contact spool codec")
struct ContactSpoolCodecTests {
  @Test(arguments: [
    "0f8fad5b-d9cb-469f-a165-70867728950e",  // a UUID: kept as 16 bytes
    "0F8FAD5B-D9CB-469F-A165-70867728950E",  // uppercase: kept as text, as written
    "0f8fad5b-d9cb-469f-a165-70867728950",  // one digit short
    "crm-42", "", String(repeating: "é", count: 300),
  ])
  func roundTrips(id: String) throws {
    var contact = Contact()
    contact.id = id
    contact.type = .group
    contact.name = String(repeating: "Team ", count: 40)  // over 127 bytes: a two-byte length
    contact.email = "ines@example.org"
    contact.groups = [
      GroupReference(name: "Team 1", id: ""), GroupReference(name: "", id: id, isPrimary: true),
      GroupReference(name: String(repeating: "x", count: 20_000), id: "g"),
    ]
    contact.metadata.set("gold", at: ["tier"])
    for position in [
      RowPosition(index: 0, line: 2), RowPosition(index: 127, line: 128), RowPosition(index: 1 << 40, line: Int.max),
    ] {
      var bytes = SpoolRecordBytes()
      ContactSpoolCodec.append(contact, at: position, to: &bytes)
      var slice = ArraySlice(Array(bytes.bytes))
      let decoded = try #require(ContactSpoolCodec.decode(&slice))
      #expect(decoded.0 == contact)
      #expect(decoded.1 == position)
      #expect(slice.isEmpty)
      // Cut short anywhere: nil, never a crash.
      for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
        var short = ArraySlice(Array(bytes.bytes.prefix(cut)))
        #expect(ContactSpoolCodec.decode(&short) == nil)
      }
    }
  }
}
