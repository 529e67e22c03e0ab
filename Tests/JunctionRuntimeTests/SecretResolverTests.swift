import Foundation
import JunctionCore
import JunctionRuntime
import Testing

@Suite struct SecretResolverTests {
    let environment: [String: String] = [
        "JUNCTION_SECRET_ACME_CRM": "from-env", "JUNCTION_SECRET_OTHER_CRM": "not-yours", "HOME": "/root",
        "JUNCTION_SECRET_ACME_EMPTY": "",
    ]
    let acme = Slug("acme")!

    func resolver(files: String? = nil) -> SecretResolver {
        let environment = self.environment
        return SecretResolver(policy: SecretReferencePolicy(fileDirectory: files), environment: { environment[$0] })
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("junction-refs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func literalsPassThroughAndTheTenantsEnvironmentReferencesResolve() throws {
        #expect(try resolver().resolve("plain-value", field: "token", tenant: acme) == "plain-value")
        #expect(try resolver().resolve("env:JUNCTION_SECRET_ACME_CRM", field: "token", tenant: acme) == "from-env")
        let headers: JSONValue = ["X-A": "env:JUNCTION_SECRET_ACME_CRM", "X-B": "literal"]
        #expect(try resolver().resolve(headers, field: "headers", tenant: acme) == ["X-A": "from-env", "X-B": "literal"])
        let dashed = try #require(Slug("big-co"))
        #expect(SecretReferencePolicy().environmentPrefix(for: dashed) == "JUNCTION_SECRET_BIG_CO_")
    }

    @Test(arguments: [
        "env:HOME", "env:JUNCTION_SECRET_OTHER_CRM", "env:JUNCTION_SECRET_ACME_MISSING", "env:JUNCTION_SECRET_ACME_EMPTY",
        "file:/etc/hostname",
    ])
    func refusedOrMissingReferencesFailAsAuthentication(reference: String) throws {
        let error = try #require(throws: JunctionError.self) { try resolver().resolve(reference, field: "token", tenant: acme) }
        #expect(error.code == .authenticationFailed)
        #expect(error.field == "token")
        #expect(!error.message.contains("/root"))
        #expect(!error.message.contains("not-yours"))
    }

    @Test func fileReferencesReadOnlyInsideTheTenantsDirectoryEvenThroughLinks() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let allowed = root.appendingPathComponent("secrets")
        let mine = allowed.appendingPathComponent("acme")
        let theirs = allowed.appendingPathComponent("other")
        let outside = root.appendingPathComponent("outside")
        for directory in [mine, theirs, outside] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try "inside-secret\n".write(to: mine.appendingPathComponent("crm"), atomically: true, encoding: .utf8)
        try "their-secret".write(to: theirs.appendingPathComponent("crm"), atomically: true, encoding: .utf8)
        try "outside-secret".write(to: outside.appendingPathComponent("master.key"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            at: mine.appendingPathComponent("escape"), withDestinationURL: outside.appendingPathComponent("master.key"))

        let resolver = resolver(files: allowed.path)
        #expect(try resolver.resolve("file:\(mine.path)/crm", field: "token", tenant: acme) == "inside-secret")
        for reference in ["file:\(mine.path)/escape", "file:\(mine.path)/../other/crm", "file:\(theirs.path)/crm",
                          "file:\(outside.path)/master.key", "file:\(mine.path)"] {
            let error = try #require(throws: JunctionError.self) { try resolver.resolve(reference, field: "token", tenant: acme) }
            #expect(error.code == .authenticationFailed, "\(reference)")
        }
    }

    @Test func thePolicyCheckExplainsWhatIsAllowed() throws {
        let policy = SecretReferencePolicy(environmentPrefix: "TENANT_", fileDirectory: "/run/secrets")
        try policy.check(.environment("TENANT_ACME_X"), field: "token", tenant: acme)
        try policy.check(.file("/run/secrets/acme/crm"), field: "token", tenant: acme)
        let env = try #require(throws: JunctionError.self) { try policy.check(.environment("TENANT_X"), field: "token", tenant: acme) }
        #expect(env.message.contains("TENANT_ACME_"))
        let file = try #require(throws: JunctionError.self) {
            try policy.check(.file("/run/secrets/other/crm"), field: "token", tenant: acme)
        }
        #expect(file.message.contains("/run/secrets/acme"))
        let disabled = try #require(throws: JunctionError.self) {
            try SecretReferencePolicy().check(.file("/run/secrets/acme/crm"), field: "token", tenant: acme)
        }
        #expect(disabled.code == .invalidInput)
    }
}
