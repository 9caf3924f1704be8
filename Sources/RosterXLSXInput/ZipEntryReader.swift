internal import CZlib
import RosterCore

/// Bytes inflated so far across every part of one archive, against `XLSXInputLimits.maxDecompressedBytes`.
final class DecompressionBudget {
  let limits: XLSXInputLimits
  var used: UInt64 = 0
  init(limits: XLSXInputLimits) { self.limits = limits }
}

/// Streams one ZIP entry's uncompressed bytes (stored or raw deflate), checking its size, its CRC-32,
/// the archive's decompressed-size budget and the compression ratio as it goes.
///
/// Memory: one 64 KiB input buffer and zlib's 32 KiB window, whatever the entry's size.
final class ZipEntryReader {
  private let file: ZipFile
  private let entry: ZipEntry
  private let budget: DecompressionBudget
  private var stream: UnsafeMutablePointer<z_stream>?
  private let input: UnsafeMutableRawBufferPointer
  private var nextInputOffset: UInt64
  private var inputLeft: UInt64
  private var produced: UInt64 = 0
  private var crc: UInt = 0
  private var finished = false

  init(file: ZipFile, entry: ZipEntry, budget: DecompressionBudget) throws(RosterError) {
    self.file = file
    self.entry = entry
    self.budget = budget
    guard entry.flags & 1 == 0 else { throw file.fail("\(entry.name) is encrypted") }
    guard entry.method == 0 || entry.method == 8 else {
      throw file.fail("\(entry.name) uses ZIP compression method \(entry.method); only stored and deflate are read")
    }
    if entry.method == 0, entry.compressedSize != entry.uncompressedSize {
      throw file.fail("malformed ZIP archive: stored entry \(entry.name) has two different sizes")
    }
    guard
      entry.uncompressedSize <= budget.limits.maxDecompressedBytes
        - min(budget.used, budget.limits.maxDecompressedBytes)
    else {
      throw file.fail(
        "\(entry.name) declares \(entry.uncompressedSize) bytes, over the limit of \(budget.limits.maxDecompressedBytes) decompressed bytes"
      )
    }
    nextInputOffset = try file.dataOffset(of: entry)
    inputLeft = entry.compressedSize
    input = .allocate(byteCount: 64 << 10, alignment: 16)
    if entry.method == 8 {
      let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
      s.initialize(to: z_stream())
      guard inflateInit2_(s, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        s.deallocate()
        input.deallocate()
        throw file.fail("cannot start zlib inflate")
      }
      stream = s
    }
  }

  deinit {
    if let stream {
      inflateEnd(stream)
      stream.deallocate()
    }
    input.deallocate()
  }

  /// Fills `buffer` with the next uncompressed bytes; returns 0 at the end of the entry.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    if finished || buffer.count == 0 { return 0 }
    let n: Int
    if let stream { n = try inflate(stream, into: buffer) } else { n = try copyStored(into: buffer) }
    if n > 0 {
      produced += UInt64(n)
      budget.used += UInt64(n)
      crc = crc32(crc, buffer.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n))
      try checkLimits()
    }
    if finished {
      guard produced == entry.uncompressedSize else {
        throw file.fail(
          "malformed ZIP archive: \(entry.name) inflates to \(produced) bytes, not the \(entry.uncompressedSize) declared"
        )
      }
      guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
        throw file.fail("malformed ZIP archive: \(entry.name) fails its CRC-32 check")
      }
    }
    return n
  }

  private func checkLimits() throws(RosterError) {
    let limits = budget.limits
    if budget.used > limits.maxDecompressedBytes {
      throw file.fail(
        "the workbook inflates to more than \(limits.maxDecompressedBytes) bytes (the decompressed-size limit; possible zip bomb)"
      )
    }
    if produced > entry.uncompressedSize {
      throw file.fail("malformed ZIP archive: \(entry.name) inflates past its declared \(entry.uncompressedSize) bytes")
    }
    let consumed = max(entry.compressedSize - inputLeft - UInt64(stream?.pointee.avail_in ?? 0), 1)
    if produced > limits.ratioGraceBytes, produced / consumed > limits.maxRatio {
      throw file.fail(
        "\(entry.name) inflates more than \(limits.maxRatio):1 (the compression-ratio limit; possible zip bomb)")
    }
  }

  private func refill() throws(RosterError) -> Int {
    let want = Int(min(UInt64(input.count), inputLeft))
    if want == 0 { return 0 }
    let got = try file.read(at: nextInputOffset, into: UnsafeMutableRawBufferPointer(rebasing: input[0..<want]))
    guard got == want else { throw file.fail("malformed ZIP archive: \(entry.name) is truncated") }
    nextInputOffset += UInt64(got)
    inputLeft -= UInt64(got)
    return got
  }

  private func copyStored(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let want = Int(min(UInt64(buffer.count), inputLeft))
    if want == 0 {
      finished = true
      return 0
    }
    let got = try file.read(at: nextInputOffset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
    guard got == want else { throw file.fail("malformed ZIP archive: \(entry.name) is truncated") }
    nextInputOffset += UInt64(got)
    inputLeft -= UInt64(got)
    if inputLeft == 0 { finished = true }
    return got
  }

  private func inflate(_ s: UnsafeMutablePointer<z_stream>, into buffer: UnsafeMutableRawBufferPointer)
    throws(RosterError)
    -> Int
  {
    s.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
    s.pointee.avail_out = uInt(buffer.count)
    while s.pointee.avail_out > 0 {
      if s.pointee.avail_in == 0 {
        let got = try refill()
        if got == 0 {
          // No more input: whatever was produced is returned; a later call reports the truncation.
          if s.pointee.avail_out < uInt(buffer.count) { break }
          throw file.fail("malformed ZIP archive: \(entry.name) ends before its deflate stream does (truncated?)")
        }
        s.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        s.pointee.avail_in = uInt(got)
      }
      let status = CZlib.inflate(s, Z_NO_FLUSH)
      if status == Z_STREAM_END {
        finished = true
        break
      }
      if status == Z_OK { continue }
      if status == Z_BUF_ERROR, s.pointee.avail_in == 0 { continue }
      throw file.fail("malformed ZIP archive: \(entry.name) is not a valid deflate stream (zlib error \(status))")
    }
    return buffer.count - Int(s.pointee.avail_out)
  }
}
