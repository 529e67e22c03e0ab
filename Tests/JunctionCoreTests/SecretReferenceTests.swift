import Testing

@testable import JunctionCore

@Suite struct SecretReferenceTests {
    // MARK: Parsing

    @Test(arguments: ["API_TOKEN", "a", "_x", "Mixed_Case_9", "X1"])
    func parsesEnvironmentReferences(_ name: String) throws {
        let reference = try #require(try SecretReference(parsing: "env:\(name)", field: "token"))
        #expect(reference == .environment(name))
        #expect(reference.description == "env:\(name)")
    }

    @Test(arguments: ["/run/secrets/token", "/", "/with space/and:colon", "//double"])
    func parsesFileReferences(_ path: String) throws {
        let reference = try #require(try SecretReference(parsing: "file:\(path)", field: "token"))
        #expect(reference == .file(path))
        #expect(reference.description == "file:\(path)")
    }

    @Test(arguments: ["plain-secret", "", "ENV:NAME", "File:/x", "env", "file", " env:NAME", "environment:X", "sk_live_123"])
    func literalValuesAreNotReferences(_ text: String) throws {
        #expect(try SecretReference(parsing: text, field: "token") == nil)
    }

    @Test(arguments: ["env:", "env:1ABC", "env:WITH-DASH", "env:WITH SPACE", "env:NAME=1", "env:ÜBER", "env:$HOME", "env:A.B"])
    func malformedEnvironmentReferences(_ text: String) throws {
        let error = try #require(throws: JunctionError.self) {
            try SecretReference(parsing: text, field: "headers.Authorization")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "headers.Authorization")
        #expect(error.message.contains("env:"))
    }

    @Test(arguments: ["file:", "file:relative/path", "file:./x", "file:~/secret", "file:/bad\0path"])
    func malformedFileReferences(_ text: String) throws {
        let error = try #require(throws: JunctionError.self) {
            try SecretReference(parsing: text, field: "password")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "password")
        #expect(error.message.contains("absolute path"))
    }

    // MARK: Masking

    @Test(arguments: ["", "a", "short", "fifteen-chars!!", "123456789012345"])
    func shortLiteralsRevealNothing(_ secret: String) {
        #expect(SecretMask.hint(for: secret) == "••••")
    }

    @Test func longLiteralsRevealOnlyTheLastFourCharacters() {
        let secret = "sk_live_0123456789abcdef"
        let hint = SecretMask.hint(for: secret)
        #expect(hint == "••••cdef")
        #expect(!hint.contains("sk_live"))
        #expect(SecretMask.hint(for: "1234567890123456") == "••••3456")
        #expect(SecretMask.hint(for: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
                == "•••• OPENSSH PRIVATE KEY", "a PEM key shows its kind, not its last characters")
        #expect(SecretMask.hint(for: "abcdefghijklmnop1234\n") == "••••1234", "trailing whitespace is not a secret's ending")
    }

    @Test(arguments: [16, 17, 32, 100, 4096])
    func hintNeverRevealsMoreThanFourCharacters(_ length: Int) {
        let secret = String((0..<length).map { i in Character(UnicodeScalar(UInt8(65 + i % 26))) })
        let hint = SecretMask.hint(for: secret)
        #expect(hint.hasPrefix("••••"))
        let revealed = hint.dropFirst(4)
        #expect(revealed.count == 4)
        #expect(secret.hasSuffix(revealed))
    }

    @Test func hintCountsCharactersNotBytes() {
        let secret = "пароль-пароль-пароль-ёжик"
        #expect(SecretMask.hint(for: secret) == "••••ёжик")
    }

    @Test(arguments: ["env:API_TOKEN", "file:/run/secrets/token"])
    func referencesAreShownAsTheyAre(_ reference: String) {
        #expect(SecretMask.hint(for: reference) == reference)
    }

    /// A value that merely starts with `env:` or `file:` but is not a valid reference is not a
    /// pointer to a secret; it may be the secret itself (connector secret options are not
    /// checked for references before they are masked), so it must be masked like a literal.
    @Test(arguments: ["env:my secret password 123", "file:hunter2-and-more-secret", "env:", "file:"])
    func malformedReferenceLikeLiteralsAreMasked(_ secret: String) {
        let hint = SecretMask.hint(for: secret)
        #expect(hint == "••••" || hint == "••••" + secret.suffix(4))
    }

    @Test func jsonStringsAreMasked() {
        #expect(SecretMask.hint(for: JSONValue.string("sk_live_0123456789abcdef")) == "••••cdef")
        #expect(SecretMask.hint(for: JSONValue.string("short")) == "••••")
    }

    @Test func objectsKeepKeysAndMaskValues() {
        let value: JSONValue = [
            "Authorization": "Bearer 0123456789abcdefWXYZ",
            "X-Short": "abc",
            "X-Ref": "env:TOKEN",
        ]
        #expect(SecretMask.hint(for: value) == [
            "Authorization": "••••WXYZ",
            "X-Short": "••••",
            "X-Ref": "env:TOKEN",
        ])
    }

    @Test func nestedArraysAndObjectsAreMasked() {
        let value: JSONValue = ["list": ["0123456789abcdefghij", ["inner": "0123456789ABCDEFGHIJ"]]]
        #expect(SecretMask.hint(for: value) == ["list": ["••••ghij", ["inner": "••••GHIJ"]]])
    }

    @Test(arguments: [JSONValue.integer(123_456_789_012_345_678), .number(3.14159), .bool(true), .null])
    func nonStringScalarsRevealNothing(_ value: JSONValue) {
        #expect(SecretMask.hint(for: value) == "••••")
    }
}
