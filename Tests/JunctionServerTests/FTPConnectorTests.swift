import Foundation
import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// The `ftp` connector type against pyftpdlib (a real FTP server): explicit TLS with protected
/// data connections, implicit TLS, TLS required unless turned off, logins, and every file
/// operation checked on the server's own disk.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with pyftpdlib (scripts/test sets it)"))
struct FTPConnectorTests {
    static let password = "ftp-Secret-\(UUID().uuidString.prefix(8))"

    static func setUp(_ junction: JunctionHarness, _ ftp: FTPPeer, password: String = password, options: JSONValue = [:]) async throws -> String {
        let tenant = try await junction.createTenant("acme")
        _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
            "name": "courier", "kind": "basic", "username": .string(FTPPeer.user), "password": .string(password),
        ])
        var settings: [String: JSONValue] = [:]
        if let certificate = ftp.certificate { settings["tls_ca"] = .string(certificate) } else { settings["tls"] = "none" }
        for (name, value) in options.objectValue ?? [:] { settings[name] = value }
        let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
            "connector_name": "drop", "connector_type": "ftp", "connection_url": .string(ftp.url), "credential": "courier",
            "options": .object(settings), "max_retries": 0, "timeout_ms": 10_000,
        ])
        #expect(created.status == .created, "\(created.text)")
        return tenant.key
    }

    static func call(_ junction: JunctionHarness, _ key: String, _ resource: String, _ data: JSONValue) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key, json: ["connector": "drop", "resource": .string(resource), "data": data])
    }

    /// Every operation, checked on the server's disk.
    static func exercise(_ junction: JunctionHarness, _ key: String, _ ftp: FTPPeer) async throws {
        let tested = try await junction.request(.post, "/api/v1/connectors/drop/test", key: key)
        #expect(tested.json["success"] == true, "\(tested.text)")
        #expect(try await call(junction, key, "mkdir", ["path": "in/2026", "parents": true]).json["success"] == true)
        let binary = Data((0..<150_000).map { UInt8(($0 * 13) % 256) })
        let wrote = try await call(junction, key, "write", ["path": "in/2026/blob.bin", "content": .string(binary.base64EncodedString()), "encoding": "base64"])
        #expect(wrote.json["success"] == true, "\(wrote.text)")
        #expect(try Data(contentsOf: ftp.home.appendingPathComponent("in/2026/blob.bin")) == binary)
        let read = try await call(junction, key, "read", ["path": "in/2026/blob.bin", "encoding": "base64"])
        #expect(read.json["data"]?["content"] == .string(binary.base64EncodedString()), "\(read.text.prefix(300))")
        let tail = try await call(junction, key, "read", ["path": "in/2026/blob.bin", "encoding": "base64", "offset": 149_990])
        #expect(tail.json["data"]?["size"] == 10, "\(tail.text)")
        #expect(try await call(junction, key, "write", ["path": "in/note.txt", "content": "¡hola!"]).json["success"] == true)
        let listed = try await call(junction, key, "list", ["path": "in"])
        let entries = listed.json["data"]?["entries"]?.arrayValue ?? []
        #expect(entries.map { $0["name"] } == ["2026", "note.txt"], "\(listed.text)")
        #expect(entries.first?["type"] == "directory")
        #expect(entries.last?["size"] == 7)
        #expect(try await call(junction, key, "stat", ["path": "in/note.txt"]).json["data"]?["type"] == "file")
        let kept = try await call(junction, key, "write", ["path": "in/note.txt", "content": "x", "overwrite": false])
        #expect(kept.json["error"]?["code"] == "conflict", "\(kept.text)")
        #expect(try await call(junction, key, "rename", ["from": "in/note.txt", "to": "in/2026/note.txt"]).json["success"] == true)
        #expect(try String(contentsOf: ftp.home.appendingPathComponent("in/2026/note.txt"), encoding: .utf8) == "¡hola!")
        #expect(try await call(junction, key, "delete", ["path": "in/2026/note.txt"]).json["success"] == true)
        #expect(!FileManager.default.fileExists(atPath: ftp.home.appendingPathComponent("in/2026/note.txt").path))
        let missing = try await call(junction, key, "read", ["path": "in/none.txt"])
        #expect(missing.json["error"]?["code"] == "not_found", "\(missing.text)")
        let escape = try await call(junction, key, "list", ["path": "../.."])
        #expect(escape.json["error"]?["code"] == "invalid_input")
    }

    @Test func explicitTLSProtectsLoginAndData() async throws {
        try await FTPPeer.with(password: Self.password, security: .explicit) { ftp in
            try await withJunction { junction in
                try await Self.exercise(junction, try await Self.setUp(junction, ftp), ftp)
            }
        }
    }

    @Test func repliesInjectedAfterTheAUTHTLSGoAheadAreRefused() async throws {
        let script = LineProtocolPeer.script(
            greeting: "220 injector\r\n", answers: [("AUTH", "234 Go ahead\r\n230 Logged in\r\n")], otherwise: "500 no\r\n")
        try await PythonPeer.with(script: script) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "drop", "connector_type": "ftp", "connection_url": .string("ftp" + peer.url.dropFirst(4)),
                    "max_retries": 0, "timeout_ms": 5000,
                ])
                let answer = try await junction.request(.post, "/api/v1/connectors/drop/test", key: tenant.key)
                #expect(answer.json["error"]?["code"] == "tls_error", "\(answer.text)")
                #expect(answer.json["error"]?["message"]?.stringValue?.contains("injection") == true, "\(answer.text)")
            }
        }
    }

    @Test func implicitTLS() async throws {
        try await FTPPeer.with(password: Self.password, security: .implicit) { ftp in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, ftp)
                #expect(try await Self.call(junction, key, "write", ["path": "a.txt", "content": "implicit"]).json["success"] == true)
                #expect(try String(contentsOf: ftp.home.appendingPathComponent("a.txt"), encoding: .utf8) == "implicit")
                #expect(try await Self.call(junction, key, "read", ["path": "a.txt"]).json["data"]?["content"] == "implicit")
            }
        }
    }

    @Test func plainFTPOnlyWhenAskedForAndLogins() async throws {
        try await FTPPeer.with(password: Self.password) { ftp in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, ftp, options: ["tls": "explicit"])
                let refused = try await junction.request(.post, "/api/v1/connectors/drop/test", key: key)
                #expect(refused.json["error"]?["code"] == "tls_error", "a server without AUTH TLS: \(refused.text)")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("options.tls") == true)
                #expect(try await junction.request(.put, "/api/v1/connectors/drop", key: key, json: ["options": ["tls": "none"]]).status == .ok)
                try await Self.exercise(junction, key, ftp)

                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "wrong", "kind": "basic", "username": .string(FTPPeer.user), "password": "not-the-password",
                ])
                #expect(try await junction.request(.put, "/api/v1/connectors/drop", key: key, json: ["credential": "wrong"]).status == .ok)
                let wrong = try await junction.request(.post, "/api/v1/connectors/drop/test", key: key)
                #expect(wrong.json["error"]?["code"] == "authentication_failed", "\(wrong.text)")
                #expect(!wrong.text.contains("not-the-password"))
            }
        }
    }
}
