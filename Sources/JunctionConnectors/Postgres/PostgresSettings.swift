import Crypto
import Foundation
import JunctionCore

/// A `postgres` connector's configuration, read once from its URL, options and credential.
struct PostgresSettings: Sendable {
    /// How the connection uses TLS (libpq's `sslmode` names).
    enum TLSMode: String, CaseIterable, Sendable {
        /// Never.
        case disable
        /// When the server offers it, without checking its certificate.
        case prefer
        /// Always, without checking the certificate.
        case require
        /// Always, with the certificate checked against the trusted roots and the host name.
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var database: String
    var username: String
    var password: String?
    var schema: String
    var tls: TLSMode
    var caPEM: String?
    var poolSize: Int
    var poolTimeout: Duration
    var maxRows: Int
    var readOnly: Bool
    /// The statement timeout of a connection's session, in milliseconds: 90 % of the connector's timeout.
    var sessionStatementTimeout: Int
    var rawSQL: Bool
    var discoverTables: Bool
    var tables: [String]

    init(_ configuration: ConnectorConfiguration) throws(JunctionError) {
        (host, port, database, username) = try Self.endpoint(configuration.connectionURL)
        let options = configuration.options
        if let credential = configuration.credential, credential.kind == .basic {
            username = credential.fields["username"]?.stringValue ?? username
            password = credential.fields["password"]?.stringValue
        }
        guard !username.isEmpty else {
            throw .invalidInput(
                "A postgres connector needs a user: link a basic credential (username and password), or name the user in connection_url.",
                field: "credential")
        }
        schema = options["schema"]?.stringValue ?? "public"
        tls = TLSMode(rawValue: options["tls"]?.stringValue ?? "") ?? .verifyFull
        caPEM = options["tls_ca"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        poolSize = options["pool_size"]?.intValue ?? 5
        poolTimeout = .milliseconds(options["pool_timeout_ms"]?.intValue ?? 5000)
        maxRows = options["max_rows"]?.intValue ?? 1000
        readOnly = options["read_only"]?.boolValue ?? false
        sessionStatementTimeout = max(1, configuration.timeout.wholeMilliseconds * 9 / 10)
        rawSQL = options["raw_sql"]?.boolValue ?? true
        discoverTables = options["discover_tables"]?.boolValue ?? true
        tables = options["tables"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Host, port, database and (optional) user of `postgres://[user@]host[:port]/database`.
    /// A password in the URL is refused: it belongs in a credential.
    static func endpoint(_ text: String?) throws(JunctionError) -> (String, Int, String, String) {
        let field = "connection_url"
        guard let text, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql", let host = components.host, !host.isEmpty
        else {
            throw .invalidInput("Expected postgres://host[:port]/database.", field: field)
        }
        guard components.password == nil else {
            throw .invalidInput("Put the password in a basic credential, not in connection_url.", field: field)
        }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidInput("connection_url takes no query: TLS and the schema are options (options.tls, options.schema).", field: field)
        }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidInput("Name the database in connection_url: postgres://host:5432/database.", field: field)
        }
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (unbracketed, components.port ?? 5432, database.removingPercentEncoding ?? database, components.user ?? "")
    }

    /// `PostgreSQL at host:port`, for messages.
    var context: String { "PostgreSQL at \(host):\(port)" }

    /// What the pool of these settings is shared under: the connector and a digest of
    /// everything its connections depend on (a rotated password gets a new pool).
    func poolKey(connectorID: String) -> String {
        var hasher = SHA256()
        for part in [host, String(port), database, username, password ?? "", tls.rawValue, caPEM ?? "", String(poolSize), schema,
                     String(sessionStatementTimeout)] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: [0])
        }
        return "postgres:\(connectorID):" + HexDigits.lowercase(hasher.finalize().prefix(12))
    }

    /// `search_path` for every call: the schema, then `public` (where extensions' functions live).
    var searchPath: String {
        schema == "public" ? PostgresSQL.identifier(schema) : PostgresSQL.identifier(schema) + ", public"
    }
}

/// SQL text Junction writes itself: identifiers quoted, never a value spliced in.
enum PostgresSQL {
    /// `name` as a quoted identifier (`"Order ""Items"""`).
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `schema.table`, both quoted.
    static func table(_ schema: String, _ table: String) -> String {
        identifier(schema) + "." + identifier(table)
    }
}
