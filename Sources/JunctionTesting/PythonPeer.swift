import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real peer server written in Python (a GraphQL server on strawberry, a SOAP server on
/// spyne), started for one test on a free loopback port and stopped afterwards.
///
/// The interpreter is `JUNCTION_TEST_PYTHON` (set by `scripts/test` to a virtual environment
/// holding the peers' packages).
public final class PythonPeer: Sendable {
    /// The peer's base URL.
    public let url: String
    private let process: Process

    private init(url: String, process: Process) {
        self.url = url
        self.process = process
    }

    /// The interpreter the peers run on, when the test script provided one.
    public static var python: String? {
        ProcessInfo.processInfo.environment["JUNCTION_TEST_PYTHON"].flatMap { path in
            FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
    }

    /// Whether peers can run here.
    public static var isAvailable: Bool { python != nil }

    /// Runs `script` (which must serve on `127.0.0.1:sys.argv[1]`) while `body` runs.
    public static func with<T: Sendable>(script: String, _ body: @Sendable (PythonPeer) async throws -> T) async throws -> T {
        guard let python else { throw HarnessError("JUNCTION_TEST_PYTHON is not set: run the tests with scripts/test") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("peer.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [file.path, String(port)]
        let log = directory.appendingPathComponent("peer.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let peer = PythonPeer(url: "http://127.0.0.1:\(port)", process: process)
        do {
            for _ in 0..<200 {
                if canConnect(port: port) {
                    let result = try await body(peer)
                    await peer.stop()
                    return result
                }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        } catch {
            await peer.stop()
            throw error
        }
        await peer.stop()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw HarnessError("The Python peer did not start: \(output.suffix(2000))")
    }

    /// Sends SIGTERM, waits up to 3 s (without blocking a thread), then SIGKILL.
    private func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<60 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// A port nothing listens on now.
    /// A loopback port free at the moment of asking.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
