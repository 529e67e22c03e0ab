import Foundation
import JunctionCore
import JunctionStorage

/// Junction's data directory opened: its database, the keyring sealing secrets and what first
/// start created there (a `0700` directory, a `0600` master key file and SQLite database, and
/// the platform admin key).
public struct DataDirectory: Sendable {
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

    /// The directory's path.
    public let path: String
    /// The store over its database.
    public let store: any Store
    /// The keyring sealing secrets.
    public let secrets: SecretBox
    /// What this start created.
    public let bootstrap: Bootstrap

    /// Whether `directory` holds a Junction database.
    public static func hasDatabase(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent(databaseFileName).path)
    }

    /// Opens the configured data directory, creating it, its master key and its admin key on
    /// first start. Refuses a master key that does not open the secrets already stored.
    public static func open(_ configuration: Runtime.Configuration) async throws -> DataDirectory {
        let directory = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try checkSecretFilesDirectory(configuration.secretReferences.fileDirectory, dataDirectory: directory)
        let databaseURL = directory.appendingPathComponent(databaseFileName)
        let databaseExisted = FileManager.default.fileExists(atPath: databaseURL.path)
        let (secrets, createdMasterKey) = try MasterKeyFile.loadKeyring(
            environmentKey: configuration.masterKey, directory: directory, allowCreating: !databaseExisted)
        if !databaseExisted {
            // SQLite gives its -wal and -shm files the database file's mode: make it 0600 first.
            try PrivateFile.write("", to: databaseURL)
        }
        let store = try SQLiteStore(path: databaseURL.path)
        try await checkKeyring(secrets, opens: store)
        let adminKeyURL = directory.appendingPathComponent(adminKeyFileName)
        var createdAdminKey: String?
        if try await store.keys(tenantID: nil).isEmpty {
            // The key file is written before the key is stored: a crash between the two leaves
            // no platform key, and the next start makes a new one.
            let issued = APIKeys.generate(scope: .platform, name: "admin")
            try PrivateFile.write(issued.text + "\n", to: adminKeyURL)
            try await store.insertKey(
                issued.record,
                audit: AuditActor.system.event("key.create", tenantID: nil, targetType: "api_key", target: issued.record.id)
            )
            createdAdminKey = issued.text
        }
        return DataDirectory(
            path: configuration.dataDirectory, store: store, secrets: secrets,
            bootstrap: Bootstrap(createdAdminKey: createdAdminKey, adminKeyPath: adminKeyURL.path, createdMasterKey: createdMasterKey))
    }

    /// Refuses to start when the keyring cannot open a secret already in the database (a
    /// wrong or replaced master key), rather than failing later on every use.
    private static func checkKeyring(_ secrets: SecretBox, opens store: any Store) async throws {
        guard let sample = try await store.credentials(tenantID: nil).first(where: { !$0.sealedSecrets.isEmpty }) else {
            return
        }
        do {
            _ = try secrets.open(
                sample.sealedSecrets, context: CredentialService.sealContext(tenantID: sample.tenantID, id: sample.id))
        } catch {
            throw JunctionError.invalidInput(
                "The master key does not open the secrets in this database: start with the master key they were sealed with."
            )
        }
    }

    /// The secret files directory must not hold the data directory (or the reverse): tenants
    /// could otherwise reference the master key or the database.
    private static func checkSecretFilesDirectory(_ secretFiles: String?, dataDirectory: URL) throws {
        guard let secretFiles else { return }
        let secrets = URL(fileURLWithPath: secretFiles).standardizedFileURL.resolvingSymlinksInPath().path
        let data = dataDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        if secrets == data || SecretReferencePolicy.isInside(data, directory: secrets)
            || SecretReferencePolicy.isInside(secrets, directory: data)
        {
            throw JunctionError.invalidInput(
                "secret_files_dir must not contain, or be inside, the data directory.", field: "secret_files_dir")
        }
    }
}
