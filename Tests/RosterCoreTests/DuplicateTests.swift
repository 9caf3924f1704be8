import RosterCore
import Testing

@Suite("Duplicate keys and merges")
struct DuplicateTests {
  @Test func theTableFindsEveryFirstOccurrenceAcrossGrowth() throws {
    var table = DuplicateKeyTable()
    let keys = (0..<10_000).map { DuplicateDigest("key \($0)") }
    for (row, digest) in keys.enumerated() {
      #expect(try table.firstOccurrence(of: digest, row: row) == nil)
    }
    #expect(table.count == 10_000)
    for (row, digest) in keys.enumerated() where row % 97 == 0 {
      #expect(try table.firstOccurrence(of: digest, row: 20_000 + row)?.row == row)
    }
    #expect(table.count == 10_000)
    // Doubled at 768, 1,536, 3,072 and 6,144 keys (three quarters full): 16,384 slots of 20 bytes.
    #expect(table.byteCount == 16_384 * 20)
  }

  @Test func theTableKeepsFirstIdsWhenAsked() throws {
    var table = DuplicateKeyTable(keepsIDs: true)
    let uuid = "5eb6a86b-f558-5ad9-a85b-93025c23056b"
    #expect(try table.firstOccurrence(of: DuplicateDigest("a"), row: 0, id: uuid) == nil)
    #expect(try table.firstOccurrence(of: DuplicateDigest("b"), row: 1, id: "crm-7") == nil)
    #expect(try table.firstOccurrence(of: DuplicateDigest("a"), row: 5)?.id == uuid)
    #expect(try table.firstOccurrence(of: DuplicateDigest("b"), row: 6)?.id == "crm-7")
  }

  @Test func keysCompareEmailsCaseInsensitivelyAndNeedTheirFields() {
    var a = Contact()
    a.name = "A"
    a.email = "Ann@Example.com"
    a.fingerprint = "f"
    var b = a
    b.email = "ann@example.COM"
    #expect(DedupeKey.email.digest(of: a) == DedupeKey.email.digest(of: b))
    #expect(DedupeKey.phone.digest(of: a) == nil)
    #expect(DedupeKey.emailAndPhone.digest(of: a) == DedupeKey.emailAndPhone.digest(of: b))
    b.phone = "+442079460958"
    #expect(DedupeKey.emailAndPhone.digest(of: a) != DedupeKey.emailAndPhone.digest(of: b))
    var group = a
    group.type = .group
    #expect(DedupeKey.fingerprint.digest(of: group) == nil)
    // Kinds never meet: a phone that reads like an email key is another key.
    #expect(DedupeKey.email.text(of: a)?.hasPrefix("e\u{1F}") == true)
  }

  @Test func mergeFillsMissingFieldsAndReportsConflicts() {
    var destination = Contact()
    destination.name = "Ann Lee"
    destination.email = "ann@example.com"
    destination.metadata.set("gold", at: ["tier"])
    destination.metadata.set("c1", at: ["conversations", "0", "id"])
    destination.address.set("London", at: ["city"])
    destination.groups = [GroupReference(name: "Sales", id: "")]
    var source = Contact()
    source.name = "ANN  lee"
    source.email = "ANN@example.com"
    source.phone = "+442079460958"
    source.phoneExtension = "12"
    source.lastName = "Lee"
    source.metadata.set("silver", at: ["tier"])
    source.metadata.set("erin", at: ["crm", "owner"])
    source.metadata.set("c2", at: ["conversations", "0", "id"])
    source.metadata.set("c1", at: ["conversations", "1", "id"])
    source.address.set("Leeds", at: ["city"])
    source.address.set("LS1", at: ["postcode"])
    source.groups = [GroupReference(name: "sales", id: "", isPrimary: true), GroupReference(name: "Support", id: "")]
    let conflicts = ContactMerge.merge(source, into: &destination)
    #expect(conflicts == ["metadata.tier", "address.city"] || conflicts == ["address.city", "metadata.tier"])
    #expect(destination.email == "ann@example.com")
    #expect(destination.phone == "+442079460958")
    #expect(destination.phoneExtension == "12")
    #expect(destination.lastName == "Lee")
    #expect(destination.metadata.entries.map(\.key) == ["tier", "conversations", "crm"])
    guard case .object(let conversations)? = destination.metadata["conversations"] else {
      Issue.record("conversations missing")
      return
    }
    #expect(conversations.entries.map(\.key) == ["0", "1"])
    #expect(
      conversations["1"]
        == .object(
          {
            var c = NestedFields(); c.set("c2", at: ["id"]); return c
          }()))
    #expect(destination.address.entries.map(\.key) == ["city", "postcode"])
    #expect(destination.groups.map(\.name) == ["Sales", "Support"])
    #expect(destination.groups.map(\.isPrimary) == [true, false])
  }

  @Test func aDifferentPhoneKeepsTheDestinationsExtensionRule() {
    var destination = Contact()
    destination.name = "A"
    destination.phone = "+12125550100"
    var source = destination
    source.phone = "+12125550101"
    source.phoneExtension = "9"
    #expect(ContactMerge.merge(source, into: &destination) == ["phone"])
    #expect(destination.phoneExtension == nil)
  }
}
