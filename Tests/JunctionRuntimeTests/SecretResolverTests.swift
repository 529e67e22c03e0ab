import Foundation
import JunctionCore
import JunctionRuntime
import Testing

@Suite struct SecretResolverTests {
    let environment: [String: String] = ["JUNCTION_SECRET_CRM": "from-env", "HOME": "/root", "JUNCTION_SECRET_EMPTY": ""]

    func resolver(files: String? = nil) -> SecretResolver {
        let environment = self.environment
        return SecretResolver(policy: SecretReferencePolicy(fileDirectory: files), environment: { environment[$0] })
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("junction-refs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func literalsPassThroughAndAllowedEnvironmentReferencesResolve() throws {
        #expect(try resolver().resolve("plain-value", field: "token") == "plain-value")
        #expect(try resolver().resolve("env:JUNCTION_SECRET_CRM", field: "token") == "from-env")
        let headers: JSONValue = ["X-A": "env:JUNCTION_SECRET_CRM", "X-B": "literal"]
        #expect(try resolver().resolve(headers, field: "headers") == ["X-A": "from-env", "X-B": "literal"])
    }

    @Test(arguments: ["env:HOME", "env:JUNCTION_SECRET_MISSING", "env:JUNCTION_SECRET_EMPTY", "file:/etc/hostname"])
    func refusedOrMissingReferencesFailAsAuthentication(reference: String) throws {
        let error = try #require(throws: JunctionError.self) { try resolver().resolve(reference, field: "token") }
        #expect(error.code == .authenticationFailed)
        #expect(error.field == "token")
        #expect(!error.message.contains("/root"))
    }

    @Test func fileReferencesReadOnlyInsideTheDirectoryEvenThroughLinks() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let allowed = root.appendingPathComponent("secrets")
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "inside-secret\n".write(to: allowed.appendingPathComponent("crm"), atomically: true, encoding: .utf8)
        try "outside-secret".write(to: outside.appendingPathComponent("master.key"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            at: allowed.appendingPathComponent("escape"), withDestinationURL: outside.appendingPathComponent("master.key"))

        let resolver = resolver(files: allowed.path)
        #expect(try resolver.resolve("file:\(allowed.path)/crm", field: "token") == "inside-secret")
        for reference in ["file:\(allowed.path)/escape", "file:\(allowed.path)/../outside/master.key",
                          "file:\(outside.path)/master.key", "file:\(allowed.path)"] {
            let error = try #require(throws: JunctionError.self) { try resolver.resolve(reference, field: "token") }
            #expect(error.code == .authenticationFailed, "\(reference)")
        }
    }

    @Test func thePolicyCheckExplainsWhatIsAllowed() throws {
        let policy = SecretReferencePolicy(environmentPrefix: "TENANT_", fileDirectory: "/run/secrets")
        try policy.check(.environment("TENANT_X"), field: "token")
        try policy.check(.file("/run/secrets/crm"), field: "token")
        let env = try #require(throws: JunctionError.self) { try policy.check(.environment("PATH"), field: "token") }
        #expect(env.message.contains("TENANT_"))
        let file = try #require(throws: JunctionError.self) { try policy.check(.file("/run/secretsX/crm"), field: "token") }
        #expect(file.message.contains("/run/secrets"))
        let disabled = try #require(throws: JunctionError.self) {
            try SecretReferencePolicy().check(.file("/run/secrets/crm"), field: "token")
        }
        #expect(disabled.code == .invalidInput)
    }
}
