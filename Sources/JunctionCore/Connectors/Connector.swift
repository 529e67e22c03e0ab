/// A connector type: code that reaches one kind of external system.
///
/// A type describes itself with a `ConnectorSpec`, is created from one connector's
/// configuration, and executes that connector's resources. Retries, timeouts, metrics and
/// policy wrap `execute`; they are not written again in each type.
public protocol Connector: Sendable {
    /// The type's description: fields, capabilities, credential kinds.
    static var spec: ConnectorSpec { get }
    /// Creates an instance for one configured connector.
    init(configuration: ConnectorConfiguration, context: ConnectorContext) throws
    /// Runs `resource` with validated `input`, returning its output.
    func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> JSONValue
}

/// An optional ability: a live check that the connector can reach its system.
public protocol ConnectionTestable: Connector {
    /// Makes one real request and throws a `JunctionError` describing any failure.
    func testConnection() async throws
}

/// Everything a connector instance is built from: the stored record with its options
/// validated and its credential's secrets resolved.
public struct ConnectorConfiguration: Sendable {
    /// The connector's id.
    public var id: String
    /// The owning tenant's id.
    public var tenantID: String
    /// The connector's name within its tenant.
    public var name: Slug
    /// The base URL or address, if the type takes one.
    public var connectionURL: String?
    /// Type-specific options, validated against the spec, secrets decrypted.
    public var options: [String: JSONValue]
    /// The linked credential with its secrets resolved, if any.
    public var credential: ResolvedCredential?
    /// How long one call may take.
    public var timeout: Duration
    /// How many times a retryable failure is retried.
    public var maxRetries: Int

    public init(
        id: String,
        tenantID: String,
        name: Slug,
        connectionURL: String?,
        options: [String: JSONValue],
        credential: ResolvedCredential?,
        timeout: Duration,
        maxRetries: Int
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.connectionURL = connectionURL
        self.options = options
        self.credential = credential
        self.timeout = timeout
        self.maxRetries = maxRetries
    }
}

/// A credential ready for use: its kind and every field with secrets in plain text.
///
/// Its description never shows a secret value.
public struct ResolvedCredential: Sendable, CustomStringConvertible {
    /// The credential's name.
    public var name: Slug
    /// How it authenticates.
    public var kind: CredentialKind
    /// All fields, secrets resolved (references read).
    public var fields: [String: JSONValue]

    public init(name: Slug, kind: CredentialKind, fields: [String: JSONValue]) {
        self.name = name
        self.kind = kind
        self.fields = fields
    }

    public var description: String { "ResolvedCredential(\(name), \(kind.rawValue), <redacted>)" }
}

/// Services a connector instance may use, shared across instances.
public struct ConnectorContext: Sendable {
    /// The id of the request that caused the instance to be built, for logs.
    public var requestID: String?

    public init(requestID: String? = nil) {
        self.requestID = requestID
    }
}

/// Per-call facts: who asked, by when an answer is needed, and the caller's idempotency key.
public struct CallContext: Sendable {
    /// The request id echoed in the envelope's metadata.
    public var requestID: String
    /// The instant past which the call is abandoned.
    public var deadline: ContinuousClock.Instant
    /// The caller's idempotency key; write resources are retried only when one is present.
    public var idempotencyKey: String?

    public init(requestID: String, deadline: ContinuousClock.Instant, idempotencyKey: String? = nil) {
        self.requestID = requestID
        self.deadline = deadline
        self.idempotencyKey = idempotencyKey
    }
}

/// An action of a connector, with its input and output JSON Schemas.
public struct Resource: Sendable, Hashable, Codable {
    /// Whether an action only reads or also changes the remote system.
    public enum Kind: String, Sendable, Hashable, Codable {
        case read, write
    }

    /// The resource's slug, e.g. `create-contact`.
    public var slug: Slug
    /// A human name.
    public var name: String
    /// What the action does, for people and models.
    public var description: String
    /// Whether it reads or writes.
    public var kind: Kind
    /// The JSON Schema of its input.
    public var inputSchema: JSONValue
    /// The JSON Schema of its output, if known.
    public var outputSchema: JSONValue?

    public init(
        slug: Slug,
        name: String,
        description: String,
        kind: Kind,
        inputSchema: JSONValue,
        outputSchema: JSONValue? = nil
    ) {
        self.slug = slug
        self.name = name
        self.description = description
        self.kind = kind
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
    }

    enum CodingKeys: String, CodingKey {
        case slug, name, description, kind
        case inputSchema = "input_schema"
        case outputSchema = "output_schema"
    }
}
