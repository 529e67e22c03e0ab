import Foundation
import JunctionConnectors
import JunctionMCP
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionStorage
import Testing

@Suite struct FirstStartTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("junction-start-\(UUID().uuidString)/data")
    }

    static func mode(of url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func firstStartCreatesThePrivateDataDirectoryOnce() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        var configuration = Runtime.Configuration()
        configuration.dataDirectory = directory.path
        let first = try await DataDirectory.open(configuration)
        let adminKey = try #require(first.bootstrap.createdAdminKey)
        #expect(first.bootstrap.createdMasterKey)
        let keyFile = directory.appendingPathComponent("admin.key")
        #expect(try String(contentsOf: keyFile, encoding: .utf8) == adminKey + "\n")
        #expect(try Self.mode(of: keyFile) == 0o600)
        #expect(try Self.mode(of: directory.appendingPathComponent("master.key")) == 0o600)
        #expect(try Self.mode(of: directory.appendingPathComponent("junction.sqlite")) == 0o600)
        #expect(try Self.mode(of: directory) == 0o700)

        let second = try await DataDirectory.open(configuration)
        #expect(second.bootstrap.createdAdminKey == nil)
        #expect(!second.bootstrap.createdMasterKey)
        #expect(second.secrets.primary.id == first.secrets.primary.id)
        #expect(try await second.store.keys(tenantID: nil).count == 1)
    }

    @Test func anEnvironmentMasterKeyIsUsedAndNoKeyFileIsWritten() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        var configuration = try await ServerConfiguration.load(
            environment: ["JUNCTION_MASTER_KEY": key, "JUNCTION_DATA_DIR": directory.path]).runtime
        #expect(configuration.masterKey == key)
        let junction = try await DataDirectory.open(configuration)
        #expect(!junction.bootstrap.createdMasterKey)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))

        configuration.masterKey = "dG9vIHNob3J0"
        await #expect(throws: JunctionError.self) { try await DataDirectory.open(configuration) }
    }

    @Test func configurationReadsEnvironmentOverTheYAMLFile() async throws {
        let directory = Self.temporaryDirectory().deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("junction.yaml")
        try "host: 0.0.0.0\nport: 9000\ndata_dir: /srv/junction\nmode: saas\nmax_body_bytes: 2048\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try await ServerConfiguration.load(environment: [:], configFile: file.path)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.port == 9000)
        #expect(fromFile.runtime.dataDirectory == "/srv/junction")
        #expect(fromFile.mode == .saas)
        #expect(fromFile.maxBodyBytes == 2048)
        let overridden = try await ServerConfiguration.load(
            environment: ["JUNCTION_PORT": "0", "JUNCTION_MODE": "invpc"], configFile: file.path)
        #expect(overridden.port == 0)
        #expect(overridden.mode == .invpc)
        #expect(overridden.host == "0.0.0.0")
        let defaults = try await ServerConfiguration.load(environment: [:])
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8080)
        #expect(defaults.runtime.dataDirectory == "./junction-data")
        #expect(defaults.mode == .invpc)
        #expect(defaults.maxBodyBytes == 1 << 20)
        #expect(defaults.runtime.mcpCommands.allowedCommands.isEmpty, "no program may be started unless the operator says so")
        let commands = try await ServerConfiguration.load(environment: ["JUNCTION_MCP_COMMANDS": " /usr/bin/uvx, npx ,,"])
        #expect(commands.runtime.mcpCommands.allowedCommands == ["/usr/bin/uvx", "npx"])
        await #expect(throws: JunctionError.self) {
            try await ServerConfiguration.load(environment: ["JUNCTION_PORT": "eighty"])
        }

        // The limits that push back under load, and the connection limit derived from the open-file limit.
        #expect(defaults.maxConnections == nil)
        #expect(defaults.connectionLimit(openFiles: 1024) == 512)
        #expect(defaults.connectionLimit(openFiles: 1 << 20) == 4096)
        #expect(defaults.runtime.runQueue.perConnector == 10_000 && defaults.runtime.invokeLimits.perTenant == 256)
        let limits = try await ServerConfiguration.load(environment: [
            "JUNCTION_MAX_CONNECTIONS": "300", "JUNCTION_REQUEST_HEADER_TIMEOUT_MS": "2500", "JUNCTION_RUN_QUEUE_PER_CONNECTOR": "50",
            "JUNCTION_RUN_QUEUE_MAX": "500", "JUNCTION_MAX_INVOKES_IN_FLIGHT": "64", "JUNCTION_MAX_INVOKES_PER_TENANT": "8",
            "JUNCTION_MCP_MAX_SESSIONS_PER_TENANT": "5", "JUNCTION_LISTEN_BACKLOG": "128",
        ])
        #expect(limits.connectionLimit(openFiles: 1024) == 300)
        #expect(limits.requestHeaderTimeout == .milliseconds(2500) && limits.listenBacklog == 128)
        #expect(limits.runtime.runQueue.perConnector == 50 && limits.runtime.runQueue.total == 500)
        #expect(limits.runtime.invokeLimits.perServer == 64 && limits.runtime.invokeLimits.perTenant == 8)
        #expect(limits.mcp.maximumSessionsPerTenant == 5)
        for (key, value) in [("JUNCTION_MAX_CONNECTIONS", "0"), ("JUNCTION_RUN_QUEUE_PER_CONNECTOR", "many")] {
            let refused = await #expect(throws: JunctionError.self) { try await ServerConfiguration.load(environment: [key: value]) }
            #expect(refused?.field == key.dropFirst("JUNCTION_".count).lowercased())
        }
        await #expect(throws: JunctionError.self) {
            try await ServerConfiguration.load(environment: ["JUNCTION_MODE": "cloud"])
        }
        await #expect(throws: (any Error).self) {
            try await ServerConfiguration.load(environment: [:], configFile: directory.appendingPathComponent("missing.yaml").path)
        }
    }
}

@Suite struct KeyringSafetyTests {
    static func configuration(_ directory: URL) -> Runtime.Configuration {
        var configuration = Runtime.Configuration()
        configuration.dataDirectory = directory.path
        return configuration
    }

    /// A store with one credential, sealed under the directory's master key.
    static func seed(_ directory: URL) async throws {
        let junction = try await DataDirectory.open(configuration(directory))
        let tenant = Tenant(name: Slug("acme")!)
        try await junction.store.insertTenant(
            tenant, firstKey: APIKey(id: Identifier.make("key"), scope: .tenant(tenant.id), name: "k", digest: [1]),
            audit: AuditEvent(tenantID: tenant.id, actor: "system", action: "tenant.create", targetType: "tenant", target: "acme"))
        let id = Identifier.make("cred")
        let credential = Credential(
            id: id, tenantID: tenant.id, name: Slug("crm")!, kind: .bearer, config: [:], hints: [:],
            sealedSecrets: try junction.secrets.sealJSON(["token": "t"], context: "credential:\(tenant.id):\(id)"))
        try await junction.store.insertCredential(
            credential, audit: AuditEvent(tenantID: tenant.id, actor: "system", action: "credential.create", targetType: "credential", target: "crm"))
    }

    @Test func aMissingMasterKeyFileBesideAnExistingDatabaseRefusesToStart() async throws {
        let directory = FirstStartTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        try await Self.seed(directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("master.key"))
        let error = await #expect(throws: JunctionError.self) {
            try await DataDirectory.open(Self.configuration(directory))
        }
        #expect(error?.message.contains("master.key") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))
    }

    @Test func aDifferentMasterKeyRefusesToStart() async throws {
        let directory = FirstStartTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        try await Self.seed(directory)
        var configuration = Self.configuration(directory)
        configuration.masterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let error = await #expect(throws: JunctionError.self) { try await DataDirectory.open(configuration) }
        #expect(error?.message.contains("does not open") == true)
        // The right key still starts.
        _ = try await DataDirectory.open(Self.configuration(directory))
    }

    @Test func theSecretFilesDirectoryMayNotHoldTheDataDirectory() async throws {
        let directory = FirstStartTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        var configuration = Self.configuration(directory)
        configuration.secretReferences.fileDirectory = directory.deletingLastPathComponent().path
        let error = await #expect(throws: JunctionError.self) { try await DataDirectory.open(configuration) }
        #expect(error?.field == "secret_files_dir")
    }
}
