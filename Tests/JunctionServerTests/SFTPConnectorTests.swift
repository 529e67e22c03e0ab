import Foundation
import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// The `sftp` connector type against OpenSSH's sshd (its internal SFTP server) that
/// scripts/test starts: password and key logins, host-key pinning, every file operation checked
/// on the server's own disk, the root that paths cannot leave, size limits, and files as tools.
@Suite(.enabled(if: TestSFTP.isAvailable, "needs the OpenSSH server scripts/test starts (JUNCTION_TEST_SFTP)"))
struct SFTPConnectorTests {
    static func setUp(
        _ junction: JunctionHarness, root: URL, credential: JSONValue? = nil, options: JSONValue = [:]
    ) async throws -> String {
        let tenant = try await junction.createTenant("acme")
        let login = credential ?? ["name": "files-login", "kind": "basic", "username": .string(TestSFTP.user), "password": .string(TestSFTP.password)]
        #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: login).status == .created)
        var settings: [String: JSONValue] = ["root": .string(root.path), "host_key_fingerprint": .string(TestSFTP.fingerprint)]
        for (name, value) in options.objectValue ?? [:] { settings[name] = value }
        let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
            "connector_name": "files", "connector_type": "sftp", "connection_url": .string(TestSFTP.url),
            "credential": login["name"] ?? "files-login", "options": .object(settings), "max_retries": 0, "timeout_ms": 15_000,
        ])
        #expect(created.status == .created, "\(created.text)")
        return tenant.key
    }

    static func call(_ junction: JunctionHarness, _ key: String, _ resource: String, _ data: JSONValue) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key, json: ["connector": "files", "resource": .string(resource), "data": data])
    }

    @Test func everyFileOperationWithAPasswordLogin() async throws {
        try await TestSFTP.withDirectory { root in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, root: root, options: ["max_file_bytes": 300_000])
                let tested = try await junction.request(.post, "/api/v1/connectors/files/test", key: key)
                #expect(tested.json["success"] == true, "\(tested.text)")

                let wrote = try await Self.call(junction, key, "write", ["path": "notes/today.txt", "content": "Olá, SFTP ✓\n"])
                #expect(wrote.json["error"]?["code"] == "not_found", "the directory does not exist yet: \(wrote.text)")
                let message = wrote.json["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("/notes/today.txt") && !message.contains(root.path), "the caller's path, not the server's: \(message)")
                #expect(message.contains("mkdir"), "and what to do: \(message)")
                #expect(try await Self.call(junction, key, "mkdir", ["path": "notes/2026/12", "parents": true]).json["success"] == true)
                let written = try await Self.call(junction, key, "write", ["path": "notes/today.txt", "content": "Olá, SFTP ✓\n"])
                #expect(written.json["data"] == ["path": "/notes/today.txt", "size": 15], "\(written.text)")
                #expect(try String(contentsOf: root.appendingPathComponent("notes/today.txt"), encoding: .utf8) == "Olá, SFTP ✓\n")

                // Larger than one SFTP packet, binary.
                let binary = Data((0..<200_000).map { UInt8(($0 * 7) % 256) })
                let big = try await Self.call(junction, key, "write", ["path": "notes/blob.bin", "content": .string(binary.base64EncodedString()), "encoding": "base64"])
                #expect(big.json["success"] == true, "\(big.text)")
                #expect(try Data(contentsOf: root.appendingPathComponent("notes/blob.bin")) == binary)
                let readBack = try await Self.call(junction, key, "read", ["path": "/notes/blob.bin", "encoding": "base64"])
                #expect(readBack.json["data"]?["content"] == .string(binary.base64EncodedString()))
                #expect(readBack.json["data"]?["size"] == 200_000)
                let text = try await Self.call(junction, key, "read", ["path": "notes/./today.txt"])
                #expect(text.json["data"]?["content"] == "Olá, SFTP ✓\n")
                let notText = try await Self.call(junction, key, "read", ["path": "notes/blob.bin"])
                #expect(notText.json["error"]?["field"] == "data.encoding", "\(notText.text)")

                let listed = try await Self.call(junction, key, "list", ["path": "notes"])
                let entries = listed.json["data"]?["entries"]?.arrayValue ?? []
                #expect(entries.map { $0["name"] } == ["2026", "blob.bin", "today.txt"], "\(listed.text)")
                #expect(entries.first?["type"] == "directory")
                #expect(entries.last?["size"] == 15)
                #expect(entries.last?["modified"]?.stringValue?.hasPrefix("20") == true)
                let stat = try await Self.call(junction, key, "stat", ["path": "notes/today.txt"])
                #expect(stat.json["data"]?["type"] == "file")
                #expect(stat.json["data"]?["name"] == "/notes/today.txt")

                let again = try await Self.call(junction, key, "write", ["path": "notes/today.txt", "content": "x", "overwrite": false])
                #expect(again.json["success"] == false, "an existing file is kept: \(again.text)")
                #expect(try String(contentsOf: root.appendingPathComponent("notes/today.txt"), encoding: .utf8) == "Olá, SFTP ✓\n")
                let renamed = try await Self.call(junction, key, "rename", ["from": "notes/today.txt", "to": "notes/2026/12/04.txt"])
                #expect(renamed.json["success"] == true, "\(renamed.text)")
                #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("notes/2026/12/04.txt").path))
                #expect(try await Self.call(junction, key, "delete", ["path": "notes/2026/12/04.txt"]).json["success"] == true)
                #expect(try await Self.call(junction, key, "delete", ["path": "notes/2026/12"]).json["success"] == true)
                #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("notes/2026/12").path))
                let missing = try await Self.call(junction, key, "read", ["path": "nothing.txt"])
                #expect(missing.json["error"]?["code"] == "not_found", "\(missing.text)")

                for escape in ["../../etc/passwd", "/notes/../../x", "a/../../b", "..\\..\\windows", "C:/x"] {
                    let refused = try await Self.call(junction, key, "read", ["path": .string(escape)])
                    #expect(refused.json["error"]?["code"] == "invalid_input", "\(escape): \(refused.text)")
                    #expect(refused.json["error"]?["message"]?.stringValue?.contains("root") == true)
                }
                let tooBig = try await Self.call(junction, key, "write", ["path": "huge.bin", "content": .string(Data(count: 300_001).base64EncodedString()), "encoding": "base64"])
                #expect(tooBig.json["error"]?["code"] == "payload_too_large", "\(tooBig.text)")
                #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("huge.bin").path))
                #expect(try await Self.call(junction, key, "delete", ["path": "/"]).json["error"]?["code"] == "invalid_input")
            }
        }
    }

    @Test func aKeyLoginAndRefusedLogins() async throws {
        try await TestSFTP.withDirectory { root in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, root: root, credential: [
                    "name": "deploy-key", "kind": "ssh_key", "username": .string(TestSFTP.user), "private_key": .string(TestSFTP.privateKey),
                ])
                try "hello".write(to: root.appendingPathComponent("greeting.txt"), atomically: true, encoding: .utf8)
                let read = try await Self.call(junction, key, "read", ["path": "greeting.txt"])
                #expect(read.json["data"]?["content"] == "hello", "\(read.text)")
                let credentials = try await junction.request(.get, "/api/v1/credentials", key: key)
                #expect(!credentials.text.contains(String(TestSFTP.privateKey.split(separator: "\n")[1])), "the key is never shown again")
                #expect(credentials.json["credentials"]?.arrayValue?.first?["private_key"] == "•••• OPENSSH PRIVATE KEY", "only its kind: \(credentials.text)")

                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "wrong", "kind": "basic", "username": .string(TestSFTP.user), "password": "not-the-password",
                ])
                #expect(try await junction.request(.put, "/api/v1/connectors/files", key: key, json: ["credential": "wrong"]).status == .ok)
                let refused = try await junction.request(.post, "/api/v1/connectors/files/test", key: key)
                #expect(refused.json["error"]?["code"] == "authentication_failed", "\(refused.text)")
                #expect(!refused.text.contains("not-the-password"))

                let rsa = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "rsa", "kind": "ssh_key", "username": "x",
                    "private_key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----",
                ])
                #expect(rsa.status == .created)
                #expect(try await junction.request(.put, "/api/v1/connectors/files", key: key, json: ["credential": "rsa"]).status == .ok)
                let unsupported = try await junction.request(.post, "/api/v1/connectors/files/test", key: key)
                #expect(unsupported.json["error"]?["message"]?.stringValue?.contains("RSA keys are not supported") == true, "\(unsupported.text)")
            }
        }
    }

    @Test func theHostKeyMustBePinned() async throws {
        try await TestSFTP.withDirectory { root in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, root: root, options: ["host_key_fingerprint": ""])
                let unpinned = try await junction.request(.post, "/api/v1/connectors/files/test", key: key)
                #expect(unpinned.json["error"]?["code"] == "tls_error", "\(unpinned.text)")
                #expect(unpinned.json["error"]?["message"]?.stringValue?.contains(TestSFTP.fingerprint) == true, "the refusal names the key to pin")
                let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                #expect(try await junction.request(.put, "/api/v1/connectors/files", key: key, json: ["options": ["host_key_fingerprint": .string(wrong)]]).status == .ok)
                let changed = try await Self.call(junction, key, "list", [:])
                #expect(changed.json["error"]?["code"] == "tls_error", "\(changed.text)")
                #expect(changed.json["error"]?["message"]?.stringValue?.contains("not the pinned one") == true)
                #expect(try await junction.request(.put, "/api/v1/connectors/files", key: key, json: ["options": ["host_key_fingerprint": .string(TestSFTP.fingerprint)]]).status == .ok)
                #expect(try await Self.call(junction, key, "list", [:]).json["success"] == true)
            }
        }
    }

    @Test func filesAreToolsAndWorkflowSteps() async throws {
        try await TestSFTP.withDirectory { root in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, root: root, options: ["read_only": false])
                let session = try await MCPServerTests.openSession(junction, key: key)
                let listed = try await junction.request(.post, "/mcp", key: key, json: ["jsonrpc": "2.0", "id": 2, "method": "tools/list"], headers: session)
                let names = Set(listed.json["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
                #expect(names.isSuperset(of: ["files__list", "files__read", "files__write", "files__delete"]), "\(names)")
                let agent: JSONValue = [
                    "name": "archive", "type": "workflow",
                    "steps": [
                        ["id": "save", "connector": "files", "resource": "write", "data": ["path": "report-{{input.day}}.txt", "content": "{{input.text}}"]],
                        ["id": "check", "connector": "files", "resource": "stat", "data": ["path": "report-{{input.day}}.txt"]],
                    ],
                    "output": ["size": "{{steps.check.data.size}}"],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: key, json: agent).status == .created)
                let started = try await junction.request(.post, "/api/v1/agents/archive/runs", key: key, json: ["input": ["day": "04", "text": "all good"]])
                let run = try await RunAPITests.finished(try #require(started.json["id"]?.stringValue), in: junction, key: key)
                #expect(run["status"] == "completed", "\(run)")
                #expect(run["output"]?["size"] == 8)
                #expect(try String(contentsOf: root.appendingPathComponent("report-04.txt"), encoding: .utf8) == "all good")

                #expect(try await junction.request(.put, "/api/v1/connectors/files", key: key, json: ["options": ["read_only": true]]).status == .ok)
                let reading = try await junction.request(.get, "/api/v1/connectors/files/resources", key: key)
                #expect(reading.json["resources"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } == ["list", "stat", "read"], "\(reading.text)")
            }
        }
    }
}
