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
    /// Runs `resource` with validated `input`, returning its output and the upstream status.
    ///
    /// Failures are thrown as `JunctionError` with the code that fits (`connection_refused`,
    /// `timeout`, `upstream_error` with `upstreamStatus`, …) and `retryable` set when
    /// repeating the call may succeed.
    func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult
}

/// What one successful execution returned.
public struct ConnectorResult: Sendable {
    /// The output: JSON (built, or the upstream's text kept as it came), text, or base64 for
    /// binary bodies.
    public var payload: JSONPayload
    /// The upstream status (an HTTP status for HTTP types), if the type has one.
    public var status: Int?

    /// The output as a value (text is parsed).
    public var data: JSONValue { payload.value }

    public init(data: JSONValue, status: Int? = nil) {
        self.init(payload: .value(data), status: status)
    }

    public init(payload: JSONPayload, status: Int? = nil) {
        self.payload = payload
        self.status = status
    }
}

/// An optional ability: a live check that the connector can reach its system.
public protocol ConnectionTestable: Connector {
    /// Makes one real request and throws a `JunctionError` describing any failure. The runtime
    /// gives up at `call.deadline` whatever the type does.
    func testConnection(call: CallContext) async throws
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
    /// The trigger mode (`inbound`, `sync`, `outbound`) of a type with modes.
    public var mode: String?
    /// Type-specific options, validated against the spec (defaults filled in), secrets decrypted.
    public var options: ConnectorOptions
    /// The linked credential with its secrets resolved, if any.
    public var credential: ResolvedCredential?
    /// The resources this connector exposes (from the connector or its template).
    public var resources: [Resource]
    /// How long one call may take.
    public var timeout: Duration
    /// How many times a retryable failure is retried.
    public var maxRetries: Int

    public init(
        id: String,
        tenantID: String,
        name: Slug,
        connectionURL: String?,
        mode: String? = nil,
        options: ConnectorOptions,
        credential: ResolvedCredential?,
        resources: [Resource] = [],
        timeout: Duration,
        maxRetries: Int
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.connectionURL = connectionURL
        self.mode = mode
        self.options = options
        self.credential = credential
        self.resources = resources
        self.timeout = timeout
        self.maxRetries = maxRetries
    }
}

/// A credential ready for use: its kind and every field with secrets in plain text.
///
/// Its description never shows a secret value.
public struct ResolvedCredential: Sendable, CustomStringConvertible {
    /// The credential's id; a re-created credential has a new one.
    public var id: String
    /// The credential's name.
    public var name: Slug
    /// How it authenticates.
    public var kind: CredentialKind
    /// All fields, secrets resolved (references read).
    public var fields: [String: JSONValue]

    public init(id: String, name: Slug, kind: CredentialKind, fields: [String: JSONValue]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.fields = fields
    }

    public var description: String { "ResolvedCredential(\(name), \(kind.rawValue), <redacted>)" }
}

/// Services a connector instance may use, shared across instances (HTTP client pools, token
/// caches), looked up by key so that Core need not know their types.
public struct ConnectorContext: Sendable {
    /// The shared services.
    public var services: ServiceValues

    public init(services: ServiceValues = ServiceValues()) {
        self.services = services
    }
}

/// A key for a shared service in `ServiceValues`.
public protocol ServiceKey {
    /// The service's type.
    associatedtype Value: Sendable
}

/// A type-keyed set of shared services.
public struct ServiceValues: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    /// The service for `key`, if one was set.
    public subscript<Key: ServiceKey>(key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}

/// Per-call facts: who asked, by when an answer is needed, the caller's idempotency key and
/// headers that take precedence over the credential.
public struct CallContext: Sendable {
    /// The request id echoed in the envelope's metadata.
    public var requestID: String
    /// The instant past which the call is abandoned.
    public var deadline: ContinuousClock.Instant
    /// The caller's idempotency key; write resources are retried only when one is present.
    public var idempotencyKey: String?
    /// Headers given with the call (`options.headers`); they win over any credential.
    public var headers: [String: String]
    /// The caller's trace context, passed on to upstreams that take one (HTTP `traceparent`).
    public var traceparent: TraceParent?

    public init(
        requestID: String,
        deadline: ContinuousClock.Instant,
        idempotencyKey: String? = nil,
        headers: [String: String] = [:],
        traceparent: TraceParent? = nil
    ) {
        self.requestID = requestID
        self.deadline = deadline
        self.idempotencyKey = idempotencyKey
        self.headers = headers
        self.traceparent = traceparent
    }
}

/// An optional ability: the connector's resources come from the remote system (an MCP
/// server's tools), discovered when the connector is prepared and again after a refresh.
public protocol ResourceDiscovering: Connector {
    /// The remote system's actions as resources; failures throw `schema_discovery_failed`.
    func discoverResources() async throws -> [Resource]
}

/// An optional ability: rules across fields that a spec cannot express (one of two fields,
/// an operator's allow-list), checked when a connector is saved and when it is built.
public protocol ConfigurationChecking: Connector {
    /// Throws `invalid_input` naming the field at fault.
    static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError)
}
