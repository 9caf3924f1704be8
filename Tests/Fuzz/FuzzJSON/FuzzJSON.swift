import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.json`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.json, data, size, scratch: scratch)
}
