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
    /// - Parameter allowCreating: whether a missing key file may be created with a new key;
    ///   pass `false` when the database already exists, since a new key could open none of its
    ///   secrets.
    /// - Returns: the keyring, and whether a new key file was written.
    public static func loadKeyring(
        environmentKey: String?,
        directory: URL,
        allowCreating: Bool = true
    ) throws -> (SecretBox, created: Bool) {
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
        guard allowCreating else {
            throw JunctionError.invalidInput(
                "\(url.path) is missing but the database already exists: restore the master key file (or set JUNCTION_MASTER_KEY); a new key could not open the stored secrets."
            )
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

/// Writes small private files (keys) safely: mode 0600 from the moment they exist, written to a
/// temporary file, flushed to disk, then moved into place, so a crash never leaves a partial key.
public enum PrivateFile {
    /// Creates or replaces `url` with `text`.
    public static func write(_ text: String, to url: URL) throws {
        let temporary = try writeTemporary(text, beside: url)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw JunctionError.internal("Could not move \(temporary.path) to \(url.path) (errno \(code)).")
        }
        syncDirectory(of: url)
    }

    /// Creates `url` with `text` unless it exists; returns whether it created the file.
    public static func create(_ text: String, at url: URL) throws -> Bool {
        let temporary = try writeTemporary(text, beside: url)
        defer { unlink(temporary.path) }
        guard link(temporary.path, url.path) == 0 else {
            if errno == EEXIST { return false }
            throw JunctionError.internal("Could not create \(url.path) (errno \(errno)).")
        }
        syncDirectory(of: url)
        return true
    }

    private static func writeTemporary(_ text: String, beside url: URL) throws -> URL {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(Identifier.make("tmp"))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JunctionError.internal("Could not create \(temporary.path) (errno \(errno)).") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            unlink(temporary.path)
            throw JunctionError.internal("Could not write \(temporary.path).")
        }
        return temporary
    }

    private static func syncDirectory(of url: URL) {
        let descriptor = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
        #else
        Darwin.write(descriptor, buffer, count)
        #endif
    }
}
