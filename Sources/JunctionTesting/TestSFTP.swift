import Foundation

/// The OpenSSH server `scripts/test` starts (scripts/services.sh `start_sshd`): a user logging
/// in by password or Ed25519 key, its host key's fingerprint, and its home directory, in which
/// each test gets a directory of its own.
public enum TestSFTP {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether the server is running.
    public static var isAvailable: Bool { environment["JUNCTION_TEST_SFTP"] != nil }
    /// `sftp://127.0.0.1:port`.
    public static var url: String { "sftp://" + (environment["JUNCTION_TEST_SFTP"] ?? "127.0.0.1:1") }
    public static var user: String { environment["JUNCTION_TEST_SFTP_USER"] ?? "" }
    public static var password: String { environment["JUNCTION_TEST_SFTP_PASSWORD"] ?? "" }
    /// The server's host key fingerprint, `SHA256:…`.
    public static var fingerprint: String { environment["JUNCTION_TEST_SFTP_FINGERPRINT"] ?? "" }
    /// The user's private key (OpenSSH format).
    public static var privateKey: String {
        (environment["JUNCTION_TEST_SFTP_KEY"]).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    /// Runs `body` with a new directory in the user's home (its absolute path), owned by the
    /// user, removed afterwards.
    public static func withDirectory<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        guard let home = environment["JUNCTION_TEST_SFTP_HOME"] else { throw HarnessError("JUNCTION_TEST_SFTP_HOME is not set: run scripts/test") }
        let directory = URL(fileURLWithPath: home).appendingPathComponent("t-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountName: user, .posixPermissions: 0o755], ofItemAtPath: directory.path)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    /// Makes (or keeps) the login `name` with `password` on this machine (the conformance suite's fixed user).
    public static func ensureUser(_ name: String, password: String) throws {
        func run(_ arguments: [String], input: String? = nil) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            let pipe = Pipe()
            if input != nil { process.standardInput = pipe }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if let input {
                pipe.fileHandleForWriting.write(Data(input.utf8))
                try pipe.fileHandleForWriting.close()
            }
            process.waitUntilExit()
        }
        try run(["useradd", "-m", "-s", "/bin/sh", name])
        try run(["chpasswd"], input: "\(name):\(password)\n")
    }
}
