import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Secrets must not be readable anywhere at rest: not in the database file, its WAL, nor the
/// audit log; API keys are stored only as digests.
@Suite struct SecretStorageTests {
    @Test func noSecretIsStoredInPlaintext() async throws {
        let secrets = [
            "bearer-token-PLAINTEXT-1111", "basic-password-PLAINTEXT-2222", "client-secret-PLAINTEXT-3333",
            "header-value-PLAINTEXT-4444", "api-key-value-PLAINTEXT-5555",
        ]
        let (directory, tenantKey) = try await withJunction(dataDirectory: Self.temporaryDirectory()) { junction in
            let tenant = try await junction.createTenant("acme")
            let bodies: [JSONValue] = [
                ["name": "one", "kind": "bearer", "token": .string(secrets[0])],
                ["name": "two", "kind": "basic", "username": "bob", "password": .string(secrets[1])],
                ["name": "three", "kind": "oauth2_client_credentials", "token_url": "https://auth.example.com/t",
                 "client_id": "cid", "client_secret": .string(secrets[2])],
                ["name": "four", "kind": "headers", "headers": ["X-Key": .string(secrets[3])]],
                ["name": "five", "kind": "api_key", "value": .string(secrets[4])],
            ]
            for body in bodies {
                let answer = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
                #expect(answer.status == .created)
                for secret in secrets { #expect(!answer.text.contains(secret)) }
            }
            let audit = try await junction.request(.get, "/api/v1/audit", key: tenant.key)
            for secret in secrets { #expect(!audit.text.contains(secret)) }
            return (junction.dataDirectory, tenant.key)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix(DataDirectory.databaseFileName) }
        #expect(files.contains(DataDirectory.databaseFileName))
        var bytes = Data()
        for file in files { bytes += try Data(contentsOf: directory.appendingPathComponent(file)) }
        #expect(bytes.count > 0)
        for needle in secrets + [tenantKey] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) found in the database files")
        }
        // Public fields are stored and findable, proving the scan reads real content.
        #expect(bytes.range(of: Data("https://auth.example.com/t".utf8)) != nil)
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("junction-secrets-\(UUID().uuidString)")
    }
}

