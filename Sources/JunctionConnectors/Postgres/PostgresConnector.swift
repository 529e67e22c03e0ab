import JunctionCore

extension ConnectorSpec {
    /// `postgres`: a PostgreSQL database, its statements and tables as resources.
    public static let postgres = ConnectorSpec(
        type: "postgres",
        displayName: "PostgreSQL",
        description: "Runs SQL on a PostgreSQL database at connection_url (postgres://host:5432/database) as the user of a basic credential. Resources: query (read-only SQL with $1… parameters), execute (any statement), one select-<table> and insert-<table> per table of the schema (discovered live), and statements of your own (options.resources). Every call runs in its own transaction with a statement timeout; rows come back as JSON.",
        category: "database",
        capabilities: [.invoke, .test],
        connectionURL: .required,
        urlSchemes: ["postgres", "postgresql"],
        credentialKinds: [.basic],
        fields: [
            FieldSpec("schema", .string, default: "public", description: "The schema whose tables are discovered and which unqualified names resolve in (then public)."),
            FieldSpec("tls", .string, default: .string(PostgresSettings.TLSMode.verifyFull.rawValue),
                      allowedValues: PostgresSettings.TLSMode.allCases.map(\.rawValue),
                      description: "TLS, as libpq's sslmode: verify-full (the default: always, certificate and host name checked), require (always, unverified), prefer (when offered, unverified) or disable. Without verify-full, whoever sits between Junction and the database can read the login."),
            FieldSpec("tls_ca", .string, description: "PEM certificates trusted for verify-full besides the system's (a private CA)."),
            FieldSpec("pool_size", .integer, default: 5, range: 1...100, description: "The most connections open to the database at once."),
            FieldSpec("pool_timeout_ms", .integer, default: 5000, range: 1...600_000,
                      description: "How long a call waits for a free connection before failing with too_many_connections."),
            FieldSpec("max_rows", .integer, default: 1000, range: 1...100_000,
                      description: "The most rows a call answers; past it, truncated is true."),
            FieldSpec("read_only", .boolean, default: false,
                      description: "Run every statement in a read-only transaction and offer no write resources (execute, insert-<table>)."),
            FieldSpec("raw_sql", .boolean, default: true,
                      description: "Offer query and execute, which run the caller's SQL; off, only discovered tables and your own statements are offered."),
            FieldSpec("discover_tables", .boolean, default: true,
                      description: "Offer select-<table> and insert-<table> resources for the schema's tables, read from the catalog by the live test and on each refresh."),
            FieldSpec("tables", .stringArray, default: [], description: "Discover only these tables and views (default: all, up to 500)."),
            FieldSpec(ConnectorSpec.resourcesOption, .objectArray, default: [],
                      description: "Statements of your own, each a slug, sql with $1… placeholders and the input fields bound to them in order (parameters)."),
        ],
        resourceFields: [
            FieldSpec("sql", .string, required: true, description: "One SQL statement, with $1, $2, … standing for the parameters."),
            FieldSpec("parameters", .stringArray, default: [], description: "The input fields bound to $1, $2, … in order."),
        ]
    )
}

/// `postgres`: statements on a bounded, shared connection pool (`PostgresRunner`). Reads run
/// in `READ ONLY` transactions, so `query` cannot change anything; values are bound as
/// parameters, never spliced into SQL; Junction's own SQL (discovered tables) quotes every
/// identifier. Rows map to JSON as `PostgresValue` documents.
public struct PostgresConnector: Connector, ConnectionTestable, ResourceDiscovering, ConfigurationChecking {
    public static var spec: ConnectorSpec { .postgres }

    private let runner: PostgresRunner
    private let discoveryTimeout: Duration

    /// `query`: the caller's read-only SQL.
    static let query = Resource(
        slug: Slug("query")!, name: "Run a read-only query",
        description: "Runs one SQL statement in a read-only transaction and answers its rows. Put values in params and refer to them as $1, $2, … — never in the SQL text.",
        kind: .read, inputSchema: statementInput, outputSchema: PostgresSchema.outputSchema,
        binding: ["statement": "query"])

    /// `execute`: the caller's SQL, which may write.
    static let execute = Resource(
        slug: Slug("execute")!, name: "Execute a statement",
        description: "Runs one SQL statement (INSERT, UPDATE, DELETE, DDL, …) in its own transaction and answers the affected row count and any RETURNING rows. Put values in params as $1, $2, ….",
        kind: .write, inputSchema: statementInput, outputSchema: PostgresSchema.outputSchema,
        binding: ["statement": "execute"])

    private static let statementInput: JSONValue = [
        "type": "object", "required": ["sql"], "additionalProperties": false,
        "properties": [
            "sql": ["type": "string", "minLength": 1, "maxLength": 1_000_000, "description": "One SQL statement, with $1, $2, … for parameters."],
            "params": ["type": "array", "maxItems": 65535, "description": "The values of $1, $2, … in order (strings, numbers, booleans, null; arrays as PostgreSQL arrays, objects as JSON)."],
        ],
    ]

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        let settings = try PostgresSettings(configuration)
        runner = PostgresRunner(
            settings: settings, pool: try PostgresRunner.pool(for: settings, connectorID: configuration.id, services: context.services))
        discoveryTimeout = configuration.timeout
    }

    /// The URL names a database, holds no password; the resources' parameters are fields of their input.
    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        if let connectionURL { _ = try PostgresSettings.endpoint(connectionURL) }
        _ = try ClientTLS.context(caPEM: options["tls_ca"]?.stringValue)
        for (index, definition) in (options[ConnectorSpec.resourcesOption]?.arrayValue ?? []).enumerated() {
            let names = definition["parameters"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let properties = definition["input_schema"]?["properties"]?.objectValue ?? [:]
            if let missing = names.first(where: { properties[$0] == nil }) {
                throw .invalidInput(
                    "Parameter '\(missing.prefix(80))' is not a property of the resource's input_schema.",
                    field: "options.resources[\(index)].parameters")
            }
        }
    }

    /// query and execute (with raw_sql), then the schema's tables (with discover_tables).
    public func discoverResources() async throws -> [Resource] {
        let settings = runner.settings
        var resources: [Resource] = []
        if settings.rawSQL {
            resources.append(Self.query)
            if !settings.readOnly { resources.append(Self.execute) }
        }
        guard settings.discoverTables else { return resources }
        let call = CallContext(requestID: "discovery", deadline: .now + discoveryTimeout)
        let tables = try await PostgresSchema.discover(runner, call: call)
        return resources + PostgresSchema.resources(tables, readOnly: settings.readOnly, maxRows: settings.maxRows)
    }

    /// Logs in and runs `SELECT 1`.
    public func testConnection(call: CallContext) async throws {
        _ = try await runner.run("SELECT 1", readOnly: true, call: call, trusted: true)
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let readOnly = resource.kind == .read
        if let sql = resource.binding["sql"]?.stringValue {
            let names = resource.binding["parameters"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let values = names.map { input[$0] ?? .null }
            return ConnectorResult(data: try await runner.run(sql, parameters: values, readOnly: readOnly, call: call).json)
        }
        if resource.binding["statement"] != nil {
            guard let sql = input["sql"]?.stringValue else { throw JunctionError.invalidInput("Give the SQL to run.", field: "data.sql") }
            let values = input["params"]?.arrayValue ?? []
            return ConnectorResult(data: try await runner.run(sql, parameters: values, readOnly: readOnly, call: call, field: "data.sql").json)
        }
        let (sql, values, json) = try PostgresSchema.statement(resource, input: input, schema: runner.settings.schema)
        return ConnectorResult(data: try await runner.run(
            sql, parameters: values, jsonParameters: json, readOnly: readOnly, call: call, field: "data", trusted: true).json)
    }
}
