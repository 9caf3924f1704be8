import RosterCore
import Testing

@Suite("Header mapping")
struct HeaderMapTests {
  @Test(arguments: [
    ("Name", ColumnTarget.field(.name)), ("Full Name", .field(.name)), ("display_name", .field(.name)),
    ("FIRST NAME", .field(.firstName)), ("last_name", .field(.lastName)), ("E-mail", .field(.email)),
    ("email address", .field(.email)), ("Phone", .field(.phone)), ("Phone Number", .field(.phone)),
    ("phoneNumber", .field(.phone)), ("mobile", .field(.phone)), (" Type ", .field(.type)),
    ("Groups", .field(.groups)), ("id", .field(.id)), ("Address", .address(["address_line1"])),
    ("Address Line2", .address(["address_line2"])), ("Address Line 2", .address(["address_line2"])),
    ("address.city", .address(["city"])), ("metadata.csv_import", .metadata(["csv_import"])),
    ("metadata.facebook.psid", .metadata(["facebook", "psid"])), ("Metadata.Key", .metadata(["Key"])),
  ])
  func aliasesAndPaths(header: String, target: ColumnTarget) throws {
    let headers = target == .field(.name) ? [header] : ["Name", header]
    let map = try HeaderMap(headers: headers)
    #expect(map.columns.last?.target == target)
    #expect(map.warnings.isEmpty)
  }

  @Test func unknownColumnsAreKeptInMetadataAndWarnedOnce() throws {
    let map = try HeaderMap(headers: ["Name", "Company", "custom.tier", ""])
    #expect(
      map.columns.map(\.target) == [
        .field(.name), .metadata(["Company"]), .metadata(["custom", "tier"]), .metadata(["column_4"]),
      ])
    #expect(map.warnings.count == 3)
    #expect(map.warnings[0].message.contains("\"Company\""))
    #expect(map.warnings[0].header == "Company")
  }

  @Test func conflictingPathsNameBothHeaders() {
    let error = #expect(throws: HeaderError.self) {
      try HeaderMap(headers: ["Name", "metadata.a.b", "metadata.a"])
    }
    #expect(error?.code == "header.path_conflict")
    #expect(error?.headers == ["metadata.a", "metadata.a.b"])
    #expect(error?.message.contains("\"metadata.a\"") == true)
    #expect(error?.message.contains("\"metadata.a.b\"") == true)
  }

  @Test func conflictsAreFoundInEitherOrderAmongThousandsOfColumns() {
    let many = (0..<20_000).map { "metadata.k\($0).x" }
    for headers in [
      ["Name"] + many + ["metadata.k7"], ["Name", "metadata.k7"] + many,
      ["Name"] + many + ["address.a", "address.a.b"],
    ] {
      let started = ContinuousClock.now
      let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: headers) }
      #expect(error?.code == "header.path_conflict")
      // Comparing every pair would take 2 × 10^8 comparisons here.
      #expect(ContinuousClock.now - started < .seconds(30))
    }
    let wide = (0..<20_000).map { "c\($0)" }
    #expect(throws: Never.self) { try HeaderMap(headers: ["Name"] + wide + ["metadata.k.x", "metadata.j"]) }
    let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: ["Name"] + wide + ["Email", "Mail"]) }
    #expect(error?.headers == ["Email", "Mail"])
  }

  @Test(arguments: [
    (["Name", "metadata.a", "metadata.a.b"], ["metadata.a", "metadata.a.b"]),
    (["Name", "address.x.y.z", "Email", "address.x"], ["address.x", "address.x.y.z"]),
    (["Name", "address.x", "metadata.x.y", "address.x.y.z"], ["address.x", "address.x.y.z"]),
  ])
  func aPathUnderAnotherColumnsPathIsFatalInEitherOrder(headers: [String], named: [String]) {
    let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: headers) }
    #expect(error?.code == "header.path_conflict")
    #expect(error?.headers == named)
  }

  @Test func pathsInAddressAndMetadataDoNotConflict() throws {
    let map = try HeaderMap(headers: ["Name", "address.x", "metadata.x.y", "metadata.z", "address.z.w"])
    #expect(map.columns.count == 5)
    #expect(map.metadataPaths == [["x", "y"], ["z"]])
  }

  /// A fuzzer found the conflict check comparing every pair of columns: a 5,001-column header took
  /// 92 s in a release build. Now each column is looked up once, and the metadata paths are gathered
  /// through a set (a list lookup made this header take 55 s in a debug build; linear, it takes about
  /// 1 s there, so the bound below leaves room for sanitizers and a loaded machine while still catching
  /// a quadratic step, which would take minutes at this width).
  @Test func aWideHeaderMapsInLinearTime() throws {
    let headers = ["Name"] + Array(repeating: "Address Line 2", count: 40_000) + (0..<40_000).map { "m.k\($0).v" }
    let start = ContinuousClock.now
    let map = try HeaderMap(headers: headers)
    #expect(map.columns.count == 80_001)
    #expect(map.metadataPaths.count == 40_000)
    #expect(ContinuousClock.now - start < .seconds(60))
  }

  @Test(arguments: ["metadata..x", "metadata.", ".x", "address. .city"])
  func emptySegmentsAreFatal(header: String) {
    let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: ["Name", header]) }
    #expect(error?.code == "header.empty_segment")
    #expect(error?.headers == [header])
  }

  @Test func differentHeadersForOneFieldAreFatal() {
    let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: ["Name", "Email", "Mail"]) }
    #expect(error?.code == "header.duplicate")
    #expect(error?.headers == ["Email", "Mail"])
  }

  @Test func identicalHeadersAreMerged() throws {
    let map = try HeaderMap(headers: ["Name", "Email", "e-mail", "E MAIL"])
    #expect(map.columns.count == 4)
    #expect(map.header(for: .email) == "Email")
  }

  @Test func aNameColumnIsRequired() {
    let error = #expect(throws: HeaderError.self) { try HeaderMap(headers: ["Email", "Phone"]) }
    #expect(error?.code == "header.missing_name")
    #expect(throws: Never.self) { try HeaderMap(headers: ["Last Name"]) }
  }
}
