import JunctionCore

extension CredentialKind {
    /// The kinds a file-transfer type logs in with.
    static let fileTransfer: [CredentialKind] = [.basic, .sshKey]
}

extension ConnectorSpec {
    /// `sftp`: files on an SSH server.
    public static let sftp = ConnectorSpec(
        type: "sftp",
        displayName: "SFTP",
        description: "Lists, reads and writes files on the SSH server at connection_url (sftp://host:22) over SFTP, within options.root. It logs in with a basic credential (password) or an ssh_key credential (Ed25519 or ECDSA private key), and only to a server whose host key is pinned (options.host_key_fingerprint; the first test names the key it was shown). Resources: list, stat, read, write, delete, rename, mkdir.",
        category: "files",
        capabilities: [.invoke, .test],
        connectionURL: .required,
        urlSchemes: ["sftp"],
        credentialKinds: CredentialKind.fileTransfer,
        fields: [
            FieldSpec("host_key_fingerprint", .string, example: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
                      description: "The server's host key fingerprint (ssh-keygen -lf KEY.pub); without it every connection is refused, naming the key seen."),
        ] + FileTransferResources.fields
    )
}

/// `sftp`: SFTP sessions (SFTPSession) in a bounded pool shared across the connector's
/// rebuilds; every path is confined to `options.root`.
public struct SFTPConnector: Connector, ConnectionTestable, ResourceDiscovering, ConfigurationChecking {
    public static var spec: ConnectorSpec { .sftp }

    private let settings: SFTPSettings
    private let pool: ConnectionPool<SFTPSession>
    private let root: String
    private let maximumBytes: Int
    private let readOnly: Bool
    private let poolTimeout: Duration

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        let options = configuration.options
        let (host, port) = try FileTransferEndpoint.parse(configuration.connectionURL, schemes: ["sftp": 22])
        guard let credential = configuration.credential else {
            throw JunctionError.invalidInput("An sftp connector needs a basic (password) or ssh_key credential.", field: "credential")
        }
        let username = credential.fields["username"]?.stringValue ?? ""
        let login: SFTPSettings.Login
        switch credential.kind {
        case .sshKey:
            login = .key(try SSHKeys.privateKey(credential.fields["private_key"]?.stringValue ?? "", field: "credential.private_key"))
        default:
            login = .password(credential.fields["password"]?.stringValue ?? "")
        }
        let settings = SFTPSettings(
            host: host, port: port, username: username, login: login,
            hostKeyFingerprint: options["host_key_fingerprint"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        self.settings = settings
        root = options["root"]?.stringValue ?? "/"
        maximumBytes = options["max_file_bytes"]?.intValue ?? 10 << 20
        readOnly = options["read_only"]?.boolValue ?? false
        poolTimeout = .milliseconds(options["pool_timeout_ms"]?.intValue ?? 5000)
        let addressGuard = context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
        let limit = options["pool_size"]?.intValue ?? 2
        let make = { ConnectionPool<SFTPSession>(limit: limit) { try await SFTPSession.open(settings, addressGuard: addressGuard) } }
        let key = FileTransferEndpoint.poolKey(
            "sftp", connectorID: configuration.id, parts: [host, String(port), username, settings.hostKeyFingerprint ?? "", String(limit)],
            credential: configuration.credential)
        pool = context.services[ConnectionPoolsKey.self]?.pool(key, make: make) ?? make()
    }

    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        if let connectionURL { _ = try FileTransferEndpoint.parse(connectionURL, schemes: ["sftp": 22]) }
        try FileTransferEndpoint.checkRoot(options["root"]?.stringValue)
        if let pin = options["host_key_fingerprint"]?.stringValue, !pin.isEmpty, !pin.hasPrefix("SHA256:") {
            throw .invalidInput("Expected an OpenSSH SHA256 fingerprint (SHA256:…, as ssh-keygen -lf prints it).", field: "options.host_key_fingerprint")
        }
    }

    public func discoverResources() async throws -> [Resource] {
        FileTransferResources.all(readOnly: readOnly)
    }

    /// Logs in and describes the root.
    public func testConnection(call: CallContext) async throws {
        _ = try await session(call: call) { files in try await files.stat(FileTransferResources.confine("/", root: root, field: "options.root")) }
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let root = root
        let maximumBytes = maximumBytes
        return ConnectorResult(data: try await session(call: call) { files in
            try await FileTransferResources.run(resource, input: input, on: files, root: root, maximumBytes: maximumBytes)
        })
    }

    private func session<T: Sendable>(call: CallContext, _ body: @escaping @Sendable (SFTPSession) async throws -> T) async throws -> T {
        try await FileTransferEndpoint.run(pool: pool, context: settings.context, poolTimeout: poolTimeout, call: call, body)
    }
}
