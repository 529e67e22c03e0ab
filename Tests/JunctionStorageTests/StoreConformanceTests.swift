import Foundation
import GRDB
import JunctionCore
import Testing

@testable import JunctionStorage

/// Every `Store` driver. Adding a driver (e.g. PostgreSQL) means adding a case here; every
/// test in `StoreConformanceTests` then runs against it too.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite

    var testDescription: String { rawValue }

    /// A new, empty store.
    func make() throws -> any Store {
        try make(in: Self.freshDirectory())
    }

    /// The store kept in `directory`, created when absent; opening it again reopens the same data.
    func make(in directory: URL) throws -> any Store {
        switch self {
        case .sqlite:
            try SQLiteStore(path: directory.appendingPathComponent("junction.sqlite").path)
        }
    }

    /// Where stores are created; set per test case by the `.temporaryStores` trait, which
    /// removes it afterwards.
    @TaskLocal static var scratchDirectory: URL?

    static func freshDirectory() throws -> URL {
        let parent = scratchDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("junction-store-tests", isDirectory: true)
        let url = parent.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Gives each test case its own scratch directory for stores and deletes it when the case ends.
struct TemporaryStoresTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-store-tests-" + UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreKind.$scratchDirectory.withValue(directory) { try await function() }
    }
}

extension Trait where Self == TemporaryStoresTrait {
    static var temporaryStores: Self { Self() }
}

// MARK: - Fixtures

/// A whole-second instant. Seeds default to it so that records compare equal after a round
/// trip regardless of how a driver rebuilds dates (see `timestampsKeepTheirExactValue`).
let fixedDate = Date(timeIntervalSince1970: 1_795_382_371)

func slug(_ text: String) -> Slug {
    guard let slug = Slug(text) else { fatalError("Not a slug: \(text)") }
    return slug
}

func auditEvent(_ action: String, tenantID: String?, target: String, targetType: String = "thing") -> AuditEvent {
    AuditEvent(tenantID: tenantID, actor: "key_test", action: action, targetType: targetType, target: target, requestID: "req-1")
}

struct NotAllowed: Error {}

extension Store {
    /// Inserts a tenant named `name` with a first key; returns both.
    @discardableResult
    func seedTenant(_ name: String, createdAt: Date = fixedDate) async throws -> (Tenant, APIKey) {
        let tenant = Tenant(name: slug(name), createdAt: createdAt)
        let key = APIKey(
            id: Identifier.make("key"), scope: .tenant(tenant.id), name: "default", digest: Array(repeating: 0xAB, count: 32),
            createdAt: createdAt)
        try await insertTenant(tenant, firstKey: key, audit: auditEvent("tenant.create", tenantID: tenant.id, target: name))
        return (tenant, key)
    }

    @discardableResult
    func seedCredential(_ name: String, tenantID: String, kind: CredentialKind = .bearer) async throws -> Credential {
        let credential = Credential(
            tenantID: tenantID, name: slug(name), kind: kind, config: ["note": "public"], hints: ["token": "••••abcd"],
            sealedSecrets: [1, 2, 3, 4, 0, 255], createdAt: fixedDate)
        try await insertCredential(credential, audit: auditEvent("credential.create", tenantID: tenantID, target: name))
        return credential
    }

    @discardableResult
    func seedConnector(
        _ name: String, tenantID: String, type: String = "http", credential: String? = nil, enabled: Bool = true
    ) async throws -> ConnectorRecord {
        let connector = ConnectorRecord(
            tenantID: tenantID, name: slug(name), type: type, connectionURL: "https://api.example.com",
            options: ["headers": ["Accept": "application/json"]], credential: credential.map(slug), enabled: enabled,
            createdAt: fixedDate)
        try await insertConnector(connector, audit: auditEvent("connector.create", tenantID: tenantID, target: name))
        return connector
    }

    @discardableResult
    func seedAgent(_ name: String, tenantID: String, model: String = "openai/gpt-4o-mini") async throws -> Agent {
        let document: JSONValue = ["name": .string(name), "type": "llm", "model": .string(model), "tools": ["crm"]]
        let agent = Agent(tenantID: tenantID, definition: try AgentDefinition(json: document), document: document, createdAt: fixedDate)
        try await saveAgent(agent, replacing: false, audit: auditEvent("agent.create", tenantID: tenantID, target: name))
        return agent
    }

    /// The tenant's links as `agent→connector`.
    func linkedConnectors(_ tenantID: String) async throws -> [String] {
        try await agentLinks(tenantID: tenantID, agent: nil).map { "\($0.agent)→\($0.connector)" }
    }

    func auditCount() async throws -> Int {
        try await auditEvents(AuditQuery(tenantID: nil, limit: 100_000)).count
    }

    func allConnectors() async throws -> [ConnectorRecord] {
        try await connectors(ConnectorQuery(tenantID: nil))
    }
}

// MARK: - Conformance

@Suite(.temporaryStores) struct StoreConformanceTests {
    // MARK: Readiness and reopening

    @Test(arguments: StoreKind.allCases)
    func freshStoreIsReadyAndEmpty(_ kind: StoreKind) async throws {
        let store = try kind.make()
        try await store.checkReadiness()
        #expect(try await store.tenants().isEmpty)
        #expect(try await store.keys(tenantID: nil).isEmpty)
        #expect(try await store.credentials(tenantID: nil).isEmpty)
        #expect(try await store.allConnectors().isEmpty)
        #expect(try await store.auditCount() == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func reopeningKeepsDataAndMigrationsAreIdempotent(_ kind: StoreKind) async throws {
        let directory = try StoreKind.freshDirectory()
        let tenant: Tenant
        let key: APIKey
        do {
            let store = try kind.make(in: directory)
            (tenant, key) = try await store.seedTenant("acme")
            try await store.seedCredential("token", tenantID: tenant.id)
            try await store.seedConnector("crm", tenantID: tenant.id, credential: "token")
        }

        // Opened again (running the migrator again each time), twice.
        for round in 0..<2 {
            let reopened = try kind.make(in: directory)
            try await reopened.checkReadiness()
            let tenants = try await reopened.tenants()
            #expect(tenants.count == 1 + round)
            #expect(tenants.contains { $0.id == tenant.id })
            #expect(try await reopened.key(id: key.id)?.id == key.id)
            #expect(try await reopened.credential(tenantID: tenant.id, name: slug("token")) != nil)
            #expect(try await reopened.connector(tenantID: tenant.id, name: slug("crm"))?.credential == slug("token"))
            #expect(try await reopened.auditCount() == 3 + round)
            // It still accepts writes, and constraints still hold.
            try await reopened.seedTenant("round-\(round)")
            await #expect(throws: JunctionError.self) { try await reopened.seedTenant("acme") }
        }
        let final = try kind.make(in: directory)
        #expect(Set(try await final.tenants().map(\.name.rawValue)) == ["acme", "round-0", "round-1"])
        #expect(try await final.auditCount() == 5)
    }

    // MARK: Tenants

    @Test(arguments: StoreKind.allCases)
    func insertTenantStoresTenantFirstKeyAndOneAuditEvent(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, key) = try await store.seedTenant("acme")

        let byID = try #require(try await store.tenant(idOrName: tenant.id))
        #expect(byID.id == tenant.id)
        #expect(byID.name == tenant.name)
        let byName = try #require(try await store.tenant(idOrName: "acme"))
        #expect(byName.id == tenant.id)
        #expect(try await store.tenant(idOrName: "other") == nil)
        #expect(try await store.tenant(idOrName: "") == nil)

        let storedKey = try #require(try await store.key(id: key.id))
        #expect(storedKey.scope == .tenant(tenant.id))
        #expect(storedKey.digest == key.digest)
        #expect(storedKey.name == "default")

        let events = try await store.auditEvents(AuditQuery(tenantID: nil))
        #expect(events.count == 1)
        #expect(events.first?.action == "tenant.create")
        #expect(events.first?.target == "acme")
    }

    @Test(arguments: StoreKind.allCases)
    func tenantAndKeyReadBackEqualWhatWasWritten(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, key) = try await store.seedTenant("acme")
        #expect(try await store.tenant(idOrName: tenant.id) == tenant)
        #expect(try await store.tenant(idOrName: "acme") == tenant)
        #expect(try await store.key(id: key.id) == key)
    }

    /// Creation times as `Timestamp.now()` makes them: whole milliseconds, one per record.
    static func millisecondDates(_ count: Int) -> [Date] {
        (1...count).map { Date(timeIntervalSince1970: Double(Int64(1_795_382_371_000) + Int64($0)) / 1000) }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Writes one tenant, key, credential, connector and audit event per date and reads each
    /// back; returns the pairs of (written, read) dates.
    static func writeAndReadDates(_ kind: StoreKind, _ dates: [Date]) async throws -> [(Date, Date)] {
        let store = try kind.make()
        var pairs: [(Date, Date)] = []
        for (index, date) in dates.enumerated() {
            let (tenant, key) = try await store.seedTenant("t\(index)", createdAt: date)
            let credential = Credential(
                tenantID: tenant.id, name: slug("c"), kind: .bearer, config: [:], hints: [:], sealedSecrets: [], createdAt: date)
            try await store.insertCredential(credential, audit: AuditEvent(at: date, tenantID: tenant.id, actor: "a", action: "x", targetType: "t", target: "c"))
            let connector = ConnectorRecord(
                tenantID: tenant.id, name: slug("k"), type: "http", lastHealthCheck: date, createdAt: date)
            try await store.insertConnector(connector, audit: auditEvent("connector.create", tenantID: tenant.id, target: "k"))

            let readTenant = try #require(try await store.tenant(idOrName: tenant.id))
            let readKey = try #require(try await store.key(id: key.id))
            let readCredential = try #require(try await store.credential(tenantID: tenant.id, name: slug("c")))
            let readConnector = try #require(try await store.connector(tenantID: tenant.id, name: slug("k")))
            let readEvent = try #require(try await store.auditEvents(AuditQuery(tenantID: tenant.id, actions: ["x"])).first)
            pairs += [
                (date, readTenant.createdAt), (date, readKey.createdAt), (date, readCredential.createdAt),
                (date, readCredential.updatedAt), (date, readConnector.createdAt), (date, readConnector.updatedAt),
                (date, try #require(readConnector.lastHealthCheck)), (date, readEvent.at),
            ]
        }
        return pairs
    }

    @Test(arguments: StoreKind.allCases)
    func timestampsKeepTheirMillisecond(_ kind: StoreKind) async throws {
        let pairs = try await Self.writeAndReadDates(kind, Self.millisecondDates(20))
        #expect(pairs.count == 160)
        let moved = pairs.filter { Self.milliseconds($0.0) != Self.milliseconds($0.1) }
        #expect(moved.isEmpty)
        let far = pairs.filter { abs($0.0.timeIntervalSince($0.1)) > 0.000_001 }
        #expect(far.isEmpty)
    }

    /// `Timestamp.now()` truncates to whole milliseconds "so that a value returned on creation
    /// equals the one read back later"; a record read back must therefore equal the one written.
    @Test(arguments: StoreKind.allCases)
    func timestampsKeepTheirExactValue(_ kind: StoreKind) async throws {
        let pairs = try await Self.writeAndReadDates(kind, Self.millisecondDates(20))
        let unequal = pairs.filter { $0.0 != $0.1 }.count
        #expect(unequal == 0, "\(unequal) of \(pairs.count) dates read back differ from the ones written")
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateTenantNameIsConflictOnName(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (original, _) = try await store.seedTenant("acme")
        let before = try await store.auditCount()

        let duplicate = Tenant(name: slug("acme"))
        let duplicateKey = APIKey(id: Identifier.make("key"), scope: .tenant(duplicate.id), name: "default", digest: [1])
        let error = try await #require(throws: JunctionError.self) {
            try await store.insertTenant(duplicate, firstKey: duplicateKey, audit: auditEvent("tenant.create", tenantID: duplicate.id, target: "acme"))
        }
        #expect(error.code == .conflict)
        #expect(error.field == "name")

        #expect(try await store.tenants().map(\.id) == [original.id])
        #expect(try await store.key(id: duplicateKey.id) == nil)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func tenantsAreListedOldestFirst(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let base = Date(timeIntervalSince1970: 1_795_382_371)
        // Inserted out of age order, with names out of age order too.
        let (middle, _) = try await store.seedTenant("alpha", createdAt: base.addingTimeInterval(60))
        let (newest, _) = try await store.seedTenant("bravo", createdAt: base.addingTimeInterval(3600))
        let (oldest, _) = try await store.seedTenant("zulu", createdAt: base)
        #expect(try await store.tenants().map(\.id) == [oldest.id, middle.id, newest.id])
    }

    // MARK: API keys

    @Test(arguments: StoreKind.allCases)
    func keysAreListedByScope(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, acmeFirst) = try await store.seedTenant("acme")
        let (other, otherFirst) = try await store.seedTenant("other")
        let base = Date(timeIntervalSince1970: 1_795_382_371)
        let platformB = APIKey(id: Identifier.make("key"), scope: .platform, name: "ops", digest: [2], createdAt: base.addingTimeInterval(10))
        let platformA = APIKey(id: Identifier.make("key"), scope: .platform, name: "root", digest: [1], createdAt: base)
        let acmeSecond = APIKey(id: Identifier.make("key"), scope: .tenant(acme.id), name: "ci", digest: [3])
        for key in [platformB, platformA, acmeSecond] {
            try await store.insertKey(key, audit: auditEvent("key.create", tenantID: key.tenantID, target: key.id))
        }

        #expect(try await store.keys(tenantID: nil).map(\.id) == [platformA.id, platformB.id])
        #expect(Set(try await store.keys(tenantID: acme.id).map(\.id)) == [acmeFirst.id, acmeSecond.id])
        #expect(try await store.keys(tenantID: other.id).map(\.id) == [otherFirst.id])
        #expect(try await store.keys(tenantID: "ten_missing").isEmpty)

        let platform = try #require(try await store.key(id: platformA.id))
        #expect(platform.scope == .platform)
        #expect(platform.tenantID == nil)
        #expect(platform.digest == [1])
        #expect(try await store.key(id: "key_missing") == nil)
        #expect(try await store.auditCount() == 5)
    }

    @Test(arguments: StoreKind.allCases)
    func deleteKeyChecksTheScope(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, acmeKey) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        let platformKey = APIKey(id: Identifier.make("key"), scope: .platform, name: "root", digest: [1])
        try await store.insertKey(platformKey, audit: auditEvent("key.create", tenantID: nil, target: platformKey.id))
        let before = try await store.auditCount()

        let mismatches: [(String, APIKey.Scope?)] = [
            (acmeKey.id, .platform),
            (acmeKey.id, .tenant(other.id)),
            (platformKey.id, .tenant(acme.id)),
            ("key_missing", nil),
            ("key_missing", .platform),
        ]
        for (id, scope) in mismatches {
            let error = try await #require(throws: JunctionError.self) {
                try await store.deleteKey(id: id, scope: scope, audit: auditEvent("key.delete", tenantID: nil, target: id))
            }
            #expect(error.code == .notFound, "deleting \(id) in scope \(String(describing: scope))")
        }
        #expect(try await store.key(id: acmeKey.id) != nil)
        #expect(try await store.key(id: platformKey.id) != nil)
        #expect(try await store.auditCount() == before)

        try await store.deleteKey(id: acmeKey.id, scope: .tenant(acme.id), audit: auditEvent("key.delete", tenantID: acme.id, target: acmeKey.id))
        #expect(try await store.key(id: acmeKey.id) == nil)
        // The last platform key is kept: revoking it would lock the operator out.
        let last = try await #require(throws: JunctionError.self) {
            try await store.deleteKey(id: platformKey.id, scope: .platform, audit: auditEvent("key.delete", tenantID: nil, target: platformKey.id))
        }
        #expect(last.code == .conflict)
        #expect(try await store.auditCount() == before + 1)
        let spare = APIKey(id: Identifier.make("key"), scope: .platform, name: "spare", digest: [2])
        try await store.insertKey(spare, audit: auditEvent("key.create", tenantID: nil, target: spare.id))
        try await store.deleteKey(id: platformKey.id, scope: .platform, audit: auditEvent("key.delete", tenantID: nil, target: platformKey.id))
        #expect(try await store.key(id: platformKey.id) == nil)
        #expect(try await store.auditCount() == before + 3)

        // Deleting again is not_found.
        let again = try await #require(throws: JunctionError.self) {
            try await store.deleteKey(id: platformKey.id, scope: .platform, audit: auditEvent("key.delete", tenantID: nil, target: platformKey.id))
        }
        #expect(again.code == .notFound)
    }

    @Test(arguments: StoreKind.allCases)
    func deleteKeyWithoutScopeDeletesAnyKey(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (_, key) = try await store.seedTenant("acme")
        try await store.deleteKey(id: key.id, scope: nil, audit: auditEvent("key.delete", tenantID: nil, target: key.id))
        #expect(try await store.key(id: key.id) == nil)
    }

    // MARK: Credentials

    @Test(arguments: StoreKind.allCases)
    func insertAndReadCredential(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let before = try await store.auditCount()
        let credential = Credential(
            tenantID: tenant.id, name: slug("stripe"), kind: .basic, config: ["username": "svc", "n": 9_007_199_254_740_993],
            hints: ["password": "••••wxyz"], sealedSecrets: Array(0...255))
        try await store.insertCredential(credential, audit: auditEvent("credential.create", tenantID: tenant.id, target: "stripe"))
        #expect(try await store.auditCount() == before + 1)

        let stored = try #require(try await store.credential(tenantID: tenant.id, name: slug("stripe")))
        #expect(stored.id == credential.id)
        #expect(stored.tenantID == tenant.id)
        #expect(stored.kind == .basic)
        #expect(stored.config == credential.config)
        #expect(stored.hints == credential.hints)
        #expect(stored.sealedSecrets == credential.sealedSecrets)
        #expect(try await store.credential(tenantID: tenant.id, name: slug("other")) == nil)
        #expect(try await store.credential(tenantID: "ten_missing", name: slug("stripe")) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func credentialReadsBackEqualWhatWasWritten(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let credential = try await store.seedCredential("token", tenantID: tenant.id)
        #expect(try await store.credential(tenantID: tenant.id, name: slug("token")) == credential)
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateCredentialIsConflictOnName(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let original = try await store.seedCredential("token", tenantID: tenant.id)
        let before = try await store.auditCount()

        let error = try await #require(throws: JunctionError.self) {
            try await store.seedCredential("token", tenantID: tenant.id, kind: .apiKey)
        }
        #expect(error.code == .conflict)
        #expect(error.field == "name")
        #expect(try await store.credentials(tenantID: tenant.id).map(\.id) == [original.id])
        #expect(try await store.credential(tenantID: tenant.id, name: slug("token"))?.kind == .bearer)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func sameCredentialNameInTwoTenants(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        let a = try await store.seedCredential("token", tenantID: acme.id)
        let b = try await store.seedCredential("token", tenantID: other.id, kind: .basic)
        #expect(try await store.credential(tenantID: acme.id, name: slug("token"))?.id == a.id)
        #expect(try await store.credential(tenantID: other.id, name: slug("token"))?.id == b.id)
        #expect(try await store.credential(tenantID: other.id, name: slug("token"))?.kind == .basic)
    }

    @Test(arguments: StoreKind.allCases)
    func credentialsAreListedPerTenantByNameAndAll(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        for name in ["zeta", "alpha", "mid"] { try await store.seedCredential(name, tenantID: acme.id) }
        for name in ["beta", "alpha"] { try await store.seedCredential(name, tenantID: other.id) }

        #expect(try await store.credentials(tenantID: acme.id).map(\.name.rawValue) == ["alpha", "mid", "zeta"])
        #expect(try await store.credentials(tenantID: other.id).map(\.name.rawValue) == ["alpha", "beta"])
        #expect(try await store.credentials(tenantID: "ten_missing").isEmpty)

        let all = try await store.credentials(tenantID: nil)
        #expect(all.count == 5)
        let expected = all.sorted { ($0.tenantID, $0.name.rawValue) < ($1.tenantID, $1.name.rawValue) }
        #expect(all.map(\.id) == expected.map(\.id))
        #expect(Set(all.map(\.tenantID)) == [acme.id, other.id])
    }

    @Test(arguments: StoreKind.allCases)
    func deleteCredential(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedCredential("token", tenantID: acme.id)
        try await store.seedCredential("token", tenantID: other.id)
        let before = try await store.auditCount()

        try await store.deleteCredential(tenantID: acme.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: acme.id, target: "token"))
        #expect(try await store.credential(tenantID: acme.id, name: slug("token")) == nil)
        #expect(try await store.credential(tenantID: other.id, name: slug("token")) != nil)
        #expect(try await store.auditCount() == before + 1)

        let error = try await #require(throws: JunctionError.self) {
            try await store.deleteCredential(tenantID: acme.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: acme.id, target: "token"))
        }
        #expect(error.code == .notFound)
        #expect(try await store.auditCount() == before + 1)
    }

    @Test(arguments: StoreKind.allCases)
    func deleteCredentialInUseIsConflictListingConnectors(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedCredential("token", tenantID: acme.id)
        try await store.seedCredential("token", tenantID: other.id)
        try await store.seedConnector("zendesk", tenantID: acme.id, credential: "token")
        try await store.seedConnector("crm", tenantID: acme.id, credential: "token")
        try await store.seedConnector("unrelated", tenantID: acme.id)
        try await store.seedConnector("elsewhere", tenantID: other.id, credential: "token")
        let before = try await store.auditCount()

        let error = try await #require(throws: JunctionError.self) {
            try await store.deleteCredential(tenantID: acme.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: acme.id, target: "token"))
        }
        #expect(error.code == .conflict)
        #expect(error.details?["connectors"] == ["crm", "zendesk"])
        #expect(error.message.contains("crm"))
        #expect(error.message.contains("zendesk"))

        #expect(try await store.credential(tenantID: acme.id, name: slug("token")) != nil)
        #expect(try await store.connectors(ConnectorQuery(tenantID: acme.id)).count == 3)
        #expect(try await store.auditCount() == before)

        // Once no connector uses it, it can go.
        try await store.deleteConnector(tenantID: acme.id, name: slug("crm"), force: false, audit: auditEvent("connector.delete", tenantID: acme.id, target: "crm"))
        _ = try await store.updateConnector(tenantID: acme.id, name: slug("zendesk"), audit: auditEvent("connector.update", tenantID: acme.id, target: "zendesk")) {
            $0.credential = nil
        }
        try await store.deleteCredential(tenantID: acme.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: acme.id, target: "token"))
        #expect(try await store.credential(tenantID: acme.id, name: slug("token")) == nil)
        #expect(try await store.credential(tenantID: other.id, name: slug("token")) != nil)
    }

    // MARK: Connectors

    @Test(arguments: StoreKind.allCases)
    func insertConnectorAndReadEveryField(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        try await store.seedCredential("token", tenantID: tenant.id)
        let before = try await store.auditCount()
        let created = Date(timeIntervalSince1970: 1_795_382_371.5)
        let connector = ConnectorRecord(
            tenantID: tenant.id, name: slug("crm"), type: "http", template: "hubspot", displayName: "CRM",
            description: "Our CRM", connectionURL: "https://crm.example.com/api",
            options: ["headers": ["Accept": "application/json"], "big": 9_007_199_254_740_993, "ratio": 0.25],
            secretOptionHints: ["api_secret": "••••1234"], sealedSecretOptions: [9, 8, 7],
            credential: slug("token"), timeoutMilliseconds: 1500, maxRetries: 0, enabled: false, mode: "sync",
            healthStatus: .unhealthy, lastHealthCheck: created.addingTimeInterval(30), lastError: "timeout",
            createdAt: created, updatedAt: created.addingTimeInterval(60))
        try await store.insertConnector(connector, audit: auditEvent("connector.create", tenantID: tenant.id, target: "crm"))
        #expect(try await store.auditCount() == before + 1)

        let stored = try #require(try await store.connector(tenantID: tenant.id, name: slug("crm")))
        #expect(stored == connector)
        #expect(try await store.connector(tenantID: tenant.id, name: slug("other")) == nil)
        #expect(try await store.connector(tenantID: "ten_missing", name: slug("crm")) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func connectorWithDefaultsReadsBackEqual(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let connector = try await store.seedConnector("crm", tenantID: tenant.id)
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) == connector)
    }

    @Test(arguments: StoreKind.allCases)
    func insertConnectorWithMissingCredentialIsInvalidInput(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedCredential("elsewhere", tenantID: other.id)
        let before = try await store.auditCount()

        for credential in ["missing", "elsewhere"] {
            let error = try await #require(throws: JunctionError.self) {
                try await store.seedConnector("crm", tenantID: acme.id, credential: credential)
            }
            #expect(error.code == .invalidInput)
            #expect(error.field == "credential")
        }
        #expect(try await store.allConnectors().isEmpty)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateConnectorIsConflictOnConnectorName(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let original = try await store.seedConnector("crm", tenantID: tenant.id)
        let before = try await store.auditCount()

        let error = try await #require(throws: JunctionError.self) {
            try await store.seedConnector("crm", tenantID: tenant.id, type: "postgres")
        }
        #expect(error.code == .conflict)
        #expect(error.field == "connector_name")
        let stored = try await store.connectors(ConnectorQuery(tenantID: tenant.id))
        #expect(stored.map(\.id) == [original.id])
        #expect(stored.first?.type == "http")
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func sameConnectorNameInTwoTenants(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        let a = try await store.seedConnector("crm", tenantID: acme.id)
        let b = try await store.seedConnector("crm", tenantID: other.id, type: "postgres")
        #expect(try await store.connector(tenantID: acme.id, name: slug("crm"))?.id == a.id)
        #expect(try await store.connector(tenantID: other.id, name: slug("crm"))?.id == b.id)
        #expect(try await store.connector(tenantID: other.id, name: slug("crm"))?.type == "postgres")
    }

    @Test(arguments: StoreKind.allCases)
    func updateConnectorAppliesTheChangeAndKeepsIdentity(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedCredential("token", tenantID: acme.id)
        let original = try await store.seedConnector("crm", tenantID: acme.id)
        let before = try await store.auditCount()
        let later = original.createdAt.addingTimeInterval(5)

        let updated = try await store.updateConnector(
            tenantID: acme.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: acme.id, target: "crm")
        ) { connector in
            connector.description = "Updated"
            connector.enabled = false
            connector.options["query"] = ["page": "1"]
            connector.credential = slug("token")
            connector.timeoutMilliseconds = 5000
            connector.updatedAt = later
            // Identity fields the store must keep.
            connector.id = "con_hijacked"
            connector.tenantID = other.id
            connector.createdAt = Date(timeIntervalSince1970: 0)
        }

        #expect(updated.id == original.id)
        #expect(updated.tenantID == acme.id)
        #expect(updated.createdAt == original.createdAt)
        #expect(updated.description == "Updated")
        #expect(updated.enabled == false)
        #expect(updated.credential == slug("token"))
        #expect(updated.options["query"] == ["page": "1"])
        #expect(updated.options["headers"] == ["Accept": "application/json"])
        #expect(updated.updatedAt == later)

        let stored = try #require(try await store.connector(tenantID: acme.id, name: slug("crm")))
        #expect(stored == updated)
        #expect(try await store.connectors(ConnectorQuery(tenantID: other.id)).isEmpty)
        #expect(try await store.auditCount() == before + 1)
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, limit: 1)).first?.action == "connector.update")
    }

    @Test(arguments: StoreKind.allCases)
    func updateConnectorCanRename(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let original = try await store.seedConnector("crm", tenantID: tenant.id)
        let renamed = try await store.updateConnector(
            tenantID: tenant.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "crm")
        ) { $0.name = slug("sales-crm") }
        #expect(renamed.name == slug("sales-crm"))
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) == nil)
        #expect(try await store.connector(tenantID: tenant.id, name: slug("sales-crm"))?.id == original.id)
    }

    @Test(arguments: StoreKind.allCases)
    func throwingChangeLeavesConnectorAndAuditUntouched(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let original = try await store.seedConnector("crm", tenantID: tenant.id)
        let before = try await store.auditCount()

        await #expect(throws: NotAllowed.self) {
            try await store.updateConnector(
                tenantID: tenant.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "crm")
            ) { connector in
                connector.description = "half-done"
                connector.enabled = false
                throw NotAllowed()
            }
        }
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) == original)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func updateUnknownConnectorIsNotFoundAndNeverCallsTheChange(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let before = try await store.auditCount()
        let error = try await #require(throws: JunctionError.self) {
            try await store.updateConnector(
                tenantID: tenant.id, name: slug("ghost"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "ghost")
            ) { _ in throw NotAllowed() }
        }
        #expect(error.code == .notFound)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func renameCollisionIsConflictAndChangesNothing(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        let crm = try await store.seedConnector("crm", tenantID: acme.id)
        let billing = try await store.seedConnector("billing", tenantID: acme.id)
        try await store.seedConnector("taken-elsewhere", tenantID: other.id)
        let before = try await store.auditCount()

        let error = try await #require(throws: JunctionError.self) {
            try await store.updateConnector(
                tenantID: acme.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: acme.id, target: "crm")
            ) { connector in
                connector.name = slug("billing")
                connector.description = "should not stick"
            }
        }
        #expect(error.code == .conflict)
        #expect(error.field == "connector_name")
        #expect(try await store.connector(tenantID: acme.id, name: slug("crm")) == crm)
        #expect(try await store.connector(tenantID: acme.id, name: slug("billing")) == billing)
        #expect(try await store.auditCount() == before)

        // A name used only in another tenant is free.
        let moved = try await store.updateConnector(
            tenantID: acme.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: acme.id, target: "crm")
        ) { $0.name = slug("taken-elsewhere") }
        #expect(moved.id == crm.id)
    }

    @Test(arguments: StoreKind.allCases)
    func updateToMissingCredentialIsInvalidInput(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let original = try await store.seedConnector("crm", tenantID: tenant.id)
        let before = try await store.auditCount()
        let error = try await #require(throws: JunctionError.self) {
            try await store.updateConnector(
                tenantID: tenant.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "crm")
            ) { $0.credential = slug("missing") }
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "credential")
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) == original)
        #expect(try await store.auditCount() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func connectorQueriesFilterAndSort(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedConnector("zeta", tenantID: acme.id, type: "http")
        try await store.seedConnector("alpha", tenantID: acme.id, type: "postgres")
        try await store.seedConnector("mid", tenantID: acme.id, type: "http", enabled: false)
        try await store.seedConnector("beta", tenantID: other.id, type: "http")
        try await store.seedConnector("gamma", tenantID: other.id, type: "postgres", enabled: false)

        func names(_ query: ConnectorQuery) async throws -> [String] {
            try await store.connectors(query).map(\.name.rawValue)
        }
        #expect(try await names(ConnectorQuery(tenantID: acme.id)) == ["alpha", "mid", "zeta"])
        #expect(try await names(ConnectorQuery(tenantID: acme.id, type: "http")) == ["mid", "zeta"])
        #expect(try await names(ConnectorQuery(tenantID: acme.id, enabled: true)) == ["alpha", "zeta"])
        #expect(try await names(ConnectorQuery(tenantID: acme.id, enabled: false)) == ["mid"])
        #expect(try await names(ConnectorQuery(tenantID: acme.id, type: "http", enabled: true)) == ["zeta"])
        #expect(try await names(ConnectorQuery(tenantID: other.id)) == ["beta", "gamma"])
        #expect(try await names(ConnectorQuery(tenantID: "ten_missing")).isEmpty)
        #expect(try await names(ConnectorQuery(tenantID: nil, type: "kafka")).isEmpty)
        #expect(Set(try await names(ConnectorQuery(tenantID: nil, type: "postgres"))) == ["alpha", "gamma"])
        #expect(Set(try await names(ConnectorQuery(tenantID: nil, enabled: false))) == ["mid", "gamma"])

        let all = try await store.allConnectors()
        #expect(all.count == 5)
        let expected = all.sorted { ($0.tenantID, $0.name.rawValue) < ($1.tenantID, $1.name.rawValue) }
        #expect(all.map(\.id) == expected.map(\.id))
    }

    @Test(arguments: StoreKind.allCases)
    func deleteConnector(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (acme, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("other")
        try await store.seedConnector("crm", tenantID: acme.id)
        try await store.seedConnector("crm", tenantID: other.id)
        let before = try await store.auditCount()

        try await store.deleteConnector(tenantID: acme.id, name: slug("crm"), force: false, audit: auditEvent("connector.delete", tenantID: acme.id, target: "crm"))
        #expect(try await store.connector(tenantID: acme.id, name: slug("crm")) == nil)
        #expect(try await store.connector(tenantID: other.id, name: slug("crm")) != nil)
        #expect(try await store.auditCount() == before + 1)

        for force in [false, true] {
            let error = try await #require(throws: JunctionError.self) {
                try await store.deleteConnector(tenantID: acme.id, name: slug("crm"), force: force, audit: auditEvent("connector.delete", tenantID: acme.id, target: "crm"))
            }
            #expect(error.code == .notFound)
        }
        #expect(try await store.auditCount() == before + 1)

        // The name is free again.
        try await store.seedConnector("crm", tenantID: acme.id)
    }

    @Test(arguments: StoreKind.allCases)
    func deleteLinkedConnectorIsConflictUnlessForced(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        try await store.seedConnector("crm", tenantID: tenant.id)
        try await store.seedConnector("spare", tenantID: tenant.id)
        for (agent, connector) in [("support-bot", "crm"), ("billing-bot", "crm"), ("other-bot", "spare")] {
            try await store.seedAgent(agent, tenantID: tenant.id)
            try await store.linkAgent(tenantID: tenant.id, agent: slug(agent), connector: slug(connector), audit: auditEvent("agent.link", tenantID: tenant.id, target: agent))
        }
        let before = try await store.auditCount()

        let error = try await #require(throws: JunctionError.self) {
            try await store.deleteConnector(tenantID: tenant.id, name: slug("crm"), force: false, audit: auditEvent("connector.delete", tenantID: tenant.id, target: "crm"))
        }
        #expect(error.code == .conflict)
        #expect(error.details?["agents"] == ["billing-bot", "support-bot"])
        #expect(error.message.contains("support-bot"))
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) != nil)
        #expect(try await store.linkedConnectors(tenant.id) == ["billing-bot→crm", "other-bot→spare", "support-bot→crm"])
        #expect(try await store.auditCount() == before)

        try await store.deleteConnector(tenantID: tenant.id, name: slug("crm"), force: true, audit: auditEvent("connector.delete", tenantID: tenant.id, target: "crm"))
        #expect(try await store.connector(tenantID: tenant.id, name: slug("crm")) == nil)
        #expect(try await store.linkedConnectors(tenant.id) == ["other-bot→spare"])
        #expect(try await store.auditCount() == before + 1)
    }

    // MARK: Agents

    @Test(arguments: StoreKind.allCases)
    func agentsAreSavedReplacedAndReadBack(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("globex")
        let agent = try await store.seedAgent("triage", tenantID: tenant.id)
        #expect(try await store.agent(tenantID: tenant.id, name: slug("triage")) == agent)
        #expect(try await store.agent(tenantID: other.id, name: slug("triage")) == nil)

        let duplicate = try await #require(throws: JunctionError.self) { try await store.seedAgent("triage", tenantID: tenant.id) }
        #expect(duplicate.code == .conflict)
        #expect(duplicate.field == "name")

        // Replacing keeps the id and creation time.
        let document: JSONValue = ["name": "triage", "type": "llm", "model": "anthropic/claude-sonnet-4-5"]
        let later = fixedDate.addingTimeInterval(60)
        let replacement = Agent(
            tenantID: tenant.id, definition: try AgentDefinition(json: document), document: document, createdAt: later)
        let before = try await store.auditCount()
        let saved = try await store.saveAgent(replacement, replacing: true, audit: auditEvent("agent.update", tenantID: tenant.id, target: "triage"))
        #expect(saved.created == false)
        #expect(saved.agent.id == agent.id)
        #expect(saved.agent.createdAt == fixedDate)
        let stored = try #require(try await store.agent(tenantID: tenant.id, name: slug("triage")))
        #expect(stored.id == agent.id)
        #expect(stored.createdAt == fixedDate)
        #expect(stored.updatedAt == later)
        #expect(stored.definition.model?.provider == .anthropic)
        #expect(stored.document == document)
        #expect(try await store.auditCount() == before + 1)

        try await store.seedAgent("another", tenantID: tenant.id)
        try await store.seedAgent("theirs", tenantID: other.id)
        #expect(try await store.agents(tenantID: tenant.id).map(\.name.rawValue) == ["another", "triage"])
        #expect(try await store.agents(tenantID: nil).count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func linksNeedBothEndsAndGoWithTheAgent(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("globex")
        try await store.seedAgent("triage", tenantID: tenant.id)
        try await store.seedAgent("digest", tenantID: tenant.id)
        try await store.seedConnector("hook", tenantID: tenant.id, type: "webhook")
        try await store.seedConnector("theirs", tenantID: other.id)
        let link = { @Sendable (agent: String, connector: String) async throws -> Bool in
            try await store.linkAgent(tenantID: tenant.id, agent: slug(agent), connector: slug(connector), audit: auditEvent("agent.link", tenantID: tenant.id, target: agent))
        }
        let before = try await store.auditCount()
        #expect(try await link("triage", "hook"))
        #expect(try await link("triage", "hook") == false, "linking twice is not an error")
        #expect(try await link("digest", "hook"))
        #expect(try await store.auditCount() == before + 2)
        let links = try await store.agentLinks(tenantID: tenant.id, agent: slug("triage"))
        #expect(links.map(\.connector.rawValue) == ["hook"])
        #expect(links.first?.connectorType == "webhook")

        for (agent, connector, missing) in [("nobody", "hook", "agent"), ("triage", "nothing", "connector"), ("triage", "theirs", "connector")] {
            let error = try await #require(throws: JunctionError.self) { _ = try await link(agent, connector) }
            #expect(error.code == .notFound)
            #expect(error.message.contains(missing), "\(error)")
        }

        try await store.unlinkAgent(tenantID: tenant.id, agent: slug("digest"), connector: slug("hook"), audit: auditEvent("agent.unlink", tenantID: tenant.id, target: "digest"))
        let again = try await #require(throws: JunctionError.self) {
            try await store.unlinkAgent(tenantID: tenant.id, agent: slug("digest"), connector: slug("hook"), audit: auditEvent("agent.unlink", tenantID: tenant.id, target: "digest"))
        }
        #expect(again.code == .notFound)

        try await store.deleteAgent(tenantID: tenant.id, name: slug("triage"), audit: auditEvent("agent.delete", tenantID: tenant.id, target: "triage"))
        #expect(try await store.linkedConnectors(tenant.id).isEmpty)
        #expect(try await store.agent(tenantID: tenant.id, name: slug("triage")) == nil)
        let gone = try await #require(throws: JunctionError.self) {
            try await store.deleteAgent(tenantID: tenant.id, name: slug("triage"), audit: auditEvent("agent.delete", tenantID: tenant.id, target: "triage"))
        }
        #expect(gone.code == .notFound)
    }

    // MARK: Runs

    static func queuedRun(_ tenantID: String, _ agent: String, at offset: TimeInterval, connector: String? = "hook") -> Run {
        Run(
            tenantID: tenantID, agent: slug(agent), trigger: Run.Trigger(kind: "webhook", connector: connector.map(slug)),
            input: ["n": .integer(Int(offset))], createdAt: fixedDate.addingTimeInterval(offset))
    }

    @Test(arguments: StoreKind.allCases)
    func runsAreQueuedTogetherAndListedWithFilters(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("globex")
        let runs = [
            Self.queuedRun(tenant.id, "triage", at: 1), Self.queuedRun(tenant.id, "digest", at: 2),
            Self.queuedRun(tenant.id, "triage", at: 3, connector: nil), Self.queuedRun(other.id, "triage", at: 4),
        ]
        try await store.insertRuns(runs, audit: nil)
        #expect(try await store.run(tenantID: tenant.id, id: runs[0].id) == runs[0])
        #expect(try await store.run(tenantID: other.id, id: runs[0].id) == nil, "another tenant's run is not found")
        #expect(try await store.run(tenantID: nil, id: runs[3].id) == runs[3])

        let ids = { @Sendable (query: RunQuery) async throws -> [String] in try await store.runs(query).map(\.id) }
        #expect(try await ids(RunQuery(tenantID: tenant.id)) == [runs[2].id, runs[1].id, runs[0].id], "newest first")
        #expect(try await ids(RunQuery(tenantID: tenant.id, agent: slug("triage"))) == [runs[2].id, runs[0].id])
        #expect(try await ids(RunQuery(tenantID: tenant.id, connector: slug("hook"))) == [runs[1].id, runs[0].id])
        #expect(try await ids(RunQuery(tenantID: tenant.id, since: fixedDate.addingTimeInterval(2))) == [runs[2].id, runs[1].id])
        #expect(try await ids(RunQuery(tenantID: tenant.id, until: fixedDate.addingTimeInterval(2))) == [runs[0].id])
        #expect(try await ids(RunQuery(tenantID: tenant.id, statuses: [.completed])).isEmpty)
        #expect(try await ids(RunQuery(tenantID: nil, limit: 2)) == [runs[3].id, runs[2].id])

        // Paging through runs created in the same instant loses none.
        let burst = (0..<5).map { _ in Self.queuedRun(other.id, "burst", at: 50) }
        try await store.insertRuns(burst, audit: auditEvent("agent.run", tenantID: other.id, target: "burst"))
        var seen: [String] = []
        var after: String?
        repeat {
            let page = try await ids(RunQuery(tenantID: other.id, agent: slug("burst"), after: after, limit: 2))
            seen += page
            after = page.count == 2 ? page.last : nil
        } while after != nil
        #expect(Set(seen) == Set(burst.map(\.id)))
        #expect(seen.count == 5)

        // A batch with a bad row stores none of its runs.
        let clash = [Self.queuedRun(tenant.id, "triage", at: 9), runs[0]]
        await #expect(throws: (any Error).self) { try await store.insertRuns(clash, audit: nil) }
        #expect(try await store.run(tenantID: nil, id: clash[0].id) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func workersClaimLeaseAndFinishRunsOnce(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let first = Self.queuedRun(tenant.id, "triage", at: 1), second = Self.queuedRun(tenant.id, "triage", at: 2)
        try await store.insertRuns([second, first], audit: nil)
        let now = fixedDate.addingTimeInterval(100)
        let lease = now.addingTimeInterval(30)

        let claimed = try #require(try await store.claimRun(worker: "w1", now: now, leaseUntil: lease, maximumAttempts: 3))
        #expect(claimed.id == first.id, "oldest first")
        #expect(claimed.status == .running)
        #expect(claimed.attempts == 1)
        #expect(claimed.startedAt == now)
        #expect(try await store.claimRun(worker: "w2", now: now, leaseUntil: lease, maximumAttempts: 3)?.id == second.id)
        #expect(try await store.claimRun(worker: "w3", now: now, leaseUntil: lease, maximumAttempts: 3) == nil, "nothing left")

        // Only the owner renews and finishes.
        #expect(try await store.renewLease(runID: first.id, worker: "w2", until: lease) == false)
        #expect(try await store.renewLease(runID: first.id, worker: "w1", until: lease.addingTimeInterval(30)))
        let usage = Run.Usage(inputTokens: 12, outputTokens: 5)
        #expect(try await store.finishRun(
            runID: first.id, worker: "w2", outcome: .completed(output: "no"), trace: [], usage: usage, at: now) == false)
        #expect(try await store.finishRun(
            runID: first.id, worker: "w1", outcome: .completed(output: ["answer": "Paris"]), trace: [["type": "tool"]], usage: usage,
            at: now.addingTimeInterval(1)))
        let done = try #require(try await store.run(tenantID: tenant.id, id: first.id))
        #expect(done.status == .completed)
        #expect(done.output == ["answer": "Paris"])
        #expect(done.trace == [["type": "tool"]])
        #expect(done.usage == usage)
        #expect(done.finishedAt == now.addingTimeInterval(1))
        #expect(try await store.finishRun(
            runID: first.id, worker: "w1", outcome: .failed(Run.Failure(code: .`internal`, message: "late")), trace: [], usage: usage,
            at: now) == false, "a finished run stays as it ended")

        // w2's lease runs out: another worker takes the run over, and w2 can no longer finish it.
        let later = lease.addingTimeInterval(1)
        let takenOver = try #require(try await store.claimRun(worker: "w3", now: later, leaseUntil: later.addingTimeInterval(30), maximumAttempts: 3))
        #expect(takenOver.id == second.id)
        #expect(takenOver.attempts == 2)
        #expect(takenOver.startedAt == now, "first start kept")
        #expect(try await store.finishRun(
            runID: second.id, worker: "w2", outcome: .completed(output: "stale"), trace: [], usage: Run.Usage(), at: later) == false)
        #expect(try await store.finishRun(
            runID: second.id, worker: "w3", outcome: .failed(Run.Failure(code: .upstreamError, message: "HTTP 500")), trace: [],
            usage: Run.Usage(), at: later))
        let failed = try #require(try await store.run(tenantID: nil, id: second.id))
        #expect(failed.status == .failed)
        #expect(failed.failure == Run.Failure(code: .upstreamError, message: "HTTP 500"))
        #expect(failed.output == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aReleasedRunGoesBackUncounted(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let run = Self.queuedRun(tenant.id, "triage", at: 1)
        try await store.insertRuns([run], audit: nil)
        let now = fixedDate.addingTimeInterval(10)
        _ = try await store.claimRun(worker: "w1", now: now, leaseUntil: now.addingTimeInterval(30), maximumAttempts: 3)
        #expect(try await store.releaseRun(runID: run.id, worker: "w2") == false, "only the owner releases")
        #expect(try await store.releaseRun(runID: run.id, worker: "w1"))
        let released = try #require(try await store.run(tenantID: nil, id: run.id))
        #expect(released.status == .queued)
        #expect(released.attempts == 0)
        #expect(try await store.claimRun(worker: "w2", now: now, leaseUntil: now.addingTimeInterval(30), maximumAttempts: 3)?.attempts == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeasesAreRequeuedAndRunsThatKeepDyingAreAbandoned(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let run = Self.queuedRun(tenant.id, "triage", at: 1)
        try await store.insertRuns([run], audit: nil)
        var now = fixedDate.addingTimeInterval(10)
        _ = try await store.claimRun(worker: "w1", now: now, leaseUntil: now.addingTimeInterval(5), maximumAttempts: 2)
        #expect(try await store.requeueExpiredRuns(now: now) == 0, "the lease still holds")
        now = now.addingTimeInterval(6)
        #expect(try await store.requeueExpiredRuns(now: now) == 1)
        #expect(try await store.run(tenantID: nil, id: run.id)?.status == .queued)

        // Second attempt dies too: the run is failed rather than given out a third time.
        _ = try await store.claimRun(worker: "w2", now: now, leaseUntil: now.addingTimeInterval(5), maximumAttempts: 2)
        now = now.addingTimeInterval(6)
        #expect(try await store.claimRun(worker: "w3", now: now, leaseUntil: now.addingTimeInterval(5), maximumAttempts: 2) == nil)
        let abandoned = try #require(try await store.run(tenantID: nil, id: run.id))
        #expect(abandoned.status == .failed)
        #expect(abandoned.failure?.code == .abandoned)
        #expect(abandoned.attempts == 2)
    }

    // MARK: Unknown tenants

    /// Writes that name a tenant that does not exist fail, store nothing and record no audit.
    @Test(arguments: StoreKind.allCases)
    func writesForAnUnknownTenantFailAndChangeNothing(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let key = APIKey(id: Identifier.make("key"), scope: .tenant("ten_missing"), name: "ci", digest: [1])
        await #expect(throws: (any Error).self) {
            try await store.insertKey(key, audit: auditEvent("key.create", tenantID: "ten_missing", target: key.id))
        }
        await #expect(throws: (any Error).self) { try await store.seedCredential("token", tenantID: "ten_missing") }
        await #expect(throws: (any Error).self) { try await store.seedConnector("crm", tenantID: "ten_missing") }
        #expect(try await store.key(id: key.id) == nil)
        #expect(try await store.credentials(tenantID: nil).isEmpty)
        #expect(try await store.allConnectors().isEmpty)
        #expect(try await store.auditCount() == 0)
    }

    /// Every error a store throws is a `JunctionError` (`SQLiteStore.write` promises to
    /// translate constraint errors); a raw driver error would reach callers as an untyped 500.
    @Test(arguments: StoreKind.allCases)
    func foreignKeyViolationsAreJunctionErrors(_ kind: StoreKind) async throws {
        let store = try kind.make()
        var untyped: [String] = []
        do {
            try await store.seedCredential("token", tenantID: "ten_missing")
        } catch {
            if !(error is JunctionError) { untyped.append("insertCredential: \(type(of: error))") }
        }
        do {
            try await store.seedConnector("crm", tenantID: "ten_missing")
        } catch {
            if !(error is JunctionError) { untyped.append("insertConnector: \(type(of: error))") }
        }
        do {
            let key = APIKey(id: Identifier.make("key"), scope: .tenant("ten_missing"), name: "ci", digest: [1])
            try await store.insertKey(key, audit: auditEvent("key.create", tenantID: "ten_missing", target: key.id))
        } catch {
            if !(error is JunctionError) { untyped.append("insertKey: \(type(of: error))") }
        }
        #expect(untyped.isEmpty)
    }

    // MARK: Audit

    @Test(arguments: StoreKind.allCases)
    func everySuccessfulWriteRecordsExactlyOneEvent(_ kind: StoreKind) async throws {
        let store = try kind.make()
        var expected = 0
        func check(_ action: String) async throws {
            expected += 1
            let events = try await store.auditEvents(AuditQuery(tenantID: nil, limit: 1000))
            #expect(events.count == expected, "after \(action)")
            #expect(events.first?.action == action)
        }
        let (tenant, _) = try await store.seedTenant("acme")
        try await check("tenant.create")
        let key = APIKey(id: Identifier.make("key"), scope: .tenant(tenant.id), name: "ci", digest: [1])
        try await store.insertKey(key, audit: auditEvent("key.create", tenantID: tenant.id, target: key.id))
        try await check("key.create")
        try await store.seedCredential("token", tenantID: tenant.id)
        try await check("credential.create")
        try await store.seedConnector("crm", tenantID: tenant.id, credential: "token")
        try await check("connector.create")
        _ = try await store.updateConnector(tenantID: tenant.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "crm")) {
            $0.credential = nil
        }
        try await check("connector.update")
        try await store.deleteConnector(tenantID: tenant.id, name: slug("crm"), force: false, audit: auditEvent("connector.delete", tenantID: tenant.id, target: "crm"))
        try await check("connector.delete")
        try await store.deleteCredential(tenantID: tenant.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: tenant.id, target: "token"))
        try await check("credential.delete")
        try await store.deleteKey(id: key.id, scope: .tenant(tenant.id), audit: auditEvent("key.delete", tenantID: tenant.id, target: key.id))
        try await check("key.delete")
        try await store.recordAudit(auditEvent("auth.failed", tenantID: nil, target: "key_unknown"))
        try await check("auth.failed")
    }

    @Test(arguments: StoreKind.allCases)
    func auditEventFieldsRoundTrip(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let at = Date(timeIntervalSince1970: 1_795_382_371.25)
        let event = AuditEvent(
            at: at, tenantID: "ten_1", actor: "key_abc", action: "connector.update", targetType: "connector", target: "crm",
            outcome: "conflict", requestID: "req-42", details: ["changed": ["description", "enabled"], "n": 9_007_199_254_740_993])
        try await store.recordAudit(event)
        let bare = AuditEvent(at: at, tenantID: nil, actor: "system", action: "startup", targetType: "server", target: "junction")
        try await store.recordAudit(bare)

        let events = try await store.auditEvents(AuditQuery(tenantID: nil))
        #expect(events.count == 2)
        let stored = try #require(events.last)
        #expect(stored.sequence != nil)
        var expected = event
        expected.sequence = stored.sequence
        expected.digest = stored.digest
        #expect(stored == expected)
        #expect(stored.digest?.count == 64)

        let storedBare = try #require(events.first)
        #expect(storedBare.tenantID == nil)
        #expect(storedBare.requestID == nil)
        #expect(storedBare.details == nil)
        #expect(storedBare.outcome == "ok")
    }

    @Test(arguments: StoreKind.allCases)
    func auditEventsAreNewestFirstAndFilterable(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let actions = ["a.one", "b.two", "a.one", "c.three", "b.two", "a.one"]
        for (index, action) in actions.enumerated() {
            try await store.recordAudit(auditEvent(action, tenantID: index.isMultiple(of: 2) ? "ten_even" : "ten_odd", target: "t\(index)"))
        }
        try await store.recordAudit(auditEvent("a.one", tenantID: nil, target: "global"))

        let all = try await store.auditEvents(AuditQuery(tenantID: nil))
        #expect(all.map(\.target) == ["global", "t5", "t4", "t3", "t2", "t1", "t0"])
        let sequences = all.compactMap(\.sequence)
        #expect(sequences.count == 7)
        #expect(sequences == sequences.sorted(by: >))
        #expect(Set(sequences).count == 7)

        #expect(try await store.auditEvents(AuditQuery(tenantID: "ten_even")).map(\.target) == ["t4", "t2", "t0"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: "ten_none")).isEmpty)
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, actions: ["a.one"])).map(\.target) == ["global", "t5", "t2", "t0"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, actions: ["b.two", "c.three"])).map(\.target) == ["t4", "t3", "t1"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: "ten_odd", actions: ["b.two"])).map(\.target) == ["t1"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, actions: ["missing"])).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func auditEventsFilterByActor(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let actors = ["key_a", "key_b", "system", "key_a"]
        for (index, actor) in actors.enumerated() {
            try await store.recordAudit(
                AuditEvent(tenantID: index < 2 ? "ten_1" : "ten_2", actor: actor, action: index == 3 ? "y" : "x", targetType: "t", target: "t\(index)"))
        }
        func targets(_ query: AuditQuery) async throws -> [String] {
            try await store.auditEvents(query).map(\.target)
        }
        #expect(try await targets(AuditQuery(tenantID: nil, actors: ["key_a"])) == ["t3", "t0"])
        #expect(try await targets(AuditQuery(tenantID: nil, actors: ["key_b", "system"])) == ["t2", "t1"])
        #expect(try await targets(AuditQuery(tenantID: "ten_2", actors: ["key_a"])) == ["t3"])
        #expect(try await targets(AuditQuery(tenantID: nil, actions: ["x"], actors: ["key_a"])) == ["t0"])
        #expect(try await targets(AuditQuery(tenantID: nil, actors: ["nobody"])).isEmpty)
        #expect(try await targets(AuditQuery(tenantID: nil, actors: [])).count == 4)
    }

    @Test(arguments: StoreKind.allCases)
    func auditPagingWithBeforeAndLimit(_ kind: StoreKind) async throws {
        let store = try kind.make()
        for index in 0..<10 {
            try await store.recordAudit(auditEvent("x", tenantID: "ten_1", target: "t\(index)"))
        }
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, limit: 3)).map(\.target) == ["t9", "t8", "t7"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, limit: 0)).isEmpty)

        // Page backwards through everything, three at a time.
        var pages: [[String]] = []
        var before: Int64? = nil
        while true {
            let page = try await store.auditEvents(AuditQuery(tenantID: "ten_1", before: before, limit: 3))
            if page.isEmpty { break }
            pages.append(page.map(\.target))
            before = try #require(page.last?.sequence)
            if pages.count > 10 { break }
        }
        #expect(pages == [["t9", "t8", "t7"], ["t6", "t5", "t4"], ["t3", "t2", "t1"], ["t0"]])

        let all = try await store.auditEvents(AuditQuery(tenantID: nil))
        let pivot = try #require(all[4].sequence)  // t5
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, before: pivot)).map(\.target) == ["t4", "t3", "t2", "t1", "t0"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, before: pivot, limit: 2)).map(\.target) == ["t4", "t3"])
        #expect(try await store.auditEvents(AuditQuery(tenantID: nil, before: 1)).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func failedWritesRecordNoAudit(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        try await store.seedCredential("token", tenantID: tenant.id)
        try await store.seedConnector("crm", tenantID: tenant.id, credential: "token")
        let before = try await store.auditEvents(AuditQuery(tenantID: nil))

        _ = try? await store.seedTenant("acme")
        _ = try? await store.seedCredential("token", tenantID: tenant.id)
        _ = try? await store.seedConnector("crm", tenantID: tenant.id)
        _ = try? await store.seedConnector("other", tenantID: tenant.id, credential: "missing")
        try? await store.deleteCredential(tenantID: tenant.id, name: slug("token"), audit: auditEvent("credential.delete", tenantID: tenant.id, target: "token"))
        try? await store.deleteCredential(tenantID: tenant.id, name: slug("ghost"), audit: auditEvent("credential.delete", tenantID: tenant.id, target: "ghost"))
        try? await store.deleteConnector(tenantID: tenant.id, name: slug("ghost"), force: true, audit: auditEvent("connector.delete", tenantID: tenant.id, target: "ghost"))
        try? await store.deleteKey(id: "key_ghost", scope: nil, audit: auditEvent("key.delete", tenantID: nil, target: "key_ghost"))
        _ = try? await store.updateConnector(tenantID: tenant.id, name: slug("crm"), audit: auditEvent("connector.update", tenantID: tenant.id, target: "crm")) { _ in
            throw NotAllowed()
        }

        #expect(try await store.auditEvents(AuditQuery(tenantID: nil)) == before)
    }

    // MARK: Triggers and deliveries

    @Test(arguments: StoreKind.allCases)
    func eventsQueueARunPerLinkedAgentAndRepeatedKeysQueueNothing(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let hook = try await store.seedConnector("hook", tenantID: tenant.id, type: "webhook")
        let lonely = try await store.seedConnector("lonely", tenantID: tenant.id, type: "webhook")
        for agent in ["beta", "alpha"] {
            try await store.seedAgent(agent, tenantID: tenant.id)
            try await store.linkAgent(tenantID: tenant.id, agent: slug(agent), connector: slug("hook"), audit: auditEvent("agent.link", tenantID: tenant.id, target: agent))
        }
        #expect(try await store.connector(id: hook.id)?.name == slug("hook"))
        #expect(try await store.connector(id: "con_nothing") == nil)

        let event = TriggerEvent(
            tenantID: tenant.id, connectorID: hook.id, connector: slug("hook"), kind: "webhook", input: ["n": 1], idempotencyKey: "k-1",
            keyNotBefore: fixedDate)
        let first = try await store.acceptEvent(event)
        #expect(first.repeated == false)
        #expect(first.runs.map(\.agent.rawValue) == ["alpha", "beta"])
        #expect(first.runs.allSatisfy { $0.status == .queued && $0.input == ["n": 1] && $0.trigger == Run.Trigger(kind: "webhook", connector: slug("hook")) })
        let repeated = try await store.acceptEvent(event)
        #expect(repeated.repeated)
        #expect(repeated.runs.map(\.id) == first.runs.map(\.id))
        #expect(try await store.runs(RunQuery(tenantID: tenant.id)).count == 2)

        // A key older than the window is forgotten; events without a key are never repeats.
        var later = event
        later.keyNotBefore = Date().addingTimeInterval(60)
        #expect(try await store.acceptEvent(later).repeated == false)
        var unkeyed = event
        unkeyed.idempotencyKey = nil
        #expect(try await store.acceptEvent(unkeyed).runs.count == 2)
        #expect(try await store.acceptEvent(unkeyed).runs.count == 2)
        #expect(try await store.runs(RunQuery(tenantID: tenant.id)).count == 8)
        var nobody = event
        nobody.connectorID = lonely.id
        nobody.connector = slug("lonely")
        #expect(try await store.acceptEvent(nobody).runs.isEmpty)

        // Purging forgets old keys but each connector's latest event (a cron connector's last tick).
        let latest = try #require(try await store.latestEventTime(connectorID: hook.id))
        var old = event
        old.idempotencyKey = "k-old"
        _ = try await store.acceptEvent(old)
        try await store.purgeTriggerHistory(keysBefore: Date().addingTimeInterval(60), deliveredBefore: fixedDate)
        #expect(try await store.latestEventTime(connectorID: hook.id).map { $0 >= latest } == true)
        #expect(try await store.acceptEvent(event).repeated == false, "k-1 was forgotten")
        #expect(try await store.acceptEvent(old).repeated, "the latest key is kept")

        // A batch is accepted in order: a later event repeating an earlier one's key is a repeat.
        var fresh = event
        fresh.idempotencyKey = "k-batch"
        let batch = try await store.acceptEvents([fresh, unkeyed, fresh])
        #expect(batch.map(\.repeated) == [false, false, true])
        #expect(batch[2].runs.map(\.id) == batch[0].runs.map(\.id))
        #expect(Set(batch[1].runs.map(\.id)).isDisjoint(with: batch[0].runs.map(\.id)))
        #expect(try await store.acceptEvents([]).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func eventsPastTheRunQueueLimitsAreRefusedStoringNothing(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let hook = try await store.seedConnector("hook", tenantID: tenant.id, type: "webhook")
        let other = try await store.seedConnector("other", tenantID: tenant.id, type: "webhook")
        for agent in ["alpha", "beta"] {
            try await store.seedAgent(agent, tenantID: tenant.id)
            try await store.linkAgent(tenantID: tenant.id, agent: slug(agent), connector: slug("hook"), audit: auditEvent("agent.link", tenantID: tenant.id, target: agent))
        }
        try await store.linkAgent(tenantID: tenant.id, agent: slug("alpha"), connector: slug("other"), audit: auditEvent("agent.link", tenantID: tenant.id, target: "alpha"))
        func event(_ connector: ConnectorRecord, _ key: String) -> TriggerEvent {
            TriggerEvent(tenantID: tenant.id, connectorID: connector.id, connector: connector.name, kind: "webhook", input: [:], idempotencyKey: key)
        }
        let limits = RunQueueLimits(perConnector: 4, total: 6)

        // Each hook event queues two runs: the third would make six of four.
        let outcomes = try await store.acceptEvents([event(hook, "a"), event(hook, "b"), event(hook, "c"), event(hook, "a")], limits: limits)
        #expect(try outcomes[0].get().runs.count == 2)
        #expect(try outcomes[1].get().runs.count == 2)
        guard case .failure(let refusal) = outcomes[2] else { Issue.record("the third event was accepted"); return }
        #expect(refusal.code == .rateLimited && refusal.retryable && refusal.retryAfter == .seconds(10))
        #expect(refusal.details?["limit"] == "run_queue_per_connector" && refusal.details?["queued"] == 4)
        #expect(try outcomes[3].get().repeated, "a repeat is answered however full the queue")
        #expect(try await store.runs(RunQuery(tenantID: tenant.id)).count == 4, "the refused event stored nothing")

        // The server's limit counts every connector's runs.
        #expect(try await store.acceptEvent(event(other, "o-1"), limits: limits).runs.count == 1)
        #expect(try await store.acceptEvent(event(other, "o-2"), limits: limits).runs.count == 1)
        do {
            _ = try await store.acceptEvent(event(other, "o-3"), limits: limits)
            Issue.record("a seventh queued run was accepted")
        } catch let error as JunctionError {
            #expect(error.code == .unavailable && error.details?["limit"] == "run_queue_max" && error.details?["queued"] == 6)
        }

        // Claimed runs leave the queue, released ones come back; the refused key was never remembered.
        let now = Date()
        let claimed = try #require(try await store.claimRun(worker: "w", now: now, leaseUntil: now.addingTimeInterval(60), maximumAttempts: 3))
        _ = try await store.claimRun(worker: "w", now: now, leaseUntil: now.addingTimeInterval(60), maximumAttempts: 3)
        #expect(try await store.releaseRun(runID: claimed.id, worker: "w"))
        await #expect(throws: JunctionError.self) { try await store.acceptEvent(event(hook, "c"), limits: limits) }
        _ = try await store.claimRun(worker: "w", now: now, leaseUntil: now.addingTimeInterval(60), maximumAttempts: 3)
        let retried = try await store.acceptEvent(event(hook, "c"), limits: limits)
        #expect(retried.repeated == false && retried.runs.count == 2)
        #expect(try await store.acceptEvents([event(hook, "d")], limits: .unlimited).count == 1, "no limit, no refusal")
    }

    @Test(arguments: StoreKind.allCases)
    func finishedRunsQueueDeliveriesThatAreLeasedRetriedAndRedriven(_ kind: StoreKind) async throws {
        let store = try kind.make()
        let (tenant, _) = try await store.seedTenant("acme")
        let (other, _) = try await store.seedTenant("globex")
        try await store.seedAgent("triage", tenantID: tenant.id)
        for (name, enabled) in [("out", true), ("off", false)] {
            let connector = ConnectorRecord(
                tenantID: tenant.id, name: slug(name), type: "webhook", connectionURL: "https://hooks.example.com", options: [:],
                enabled: enabled, mode: "outbound", createdAt: fixedDate)
            try await store.insertConnector(connector, audit: auditEvent("connector.create", tenantID: tenant.id, target: name))
            try await store.linkAgent(tenantID: tenant.id, agent: slug("triage"), connector: slug(name), audit: auditEvent("agent.link", tenantID: tenant.id, target: name))
        }
        try await store.insertRuns([Self.queuedRun(tenant.id, "triage", at: 0)], audit: nil)
        let now = Date()
        let run = try #require(try await store.claimRun(worker: "w", now: now, leaseUntil: now.addingTimeInterval(30), maximumAttempts: 3))
        #expect(try await store.deliveries(DeliveryQuery(tenantID: tenant.id)).isEmpty, "nothing is delivered before the run ends")
        #expect(try await store.finishRun(runID: run.id, worker: "w", outcome: .completed(output: ["ok": true]), trace: [], usage: Run.Usage(), at: now))

        let queued = try await store.deliveries(DeliveryQuery(tenantID: tenant.id))
        #expect(queued.count == 1, "the disabled connector gets none")
        #expect(queued.first?.connector == slug("out"))
        #expect(queued.first?.status == .pending)
        #expect(queued.first?.payload == ["run_id": .string(run.id), "agent_name": "triage", "status": "completed", "output": ["ok": true]])

        let claimed = try #require(try await store.claimDelivery(now: now, leaseUntil: now.addingTimeInterval(60)))
        #expect(try await store.claimDelivery(now: now, leaseUntil: now.addingTimeInterval(60)) == nil, "a claimed delivery is leased")
        // Postponed (the connector was disabled): not an attempt.
        try await store.recordDelivery(claimed, attempt: .postponed(reason: "disabled", until: now.addingTimeInterval(1)), at: now)
        let postponed = try #require(try await store.claimDelivery(now: now.addingTimeInterval(2), leaseUntil: now.addingTimeInterval(60)))
        #expect(postponed.attempts == 0)
        #expect(postponed.lastError == "disabled")
        // A claim that ran out and was taken again: the first claimant's record is ignored.
        let retaken = try #require(try await store.claimDelivery(now: now.addingTimeInterval(61), leaseUntil: now.addingTimeInterval(120)))
        try await store.recordDelivery(postponed, attempt: .delivered, at: now)
        #expect(try await store.deliveries(DeliveryQuery(tenantID: tenant.id)).first?.status == .pending)
        try await store.recordDelivery(retaken, attempt: .failed(error: "HTTP 500", retryAt: now.addingTimeInterval(5)), at: now)
        #expect(try await store.claimDelivery(now: now, leaseUntil: now.addingTimeInterval(60)) == nil, "not due yet")
        let retried = try #require(try await store.claimDelivery(now: now.addingTimeInterval(6), leaseUntil: now.addingTimeInterval(70)))
        #expect(retried.attempts == 1)
        #expect(retried.lastError == "HTTP 500")
        try await store.recordDelivery(retried, attempt: .failed(error: "HTTP 502", retryAt: nil), at: now)
        let dead = try await store.deliveries(DeliveryQuery(tenantID: tenant.id, statuses: [.dead]))
        #expect(dead.map(\.attempts) == [2])
        #expect(try await store.claimDelivery(now: now.addingTimeInterval(3600), leaseUntil: now.addingTimeInterval(3700)) == nil)

        let missing = try await #require(throws: JunctionError.self) {
            _ = try await store.redriveDelivery(tenantID: other.id, id: claimed.id, now: now, audit: auditEvent("delivery.redrive", tenantID: other.id, target: claimed.id))
        }
        #expect(missing.code == .notFound)
        let before = try await store.auditCount()
        let redriven = try await store.redriveDelivery(tenantID: tenant.id, id: claimed.id, now: now, audit: auditEvent("delivery.redrive", tenantID: tenant.id, target: claimed.id))
        #expect(redriven.status == .pending)
        #expect(redriven.attempts == 0)
        #expect(try await store.auditCount() == before + 1)
        let busy = try await #require(throws: JunctionError.self) {
            _ = try await store.redriveDelivery(tenantID: tenant.id, id: claimed.id, now: now, audit: auditEvent("delivery.redrive", tenantID: tenant.id, target: claimed.id))
        }
        #expect(busy.code == .conflict)
        let again = try #require(try await store.claimDelivery(now: now, leaseUntil: now.addingTimeInterval(60)))
        try await store.recordDelivery(again, attempt: .delivered, at: now)
        let delivered = try await store.deliveries(DeliveryQuery(tenantID: tenant.id, runID: run.id))
        #expect(delivered.map(\.status) == [.delivered])
        #expect(delivered.first?.deliveredAt != nil)
        #expect(try await store.deliveries(DeliveryQuery(tenantID: tenant.id, connector: slug("off"))).isEmpty)

        // Delivered ones are purged after their retention; dead ones stay.
        try await store.purgeTriggerHistory(keysBefore: now, deliveredBefore: now.addingTimeInterval(-60))
        #expect(try await store.deliveries(DeliveryQuery(tenantID: tenant.id)).count == 1)
        try await store.purgeTriggerHistory(keysBefore: now, deliveredBefore: now.addingTimeInterval(60))
        #expect(try await store.deliveries(DeliveryQuery(tenantID: tenant.id)).isEmpty)

        // A run abandoned by its workers is delivered as failed too.
        try await store.insertRuns([Self.queuedRun(tenant.id, "triage", at: 1)], audit: nil)
        #expect(try await store.claimRun(worker: "w", now: now, leaseUntil: now, maximumAttempts: 1) != nil)
        #expect(try await store.claimRun(worker: "w", now: now.addingTimeInterval(1), leaseUntil: now, maximumAttempts: 1) == nil)
        let abandoned = try await store.deliveries(DeliveryQuery(tenantID: tenant.id))
        #expect(abandoned.first?.payload["error"]?["code"] == "abandoned")
    }
}
