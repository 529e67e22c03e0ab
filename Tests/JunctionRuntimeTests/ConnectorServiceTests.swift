import Foundation
import JunctionCore
import JunctionRuntime
import JunctionStorage
import Testing

/// Secret options of a connector type: sealed at rest, masked when shown, kept when a masked
/// value is sent back, replaced when a new value is sent.
@Suite struct ConnectorServiceTests {
    static let vaultSpec = ConnectorSpec(
        type: "vaultdb",
        displayName: "Vault DB",
        description: "A test type with a secret option.",
        category: "database",
        capabilities: [.invoke],
        connectionURL: .optional,
        fields: [
            FieldSpec("database", .string, required: true, description: "Database name."),
            FieldSpec("password", .string, required: true, secret: true, description: "Password."),
        ]
    )

    struct Fixture {
        let store: SQLiteStore
        let service: ConnectorService
        let tenant: Tenant
        let directory: URL
    }

    func fixture() async throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("junction.sqlite").path)
        var registry = ConnectorRegistry()
        registry.register(spec: Self.vaultSpec)
        let service = ConnectorService(store: store, registry: registry, secrets: SecretBox(primary: .random()))
        let tenant = Tenant(name: Slug("acme")!)
        let key = APIKeys.generate(scope: .tenant(tenant.id), name: "default")
        try await store.insertTenant(tenant, firstKey: key.record, audit: AuditActor.system.event(
            "tenant.create", tenantID: tenant.id, targetType: "tenant", target: "acme"))
        return Fixture(store: store, service: service, tenant: tenant, directory: directory)
    }

    let actor = AuditActor(keyID: "key_test", scope: .tenant, requestID: "req_test")

    @Test func secretOptionsAreSealedMaskedKeptAndReplaced() async throws {
        let fixture = try await fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let password = "vault-password-PLAINTEXT-0001"
        let created = try await fixture.service.create(tenantID: fixture.tenant.id, body: [
            "connector_name": "ledger", "connector_type": "vaultdb",
            "options": ["database": "ledger", "password": .string(password)],
        ], by: actor).connector
        #expect(created.options == ["database": "ledger"])
        #expect(created.secretOptionHints == ["password": "••••0001"])
        #expect(!created.sealedSecretOptions.isEmpty)
        #expect(try fixture.service.options(of: created)["password"] == .string(password))

        // Sending the masked value back (as a console would after a GET) keeps the secret.
        let echoed = try await fixture.service.update(tenantID: fixture.tenant.id, name: created.name, body: [
            "options": ["database": "ledger-2", "password": "••••0001"],
        ], by: actor)
        #expect(echoed.options["database"] == "ledger-2")
        #expect(try fixture.service.options(of: echoed)["password"] == .string(password))

        let replaced = try await fixture.service.update(tenantID: fixture.tenant.id, name: created.name, body: [
            "options": ["password": "new-password-0002"],
        ], by: actor)
        #expect(try fixture.service.options(of: replaced)["password"] == "new-password-0002")
        #expect(replaced.secretOptionHints == ["password": "••••0002"])

        var bytes = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path) {
            bytes += try Data(contentsOf: fixture.directory.appendingPathComponent(file))
        }
        #expect(bytes.range(of: Data(password.utf8)) == nil)
        #expect(bytes.range(of: Data("new-password-0002".utf8)) == nil)
    }

    @Test func aMissingSecretOptionIsRequiredAndNothingIsStored() async throws {
        let fixture = try await fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let error = try await #require(throws: JunctionError.self) {
            try await fixture.service.create(tenantID: fixture.tenant.id, body: [
                "connector_name": "ledger", "connector_type": "vaultdb", "options": ["database": "ledger"],
            ], by: actor)
        }
        #expect(error.field == "options.password")
        #expect(try await fixture.store.connectors(ConnectorQuery(tenantID: nil)).isEmpty)
    }
}
