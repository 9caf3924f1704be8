import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.xlsx`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.xlsx, data, size, scratch: scratch)
}
