import JunctionCore
import NIOSSL

extension ConnectorSpec {
    /// `ftp`: files on an FTP or FTPS server.
    public static let ftp = ConnectorSpec(
        type: "ftp",
        displayName: "FTP / FTPS",
        description: "Lists, reads and writes files on the FTP server at connection_url within options.root: ftp://host:21 with explicit TLS (AUTH TLS, required unless options.tls is none) or ftps://host:990 with TLS from the start; passive data connections, protected by TLS too. It logs in with a basic credential (anonymous without one). Resources: list, stat, read, write, delete, rename, mkdir.",
        category: "files",
        capabilities: [.invoke, .test],
        connectionURL: .required,
        urlSchemes: ["ftp", "ftps"],
        credentialKinds: [.basic],
        fields: [
            FieldSpec("tls", .string, default: "explicit", allowedValues: ["explicit", "none"],
                      description: "On ftp://, explicit requires AUTH TLS before logging in; none sends the login and files in plain text (a trusted network only). ftps:// is always TLS."),
            FieldSpec("tls_ca", .string, description: "PEM certificates trusted besides the system's (a private CA)."),
            .insecureSkipVerify,
        ] + FileTransferResources.fields
    )
}

/// `ftp`: FTP sessions (FTPSession) in a bounded pool shared across the connector's rebuilds;
/// every path is confined to `options.root`; data connections go only to the control
/// connection's address.
public struct FTPConnector: Connector, ConnectionTestable, ResourceDiscovering, ConfigurationChecking {
    public static var spec: ConnectorSpec { .ftp }

    private let context: String
    private let pool: ConnectionPool<FTPSession>
    private let root: String
    private let maximumBytes: Int
    private let readOnly: Bool
    private let poolTimeout: Duration

    public init(configuration: ConnectorConfiguration, context services: ConnectorContext) throws {
        let options = configuration.options
        let (host, port) = try FileTransferEndpoint.parse(configuration.connectionURL, schemes: ["ftp": 21, "ftps": 990])
        let implicit = configuration.connectionURL?.lowercased().hasPrefix("ftps:") == true
        let plain = options["tls"]?.stringValue == "none" && !implicit
        let tls = plain
            ? nil : try ClientTLS.context(caPEM: options["tls_ca"]?.stringValue, verify: options["insecure_skip_verify"]?.boolValue != true)
        var username = "anonymous"
        var password = "junction@"
        if let credential = configuration.credential, credential.kind == .basic {
            username = credential.fields["username"]?.stringValue ?? username
            password = credential.fields["password"]?.stringValue ?? ""
        }
        let settings = FTPSettings(
            host: host, port: port, implicitTLS: implicit, requireTLS: !plain, tls: tls, username: username, password: password)
        context = settings.context
        root = options["root"]?.stringValue ?? "/"
        maximumBytes = options["max_file_bytes"]?.intValue ?? 10 << 20
        readOnly = options["read_only"]?.boolValue ?? false
        poolTimeout = .milliseconds(options["pool_timeout_ms"]?.intValue ?? 5000)
        let addressGuard = services.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
        let limit = options["pool_size"]?.intValue ?? 2
        let make = { ConnectionPool<FTPSession>(limit: limit) { try await FTPSession.open(settings, addressGuard: addressGuard) } }
        let key = FileTransferEndpoint.poolKey(
            "ftp", connectorID: configuration.id,
            parts: [host, String(port), String(implicit), String(plain), options["tls_ca"]?.stringValue ?? "",
                    String(options["insecure_skip_verify"]?.boolValue ?? false), String(limit)],
            credential: configuration.credential)
        pool = services.services[ConnectionPoolsKey.self]?.pool(key, make: make) ?? make()
    }

    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        if let connectionURL { _ = try FileTransferEndpoint.parse(connectionURL, schemes: ["ftp": 21, "ftps": 990]) }
        try FileTransferEndpoint.checkRoot(options["root"]?.stringValue)
        _ = try ClientTLS.context(caPEM: options["tls_ca"]?.stringValue)
    }

    public func discoverResources() async throws -> [Resource] {
        FileTransferResources.all(readOnly: readOnly)
    }

    /// Logs in and describes the root.
    public func testConnection(call: CallContext) async throws {
        let root = root
        _ = try await FileTransferEndpoint.run(pool: pool, context: context, poolTimeout: poolTimeout, call: call) { files in
            try await files.list(FileTransferResources.confine("/", root: root, field: "options.root"))
        }
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let root = root
        let maximumBytes = maximumBytes
        return ConnectorResult(data: try await FileTransferEndpoint.run(pool: pool, context: context, poolTimeout: poolTimeout, call: call) { files in
            try await FileTransferResources.run(resource, input: input, on: files, root: root, maximumBytes: maximumBytes)
        })
    }
}
