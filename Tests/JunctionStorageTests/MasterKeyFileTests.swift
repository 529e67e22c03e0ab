import Foundation
import JunctionCore
import Testing

@testable import JunctionStorage

@Suite struct MasterKeyFileTests {
    static func base64Key(_ byte: UInt8) -> String {
        Data(repeating: byte, count: 32).base64EncodedString()
    }

    static func keyID(_ byte: UInt8) throws -> String {
        try SecretBox.Key(bytes: [UInt8](repeating: byte, count: 32)).id
    }

    @Test func createsAPrivateKeyFileAndReusesIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyURL = directory.file(MasterKeyFile.fileName)
        #expect(!FileManager.default.fileExists(atPath: keyURL.path))

        let (first, created) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: directory.url)
        #expect(created)
        #expect(FileManager.default.fileExists(atPath: keyURL.path))
        #expect(try posixPermissions(of: keyURL) == 0o600)

        let text = try String(contentsOf: keyURL, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let decoded = try #require(Data(base64Encoded: text.trimmingCharacters(in: .newlines)))
        #expect(decoded.count == 32)
        #expect(try SecretBox.Key(bytes: decoded).id == first.primary.id)

        let (second, createdAgain) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: directory.url)
        #expect(!createdAgain)
        #expect(second.primary.id == first.primary.id)
        #expect(try String(contentsOf: keyURL, encoding: .utf8) == text)

        // What the first keyring sealed, the reloaded one opens.
        let sealed = try first.seal(Array("secret".utf8), context: "c")
        #expect(try second.open(sealed, context: "c") == Array("secret".utf8))
    }

    @Test func createsTheDataDirectoryWhenMissing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let nested = directory.url.appendingPathComponent("a/b/data", isDirectory: true)
        let (_, created) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: nested)
        #expect(created)
        #expect(try posixPermissions(of: nested.appendingPathComponent(MasterKeyFile.fileName)) == 0o600)
    }

    @Test func twoDirectoriesGetDifferentKeys() throws {
        let one = try TemporaryDirectory()
        let two = try TemporaryDirectory()
        defer { one.remove(); two.remove() }
        let (a, _) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: one.url)
        let (b, _) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: two.url)
        #expect(a.primary.id != b.primary.id)
    }

    @Test func environmentKeyWinsAndWritesNoFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (box, created) = try MasterKeyFile.loadKeyring(environmentKey: Self.base64Key(1), directory: directory.url)
        #expect(!created)
        #expect(box.primary.id == (try Self.keyID(1)))
        #expect(!FileManager.default.fileExists(atPath: directory.file(MasterKeyFile.fileName).path))
    }

    @Test func environmentKeyWinsOverAnExistingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try (Self.base64Key(2) + "\n").write(to: directory.file(MasterKeyFile.fileName), atomically: true, encoding: .utf8)
        let (box, created) = try MasterKeyFile.loadKeyring(environmentKey: Self.base64Key(1), directory: directory.url)
        #expect(!created)
        #expect(box.primary.id == (try Self.keyID(1)))
    }

    @Test func environmentKeyMayBeSurroundedByWhitespace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (box, _) = try MasterKeyFile.loadKeyring(environmentKey: " \(Self.base64Key(3))\n", directory: directory.url)
        #expect(box.primary.id == (try Self.keyID(3)))
    }

    @Test func emptyEnvironmentKeyFallsBackToTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, created) = try MasterKeyFile.loadKeyring(environmentKey: "", directory: directory.url)
        #expect(created)
        #expect(FileManager.default.fileExists(atPath: directory.file(MasterKeyFile.fileName).path))
    }

    @Test(arguments: [
        "not base64!!",
        Data(repeating: 1, count: 16).base64EncodedString(),
        Data(repeating: 1, count: 31).base64EncodedString(),
        Data(repeating: 1, count: 33).base64EncodedString(),
        Data(repeating: 1, count: 64).base64EncodedString(),
        String(Data(repeating: 1, count: 32).base64EncodedString().dropLast(2)),
    ])
    func badEnvironmentKeyIsInvalidInput(_ key: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try #require(throws: JunctionError.self) {
            try MasterKeyFile.loadKeyring(environmentKey: key, directory: directory.url)
        }
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("JUNCTION_MASTER_KEY"))
        #expect(error.message.contains("32 bytes"))
        #expect(!FileManager.default.fileExists(atPath: directory.file(MasterKeyFile.fileName).path))
    }

    @Test(arguments: [
        "garbage\n",
        Data(repeating: 1, count: 16).base64EncodedString() + "\n",
        Self.base64Key(1) + "\nnot-a-key\n",
    ])
    func badKeyFileIsInvalidInputNamingTheFile(_ contents: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyURL = directory.file(MasterKeyFile.fileName)
        try contents.write(to: keyURL, atomically: true, encoding: .utf8)
        let error = try #require(throws: JunctionError.self) {
            try MasterKeyFile.loadKeyring(environmentKey: nil, directory: directory.url)
        }
        #expect(error.code == .invalidInput)
        #expect(error.message.contains(keyURL.path))
        // The bad file is left alone, not replaced.
        #expect(try String(contentsOf: keyURL, encoding: .utf8) == contents)
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "   \n# another\n"])
    func keyFileWithoutKeysIsInvalidInput(_ contents: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try contents.write(to: directory.file(MasterKeyFile.fileName), atomically: true, encoding: .utf8)
        let error = try #require(throws: JunctionError.self) {
            try MasterKeyFile.loadKeyring(environmentKey: nil, directory: directory.url)
        }
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("holds no key"))
    }

    @Test func multiLineFileIsPrimaryPlusPrevious() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let previousKeys = try [2, 3].map { try SecretBox.Key(bytes: [UInt8](repeating: UInt8($0), count: 32)) }
        let sealedUnderOld = try previousKeys.map { try SecretBox(primary: $0).seal(Array("old".utf8), context: "c") }

        let contents = """
            # rotated 2026-01-01
            \(Self.base64Key(1))

              \(Self.base64Key(2))  
            \(Self.base64Key(3))
            """
        try contents.write(to: directory.file(MasterKeyFile.fileName), atomically: true, encoding: .utf8)

        let (box, created) = try MasterKeyFile.loadKeyring(environmentKey: nil, directory: directory.url)
        #expect(!created)
        #expect(box.primary.id == (try Self.keyID(1)))
        for sealed in sealedUnderOld {
            #expect(try box.open(sealed, context: "c") == Array("old".utf8))
        }
        let fresh = try box.seal(Array("new".utf8), context: "c")
        #expect(try SecretBox.keyID(of: fresh) == (try Self.keyID(1)))
    }

    @Test func privateFileWriteRestrictsAnExistingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("token")
        try "old contents that are longer".write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        try PrivateFile.write("new", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new")
        #expect(try posixPermissions(of: url) == 0o600)
    }

    @Test func privateFileWriteFailsInAnUnwritablePlace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A path whose parent is a regular file cannot be created.
        let blocker = directory.file("blocker")
        try "x".write(to: blocker, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) {
            try PrivateFile.write("x", to: blocker.appendingPathComponent("child"))
        }
    }
}
