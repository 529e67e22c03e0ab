import Foundation
import JunctionCore
import Testing

@testable import JunctionStorage

@Suite struct SecretBoxTests {
    static let plaintext = Array("correct horse battery staple".utf8)

    @Test func sealThenOpenRoundTrips() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal(Self.plaintext, context: "credential:t:1")
        #expect(try box.open(sealed, context: "credential:t:1") == Self.plaintext)
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal([UInt8](), context: "c")
        #expect(!sealed.isEmpty)
        #expect(try box.open(sealed, context: "c") == [])
    }

    @Test func ciphertextDoesNotContainThePlaintext() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal(Self.plaintext, context: "c")
        #expect(sealed.count > Self.plaintext.count)
        let needle: [UInt8] = Array(Self.plaintext.prefix(8))
        var found = false
        for start in 0...(sealed.count - needle.count) where Array(sealed[start..<(start + needle.count)]) == needle {
            found = true
        }
        #expect(!found)
    }

    @Test func sealingTwiceGivesDifferentCiphertexts() throws {
        let box = SecretBox(primary: .random())
        let first = try box.seal(Self.plaintext, context: "c")
        let second = try box.seal(Self.plaintext, context: "c")
        #expect(first != second)
    }

    @Test func layoutStartsWithMagicAndKeyID() throws {
        let key = SecretBox.Key.random()
        let sealed = try SecretBox(primary: key).seal(Self.plaintext, context: "c")
        #expect(Array(sealed.prefix(3)) == Array("jx1".utf8))
        #expect(Int(sealed[3]) == key.id.utf8.count)
        #expect(Array(sealed[4..<(4 + key.id.utf8.count)]) == Array(key.id.utf8))
        // magic + length + id + 12-byte nonce + ciphertext + 16-byte tag
        #expect(sealed.count == 3 + 1 + key.id.utf8.count + 12 + Self.plaintext.count + 16)
    }

    @Test func wrongContextFails() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal(Self.plaintext, context: "credential:ten_a:cred_1")
        let error = try #require(throws: JunctionError.self) {
            try box.open(sealed, context: "credential:ten_b:cred_1")
        }
        #expect(error.code == .internal)
        #expect(throws: JunctionError.self) { try box.open(sealed, context: "") }
    }

    @Test func everyTamperedByteFails() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal(Self.plaintext, context: "c")
        // Header (magic, key id), nonce, ciphertext and tag alike.
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: JunctionError.self, "flipping byte \(index) must be detected") {
                try box.open(tampered, context: "c")
            }
        }
    }

    @Test func truncatedCiphertextFails() throws {
        let box = SecretBox(primary: .random())
        let sealed = try box.seal(Self.plaintext, context: "c")
        #expect(throws: JunctionError.self) { try box.open(Array(sealed.dropLast()), context: "c") }
        #expect(throws: JunctionError.self) { try box.open(Array(sealed.prefix(20)), context: "c") }
        #expect(throws: JunctionError.self) { try box.open(Array(sealed.prefix(4)), context: "c") }
        #expect(throws: JunctionError.self) { try box.open([], context: "c") }
    }

    @Test func differentKeyFailsAsUnknownKey() throws {
        let sealed = try SecretBox(primary: .random()).seal(Self.plaintext, context: "c")
        let other = SecretBox(primary: .random())
        let error = try #require(throws: JunctionError.self) { try other.open(sealed, context: "c") }
        #expect(error.code == .internal)
        #expect(error.message.contains(try SecretBox.keyID(of: sealed)))
    }

    // MARK: Keys

    @Test func keyIDIsEightHexDigitsAndStable() throws {
        let material = [UInt8](repeating: 7, count: 32)
        let first = try SecretBox.Key(bytes: material)
        let second = try SecretBox.Key(bytes: material)
        #expect(first.id == second.id)
        #expect(first.id.count == 8)
        #expect(first.id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(SecretBox.Key.random().id != SecretBox.Key.random().id)
    }

    @Test(arguments: [0, 16, 24, 31, 33, 64])
    func keyMaterialMustBe32Bytes(_ count: Int) throws {
        let error = try #require(throws: JunctionError.self) {
            try SecretBox.Key(bytes: [UInt8](repeating: 1, count: count))
        }
        #expect(error.code == .invalidInput)
    }

    @Test func keyIDOfReadsTheSealingKey() throws {
        let key = SecretBox.Key.random()
        let sealed = try SecretBox(primary: key).seal(Self.plaintext, context: "c")
        #expect(try SecretBox.keyID(of: sealed) == key.id)
    }

    @Test(arguments: [[UInt8](), Array("jx1".utf8), Array("jx2\u{8}abcdefgh".utf8) + [UInt8](repeating: 0, count: 40), Array("jx1\u{40}abc".utf8), Array("plain text secret".utf8)])
    func keyIDOfRejectsNonSealedBytes(_ bytes: [UInt8]) {
        #expect(throws: JunctionError.self) { try SecretBox.keyID(of: bytes) }
    }

    // MARK: Rotation

    @Test func rotatedKeyringOpensOldAndSealsNew() throws {
        let old = SecretBox.Key.random()
        let new = SecretBox.Key.random()
        let oldBox = SecretBox(primary: old)
        let oldSealed = try oldBox.seal(Self.plaintext, context: "c")

        let rotated = SecretBox(primary: new, previous: [old])
        #expect(rotated.primary.id == new.id)
        #expect(try rotated.open(oldSealed, context: "c") == Self.plaintext)

        let newSealed = try rotated.seal(Self.plaintext, context: "c")
        #expect(try SecretBox.keyID(of: newSealed) == new.id)
        #expect(try SecretBox.keyID(of: oldSealed) == old.id)
        #expect(try rotated.open(newSealed, context: "c") == Self.plaintext)

        // The old keyring alone cannot open what the new primary sealed.
        #expect(throws: JunctionError.self) { try oldBox.open(newSealed, context: "c") }
    }

    @Test func reSealingMovesASecretToTheNewKey() throws {
        let old = SecretBox.Key.random()
        let new = SecretBox.Key.random()
        let sealed = try SecretBox(primary: old).seal(Self.plaintext, context: "c")
        let rotated = SecretBox(primary: new, previous: [old])
        let resealed = try rotated.seal(try rotated.open(sealed, context: "c"), context: "c")
        #expect(try SecretBox(primary: new).open(resealed, context: "c") == Self.plaintext)
    }

    @Test func primaryListedAgainAsPreviousIsHarmless() throws {
        let key = SecretBox.Key.random()
        let box = SecretBox(primary: key, previous: [key, key])
        let sealed = try box.seal(Self.plaintext, context: "c")
        #expect(try box.open(sealed, context: "c") == Self.plaintext)
    }

    // MARK: JSON

    @Test func sealJSONOfEmptyObjectIsEmptyBytes() throws {
        let box = SecretBox(primary: .random())
        #expect(try box.sealJSON([:], context: "c") == [])
        #expect(try box.openJSON([], context: "c") == [:])
        // Empty bytes open to an empty object under any context and key.
        #expect(try SecretBox(primary: .random()).openJSON([], context: "other") == [:])
    }

    @Test func sealJSONRoundTrips() throws {
        let box = SecretBox(primary: .random())
        let object: [String: JSONValue] = ["token": "s3cr3t-value", "n": 9_007_199_254_740_993, "h": ["A": "b"]]
        let sealed = try box.sealJSON(object, context: "connector:t:1")
        #expect(!sealed.isEmpty)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("s3cr3t"))
        #expect(try box.openJSON(sealed, context: "connector:t:1") == object)
        #expect(throws: JunctionError.self) { try box.openJSON(sealed, context: "connector:t:2") }
    }

    @Test func openJSONRejectsSealedNonObjects() throws {
        let box = SecretBox(primary: .random())
        let sealedArray = try box.seal(Array("[1,2]".utf8), context: "c")
        let error = try #require(throws: JunctionError.self) { try box.openJSON(sealedArray, context: "c") }
        #expect(error.code == .internal)
        let sealedGarbage = try box.seal(Array("not json".utf8), context: "c")
        #expect(throws: JunctionError.self) { try box.openJSON(sealedGarbage, context: "c") }
    }
}
