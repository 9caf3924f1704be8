import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// A temporary file beside a destination, renamed over it when complete and removed otherwise.
///
/// Created with `mkstemps` in the destination's directory, so an unwritable directory fails at once
/// (before any row), and the final `rename` is atomic on the same file system. Names look like
/// `.contacts.xlsx.Ab12Cd.roster-tmp`, as `RosterFormats.AtomicFile` names its own.
///
/// `RosterFormats.ConversionJob` registers `path` with `TemporaryFiles` (creating this file with
/// signals held), so a signal that ends the run removes it too.
struct SiblingTemporaryFile {
  let destination: String
  let path: String

  /// Creates the empty temporary file (mode 0644).
  ///
  /// - Throws: `RosterError` (output) when the destination is a directory, or its directory does not
  ///   exist or cannot be written.
  init(destination: String) throws(RosterError) {
    self.destination = destination
    var status = stat()
    if stat(destination, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
      throw RosterError(.output, file: destination, "is a directory; name a file to write the workbook to")
    }
    let slash = destination.utf8.lastIndex(of: UInt8(ascii: "/"))
    let directory = slash.map { String(destination[...$0]) } ?? ""
    let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
    let suffix = ".roster-tmp"
    var template = Array((directory + "." + base + ".XXXXXX" + suffix).utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
    guard descriptor >= 0 else {
      throw RosterError(
        .output, file: destination,
        "cannot write here: \(String(cString: strerror(errno))); check the directory exists and is writable")
    }
    fchmod(descriptor, 0o644)
    close(descriptor)
    path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// Syncs the finished file to disk and renames it over the destination; removes it on failure.
  func commit() throws(RosterError) {
    let descriptor = open(path, O_RDONLY)
    if descriptor < 0 || fsync(descriptor) != 0 {
      let code = errno
      if descriptor >= 0 { close(descriptor) }
      remove()
      throw RosterError(.output, file: destination, "write failed: \(String(cString: strerror(code)))")
    }
    close(descriptor)
    if rename(path, destination) != 0 {
      let code = errno
      remove()
      throw RosterError(.output, file: destination, "cannot replace the file: \(String(cString: strerror(code)))")
    }
  }

  /// Removes the temporary file (the destination is left as it was).
  func remove() {
    unlink(path)
  }
}
