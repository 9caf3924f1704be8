// swift-tools-version: 6.0
import PackageDescription

/// Strict settings applied to every target in one place.
let strictSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "Roster",
  products: [
    .library(name: "RosterCore", targets: ["RosterCore"]),
    .library(name: "RosterFormats", targets: ["RosterFormats"]),
    .library(name: "RosterXLSX", targets: ["RosterXLSX"]),
    .executable(name: "roster", targets: ["roster"]),
    .executable(name: "roster-bench", targets: ["RosterBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // Contact model, header mapping, dot-notation, validation, identity, issues, pipeline.
    // No package dependencies: everything else builds on it.
    .target(name: "RosterCore", dependencies: ["CSHA1Hardware"]),
    // SHA-1 block compression on the CPU's SHA instructions (x86-64), which RosterCore uses when the
    // CPU has them: plain C with compiler intrinsics, no library.
    // DWARF 4 debug info: valgrind 3.19 (scripts/bench --callgrind) cannot read clang's DWARF 5.
    .target(name: "CSHA1Hardware", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
    // libyaml 0.2.5 from Debian's libyaml-dev, and the one Swift layer over it (the metadata cell).
    .systemLibrary(name: "CLibYAML", providers: [.apt(["libyaml-dev"])]),
    .target(name: "RosterYAML", dependencies: ["CLibYAML", "RosterCore"]),
    // libxlsxwriter 1.1.4 from Debian's libxlsxwriter-dev, and the one Swift layer over it (XLSX output).
    .systemLibrary(name: "CXLSXWriter", providers: [.apt(["libxlsxwriter-dev"])]),
    // It reads back the central directory of each workbook it writes (RosterXLSXInput's ZIP reader).
    .target(name: "RosterXLSX", dependencies: ["RosterCore", "CXLSXWriter", "RosterXLSXInput"]),
    // zlib from Debian's zlib1g-dev, and the XLSX reader over it (streaming ZIP inflate, XML tokenizer).
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "RosterXLSXInput", dependencies: ["RosterCore", "CZlib"]),
    // libcurl from Debian's libcurl4-openssl-dev, and the one Swift layer over it (http and https input).
    .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .target(name: "RosterHTTP", dependencies: ["CCurl", "RosterCore"]),
    // glibc's fallocate(2), which Swift's Glibc module leaves out: temporary files give back what
    // was read (hole punching). A header only; the call is in libc.
    .systemLibrary(name: "CFileSpace"),
    // Readers and writers: bytes in, bytes out.
    .target(
      name: "RosterFormats",
      dependencies: ["RosterCore", "RosterYAML", "RosterXLSX", "RosterXLSXInput", "RosterHTTP", "CFileSpace"]),
    // The thin command-line front end.
    .executableTarget(
      name: "roster",
      dependencies: [
        "RosterCore", "RosterFormats",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Throughput measurements, built in release mode by scripts/bench (never timed unit tests).
    .executableTarget(name: "RosterBench", dependencies: ["RosterCore"]),
    // Fixture paths and a process runner shared by the test targets.
    .target(name: "RosterTestSupport", path: "Tests/RosterTestSupport"),
    // The fuzz targets' bodies (scripts/fuzz), also replayed on Fixtures/fuzz/ by RosterFormatsTests.
    .target(
      name: "RosterFuzzHarness",
      dependencies: ["RosterCore", "RosterFormats", "RosterYAML", "RosterXLSXInput", "CZlib"],
      path: "Tests/Fuzz/Harness"),
    .testTarget(name: "RosterCoreTests", dependencies: ["RosterCore", "RosterTestSupport"]),
    .testTarget(
      name: "RosterFormatsTests",
      dependencies: ["RosterCore", "RosterFormats", "RosterTestSupport", "RosterFuzzHarness"]),
    .testTarget(name: "RosterCLITests", dependencies: ["roster", "RosterTestSupport"]),
    .testTarget(
      name: "RosterXLSXInputTests", dependencies: ["RosterXLSXInput", "RosterCore", "RosterTestSupport"]),
    .testTarget(name: "RosterHTTPTests", dependencies: ["RosterHTTP", "RosterCore", "RosterTestSupport"]),
    .testTarget(name: "RosterYAMLTests", dependencies: ["RosterYAML", "RosterCore", "RosterTestSupport"]),
    .testTarget(
      name: "RosterXLSXTests", dependencies: ["RosterXLSX", "RosterCore", "RosterFormats", "RosterTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)

// Coverage-guided fuzz targets (libFuzzer), built only by scripts/fuzz: they link only with
// `--sanitize fuzzer`, so the normal build and `swift test` never see them. Their bodies live in
// RosterFuzzHarness, which `swift test` uses to replay Fixtures/fuzz/.
if Context.environment["ROSTER_FUZZ"] == "1" {
  for (product, name) in [
    ("fuzz-csv", "CSV"), ("fuzz-json", "JSON"), ("fuzz-data-url", "DataURL"), ("fuzz-xlsx", "XLSX"),
    ("fuzz-xlsx-parts", "XLSXParts"), ("fuzz-yaml", "YAML"), ("fuzz-pipeline", "Pipeline"),
  ] {
    package.targets.append(
      .executableTarget(
        name: "Fuzz\(name)", dependencies: ["RosterFuzzHarness"], path: "Tests/Fuzz/Fuzz\(name)",
        // libFuzzer supplies `main`; the entry point is `LLVMFuzzerTestOneInput`.
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: product, targets: ["Fuzz\(name)"]))
  }
}

for target in package.targets where target.type != .system && target.name != "CSHA1Hardware" {
  target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
