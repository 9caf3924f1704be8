import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.yaml`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.yaml, data, size, scratch: scratch)
}
