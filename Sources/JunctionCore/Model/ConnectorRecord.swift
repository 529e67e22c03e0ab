import Foundation

/// A tenant's configured connector: a named instance of a connector type (or template),
/// linked to a credential.
public struct ConnectorRecord: Sendable, Hashable {
    /// The result of the last live connectivity test.
    public enum HealthStatus: String, Sendable, Hashable, Codable {
        case unknown, healthy, unhealthy
    }

    /// The default for `timeoutMilliseconds`: 30 s.
    public static let defaultTimeoutMilliseconds = 30_000
    /// The default for `maxRetries`.
    public static let defaultMaxRetries = 3

    /// The connector's id (`con_…`).
    public var id: String
    /// The owning tenant.
    public var tenantID: String
    /// Its name, unique within the tenant.
    public var name: Slug
    /// The connector type, e.g. `http`.
    public var type: String
    /// The catalog template it is built on, if any.
    public var template: String?
    /// A human name for consoles.
    public var displayName: String?
    /// What this connector is for.
    public var description: String?
    /// The base URL or address.
    public var connectionURL: String?
    /// Type-specific options that are not secret.
    public var options: [String: JSONValue]
    /// Masked renderings of secret options, safe to show.
    public var secretOptionHints: [String: JSONValue]
    /// The secret options as an encrypted JSON object; empty when there are none.
    public var sealedSecretOptions: [UInt8]
    /// The name of the linked credential, if any.
    public var credential: Slug?
    /// How long one call may take, in milliseconds.
    public var timeoutMilliseconds: Int
    /// How many times a retryable failure is retried.
    public var maxRetries: Int
    /// Whether the connector may be used.
    public var enabled: Bool
    /// For trigger types: `inbound`, `sync` or `outbound`.
    public var mode: String?
    /// The result of the last live test.
    public var healthStatus: HealthStatus
    /// When the last live test ran.
    public var lastHealthCheck: Date?
    /// The error of the last failed live test.
    public var lastError: String?
    /// When it was created.
    public var createdAt: Date
    /// When it was last changed.
    public var updatedAt: Date

    public init(
        id: String = Identifier.make("con"),
        tenantID: String,
        name: Slug,
        type: String,
        template: String? = nil,
        displayName: String? = nil,
        description: String? = nil,
        connectionURL: String? = nil,
        options: [String: JSONValue] = [:],
        secretOptionHints: [String: JSONValue] = [:],
        sealedSecretOptions: [UInt8] = [],
        credential: Slug? = nil,
        timeoutMilliseconds: Int = ConnectorRecord.defaultTimeoutMilliseconds,
        maxRetries: Int = ConnectorRecord.defaultMaxRetries,
        enabled: Bool = true,
        mode: String? = nil,
        healthStatus: HealthStatus = .unknown,
        lastHealthCheck: Date? = nil,
        lastError: String? = nil,
        createdAt: Date = Timestamp.now(),
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.type = type
        self.template = template
        self.displayName = displayName
        self.description = description
        self.connectionURL = connectionURL
        self.options = options
        self.secretOptionHints = secretOptionHints
        self.sealedSecretOptions = sealedSecretOptions
        self.credential = credential
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxRetries = maxRetries
        self.enabled = enabled
        self.mode = mode
        self.healthStatus = healthStatus
        self.lastHealthCheck = lastHealthCheck
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
