public import RosterCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One file of a ZIP archive as its central directory describes it.
struct ZipEntry: Sendable {
  var name: String
  var flags: UInt16
  var method: UInt16
  var crc32: UInt32
  var compressedSize: UInt64
  var uncompressedSize: UInt64
  var localHeaderOffset: UInt64
}

/// A ZIP archive opened for random access (`pread`): its central directory, and the bytes of its entries.
///
/// Every system call of the XLSX reader goes through this class.
final class ZipFile {
  let displayName: String
  let size: UInt64
  /// Entries by lower-cased name (OPC part names are case-insensitive).
  private(set) var entries: [String: ZipEntry] = [:]
  private let descriptor: Int32

  convenience init(path: String, displayName: String, limits: XLSXInputLimits) throws(RosterError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let reason = String(cString: strerror(errno))
      throw RosterError(.input, file: displayName, "cannot open the workbook: \(reason)")
    }
    try self.init(ownedDescriptor: fd, displayName: displayName, limits: limits)
  }

  /// Reads the archive through a duplicate of `descriptor` (an open regular file, such as an unlinked
  /// temporary copy); the caller keeps its own descriptor.
  convenience init(descriptor: Int32, displayName: String, limits: XLSXInputLimits) throws(RosterError) {
    let fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
    if fd < 0 {
      let reason = String(cString: strerror(errno))
      throw RosterError(.input, file: displayName, "cannot open the workbook: \(reason)")
    }
    try self.init(ownedDescriptor: fd, displayName: displayName, limits: limits)
  }

  /// Takes ownership of `fd` (closed on failure and at deinit).
  private init(ownedDescriptor fd: Int32, displayName: String, limits: XLSXInputLimits) throws(RosterError) {
    self.displayName = displayName
    var info = stat()
    if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
      close(fd)
      throw RosterError(.input, file: displayName, "the workbook is not a regular file")
    }
    descriptor = fd
    size = UInt64(info.st_size)
    try readCentralDirectory(limits: limits)
  }

  deinit { close(descriptor) }

  func fail(_ message: String) -> RosterError {
    RosterError(.input, file: displayName, message)
  }

  /// Reads up to `count` bytes at `offset` into `buffer`; fewer only at the end of the file.
  func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    var done = 0
    while done < buffer.count {
      let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw fail("cannot read the workbook: \(String(cString: strerror(errno)))")
      }
      if n == 0 { break }
      done += n
    }
    return done
  }

  /// Exactly `count` bytes at `offset`, or an error naming `what`.
  func bytes(at offset: UInt64, count: Int, what: String) throws(RosterError) -> [UInt8] {
    guard offset <= size, UInt64(count) <= size - offset else {
      throw fail("malformed ZIP archive: \(what) lies outside the file")
    }
    var result = [UInt8](repeating: 0, count: count)
    var got = 0
    var failure: RosterError?
    result.withUnsafeMutableBytes { raw in
      do throws(RosterError) { got = try read(at: offset, into: raw) } catch { failure = error }
    }
    if let failure { throw failure }
    guard got == count else { throw fail("malformed ZIP archive: \(what) is truncated") }
    return result
  }

  private func readCentralDirectory(limits: XLSXInputLimits) throws(RosterError) {
    let notZip = "not an XLSX workbook: no ZIP end-of-central-directory record (is the file truncated?)"
    guard size >= 22 else { throw fail(notZip) }
    let tailCount = Int(min(size, 22 + 65_535))
    let tailOffset = size - UInt64(tailCount)
    let tail = try bytes(at: tailOffset, count: tailCount, what: "the end record")
    var found = -1
    var i = tailCount - 22
    while i >= 0 {
      if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06,
        i + 22 + Int(tail.u16(i + 20)) <= tailCount
      {
        found = i
        break
      }
      i -= 1
    }
    guard found >= 0 else { throw fail(notZip) }
    var count = UInt64(tail.u16(found + 10))
    var directorySize = UInt64(tail.u32(found + 12))
    var directoryOffset = UInt64(tail.u32(found + 16))
    if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // ZIP64: the locator sits just before the end record.
      let endOffset = tailOffset + UInt64(found)
      guard endOffset >= 20 else { throw fail("malformed ZIP64 archive: no locator") }
      let locator = try bytes(at: endOffset - 20, count: 20, what: "the ZIP64 locator")
      guard locator.u32(0) == 0x0706_4B50 else { throw fail("malformed ZIP64 archive: no locator") }
      let record = try bytes(at: locator.u64(8), count: 56, what: "the ZIP64 end record")
      guard record.u32(0) == 0x0606_4B50 else { throw fail("malformed ZIP64 archive: bad end record") }
      count = record.u64(32)
      directorySize = record.u64(40)
      directoryOffset = record.u64(48)
    }
    guard count <= UInt64(limits.maxEntries) else {
      throw fail("the ZIP archive lists \(count) entries, more than the limit of \(limits.maxEntries)")
    }
    guard directorySize <= 64 << 20 else { throw fail("malformed ZIP archive: central directory too large") }
    let directory = try bytes(at: directoryOffset, count: Int(directorySize), what: "the central directory")
    var p = 0
    for _ in 0..<count {
      guard p + 46 <= directory.count, directory.u32(p) == 0x0201_4B50 else {
        throw fail("malformed ZIP archive: bad central directory entry")
      }
      let nameLength = Int(directory.u16(p + 28))
      let extraLength = Int(directory.u16(p + 30))
      let commentLength = Int(directory.u16(p + 32))
      let next = p + 46 + nameLength + extraLength + commentLength
      guard next <= directory.count else { throw fail("malformed ZIP archive: bad central directory entry") }
      var entry = ZipEntry(
        name: String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
        flags: directory.u16(p + 8), method: directory.u16(p + 10), crc32: directory.u32(p + 16),
        compressedSize: UInt64(directory.u32(p + 20)), uncompressedSize: UInt64(directory.u32(p + 24)),
        localHeaderOffset: UInt64(directory.u32(p + 42)))
      // ZIP64 extended information (header 0x0001): only the fields saturated above, in this order.
      var x = p + 46 + nameLength
      let extraEnd = x + extraLength
      while x + 4 <= extraEnd {
        let id = directory.u16(x)
        let length = Int(directory.u16(x + 2))
        var q = x + 4
        let end = min(q + length, extraEnd)
        if id == 0x0001 {
          if entry.uncompressedSize == 0xFFFF_FFFF, q + 8 <= end {
            entry.uncompressedSize = directory.u64(q)
            q += 8
          }
          if entry.compressedSize == 0xFFFF_FFFF, q + 8 <= end {
            entry.compressedSize = directory.u64(q)
            q += 8
          }
          if entry.localHeaderOffset == 0xFFFF_FFFF, q + 8 <= end { entry.localHeaderOffset = directory.u64(q) }
        }
        x += 4 + length
      }
      entries[entry.name.lowercased()] = entry
      p = next
    }
  }

  /// The entry named `name` (case-insensitive), if any.
  func entry(_ name: String) -> ZipEntry? { entries[name.lowercased()] }

  /// Where `entry`'s compressed bytes start, checked against the file's size.
  func dataOffset(of entry: ZipEntry) throws(RosterError) -> UInt64 {
    let header = try bytes(at: entry.localHeaderOffset, count: 30, what: "the local header of \(entry.name)")
    guard header.u32(0) == 0x0403_4B50 else { throw fail("malformed ZIP archive: bad local header for \(entry.name)") }
    let start = entry.localHeaderOffset + 30 + UInt64(header.u16(26)) + UInt64(header.u16(28))
    guard start <= size, entry.compressedSize <= size - start else {
      throw fail("malformed ZIP archive: \(entry.name) runs past the end of the file (is it truncated?)")
    }
    return start
  }
}

extension [UInt8] {
  @inline(__always) func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
  @inline(__always) func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
  @inline(__always) func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}

/// What a ZIP archive's central directory says of its parts, for checking an archive just written.
public enum ZipDirectory {
  /// The uncompressed size of each part of the archive at `path`, by lower-cased name, as its central
  /// directory records it (nothing is inflated; any number of bytes is allowed).
  ///
  /// - Throws: `RosterError` (input) when the file cannot be opened or is not a ZIP archive.
  public static func uncompressedSizes(ofArchiveAt path: String, displayName: String) throws(RosterError)
    -> [String: UInt64]
  {
    let archive = try ZipFile(path: path, displayName: displayName, limits: XLSXInputLimits())
    return archive.entries.mapValues(\.uncompressedSize)
  }
}
