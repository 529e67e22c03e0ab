import Foundation
import Hummingbird
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionStorage
import Logging

/// Assembles a Junction server: data directory, keyring, store, services and routes.
public struct JunctionApplication: Sendable {
    /// What first start created, for the operator to see once.
    public struct Bootstrap: Sendable {
        /// The platform admin key, when this start created it (also written to `admin.key`).
        public var createdAdminKey: String?
        /// Where the admin key was written.
        public var adminKeyPath: String
        /// Whether this start created the master key file.
        public var createdMasterKey: Bool
    }

    /// The name of the SQLite database inside the data directory.
    public static let databaseFileName = "junction.sqlite"
    /// The name of the admin key file inside the data directory.
    public static let adminKeyFileName = "admin.key"

    /// The server's configuration.
    public let configuration: ServerConfiguration
    /// The store behind every route.
    public let store: any Store
    /// The keyring sealing secrets.
    public let secrets: SecretBox
    /// The connector types this server knows.
    public let registry: ConnectorRegistry
    /// What this start created.
    public let bootstrap: Bootstrap

    /// Opens (creating on first start) the data directory, keyring and database, and makes
    /// the platform admin key if none exists yet.
    public init(configuration: ServerConfiguration, registry: ConnectorRegistry = .builtIn) async throws {
        let directory = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (secrets, createdMasterKey) = try MasterKeyFile.loadKeyring(
            environmentKey: configuration.masterKey, directory: directory)
        let databaseURL = directory.appendingPathComponent(Self.databaseFileName)
        if !FileManager.default.fileExists(atPath: databaseURL.path) {
            // SQLite gives its -wal and -shm files the database file's mode: make it 0600 first.
            try PrivateFile.write("", to: databaseURL)
        }
        let store = try SQLiteStore(path: databaseURL.path)
        let adminKeyURL = directory.appendingPathComponent(Self.adminKeyFileName)
        var createdAdminKey: String?
        if try await store.keys(tenantID: nil).isEmpty {
            let issued = try await APIKeys(store: store).create(scope: .platform, name: "admin", by: .system)
            try PrivateFile.write(issued.text + "\n", to: adminKeyURL)
            createdAdminKey = issued.text
        }
        self.configuration = configuration
        self.store = store
        self.secrets = secrets
        self.registry = registry
        self.bootstrap = Bootstrap(
            createdAdminKey: createdAdminKey, adminKeyPath: adminKeyURL.path, createdMasterKey: createdMasterKey)
    }

    /// The HTTP router with every route.
    public func router() -> Router<JunctionRequestContext> {
        let router = Router(context: JunctionRequestContext.self)
        router.add(middleware: RequestMiddleware())
        router.add(middleware: APIKeyMiddleware(keys: APIKeys(store: store), pathPrefix: "/api/"))
        let body = JSONBodyReader(limit: configuration.maxBodyBytes)
        let scope = TenantScope(store: store, mode: configuration.mode)
        HealthController(store: store).register(on: router.group())
        let api = router.group("api/v1")
        TenantController(store: store, body: body).register(on: api)
        CredentialController(
            store: store, credentials: CredentialService(store: store, secrets: secrets), scope: scope, body: body
        ).register(on: api)
        ConnectorController(
            store: store, connectors: ConnectorService(store: store, registry: registry, secrets: secrets),
            scope: scope, body: body
        ).register(on: api)
        CatalogController(registry: registry).register(on: api)
        AuditController(store: store, scope: scope).register(on: api)
        return router
    }

    /// The runnable application; `onServerRunning` receives the URL actually bound.
    public func application(
        logger: Logger,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let host = configuration.host
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "Junction"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                await onServerRunning("http://\(shownHost):\(port)")
            },
            logger: logger
        )
    }
}
