#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JunctionCore

/// Loads the keyring that seals secrets: from `JUNCTION_MASTER_KEY` (base64 of 32 bytes) when
/// set, otherwise from a `master.key` file in the data directory, created with mode 0600 on
/// first start.
///
/// The file holds one base64 key per line; the first is the primary, later lines are older
/// keys kept so that secrets sealed under them still open.
public enum MasterKeyFile {
    /// The file name inside the data directory.
    public static let fileName = "master.key"

    /// Builds the keyring from `environmentKey` or the key file in `directory`.
    ///
    /// - Returns: the keyring, and whether a new key file was written.
    public static func loadKeyring(environmentKey: String?, directory: URL) throws -> (SecretBox, created: Bool) {
        if let environmentKey, !environmentKey.isEmpty {
            return (SecretBox(primary: try key(fromBase64: environmentKey, source: "JUNCTION_MASTER_KEY")), false)
        }
        let url = directory.appendingPathComponent(fileName)
        if FileManager.default.fileExists(atPath: url.path) {
            let lines = try String(contentsOf: url, encoding: .utf8)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard let first = lines.first else {
                throw JunctionError.invalidInput("\(url.path) holds no key.")
            }
            let primary = try key(fromBase64: first, source: url.path)
            let previous = try lines.dropFirst().map { try key(fromBase64: $0, source: url.path) }
            return (SecretBox(primary: primary, previous: previous), false)
        }
        let material = SymmetricKeyBytes.random()
        guard try PrivateFile.create(Data(material).base64EncodedString() + "\n", at: url) else {
            // Another process created the file first: use its key.
            return (try loadKeyring(environmentKey: nil, directory: directory).0, false)
        }
        return (SecretBox(primary: try SecretBox.Key(bytes: material)), true)
    }

    private static func key(fromBase64 text: String, source: String) throws -> SecretBox.Key {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw JunctionError.invalidInput("The master key in \(source) must be base64 of exactly 32 bytes.")
        }
        return try SecretBox.Key(bytes: bytes)
    }
}

/// 32 random bytes from the system's secure generator.
enum SymmetricKeyBytes {
    static func random() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// Writes files only their owner can read (mode 0600 from the moment they exist).
public enum PrivateFile {
    /// Creates or replaces `url` with `text`, readable and writable by the owner only.
    public static func write(_ text: String, to url: URL) throws {
        _ = try create(text, at: url, replacing: true)
    }

    /// Creates `url` with `text` unless it exists; returns whether it created the file.
    public static func create(_ text: String, at url: URL, replacing: Bool = false) throws -> Bool {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let descriptor = open(url.path, flags, 0o600)
        if descriptor < 0 && errno == EEXIST && !replacing { return false }
        guard descriptor >= 0 else { throw JunctionError.internal("Could not create \(url.path) (errno \(errno)).") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw JunctionError.internal("Could not restrict \(url.path).") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw JunctionError.internal("Could not write \(url.path).") }
        return true
    }

    private static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
        #else
        Darwin.write(descriptor, buffer, count)
        #endif
    }
}
