import RosterCore
import Testing

@Suite("Fingerprints")
struct FingerprintTests {
  private func validated(_ build: (inout Contact) -> Void) throws -> Contact {
    var contact = Contact()
    build(&contact)
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: nil)))
    var problems: [IssueDetail] = []
    validator.validate(&contact, headers: [:], problems: &problems)
    #expect(problems.isEmpty)
    ContactIdentifier.assignIdentity(&contact)
    return contact
  }

  @Test func derivedFingerprintAndIdMatchAnIndependentComputation() throws {
    // Python: fp = hashlib.sha1("tony stark\x1ftony@starkindustries.com\x1f+12125550100".encode()).digest()[:16].hex()
    //         uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, "roster.contacts"), "fingerprint:" + fp)
    let tony = try validated {
      $0.name = "Tony Stark"
      $0.email = "tony@starkindustries.com"
      $0.phone = "+1 212 555 0100"
    }
    #expect(tony.fingerprint == "fa4a6ce586ea54408dea881a1e476f8b")
    #expect(tony.id == "5eb6a86b-f558-5ad9-a85b-93025c23056b")
  }

  @Test func theKeyFoldsNameSpacingCaseAndEmailCase() throws {
    #expect(
      ContactIdentifier.fingerprintKey(name: " Straße\t Müller ", email: "Ann@Example.com", phone: nil)
        == "strasse müller\u{1F}ann@example.com\u{1F}")
    let a = try validated {
      $0.name = "STRASSE  müller"
      $0.email = "ANN@example.com"
    }
    let b = try validated {
      $0.name = "Straße Mu\u{0308}ller"
      $0.email = "ann@EXAMPLE.com"
    }
    // Python: hashlib.sha1("strasse müller\x1fann@example.com\x1f".encode()).digest()[:16].hex()
    #expect(a.fingerprint == "930ee45f8fc4abf3bc172e885bd0c749")
    #expect(b.fingerprint == a.fingerprint)
    #expect(b.id == a.id)
    let other = try validated {
      $0.name = "Straße Müller"
      $0.email = "ann@example.com"
      $0.phone = "+442079460958"
    }
    #expect(other.fingerprint != a.fingerprint)
  }

  @Test func aSuppliedFingerprintIsTrustedTrimmedAndGivesTheId() throws {
    let first = try validated {
      $0.name = "Ann"
      $0.email = "ann@example.com"
      $0.fingerprint = "  crm-42 "
    }
    let second = try validated {
      $0.name = "Ann B. (other shard)"
      $0.fingerprint = "crm-42"
    }
    #expect(first.fingerprint == "crm-42")
    // Python: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, "roster.contacts"), "fingerprint:crm-42")
    #expect(first.id == "b45544d4-91b2-519a-88ac-58c874575237")
    #expect(second.id == first.id)
    let blank = try validated {
      $0.name = "Ann"
      $0.fingerprint = "   "
    }
    #expect(blank.fingerprint == ContactIdentifier.derivedFingerprint(for: blank))
  }

  @Test func anIdColumnWinsAndGroupsKeepTheirNameBasedId() throws {
    let kept = try validated {
      $0.name = "Ann"
      $0.id = "crm-7"
      $0.fingerprint = "fp-1"
    }
    #expect(kept.id == "crm-7")
    #expect(kept.fingerprint == "fp-1")
    let group = try validated {
      $0.name = "Avengers"
      $0.type = .group
    }
    #expect(group.fingerprint == nil)
    #expect(group.id == ContactIdentifier.groupID(named: "avengers"))
    let supplied = try validated {
      $0.name = "Avengers"
      $0.type = .group
      $0.fingerprint = "grp-1"
    }
    #expect(supplied.fingerprint == "grp-1")
    #expect(supplied.id == group.id)
  }
}
