/// What an API key may do in its tenant.
public enum KeyRole: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Call tools only: invoke, the tool listings, MCP.
    case invoke
    /// Also manage connectors, credentials, templates, agents, runs and deliveries; read
    /// policies, approvals and the audit log. No keys, no policy changes, no approval decisions.
    case `operator`
    /// Everything in the tenant.
    case admin

    private var rank: Int {
        switch self {
        case .invoke: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: KeyRole, rhs: KeyRole) -> Bool { lhs.rank < rhs.rank }
}

/// Which connectors and resources a key's calls may reach: every one, or those matching its
/// allow-lists (name patterns). An MCP session or OAuth token of the key carries them too, and
/// tool listings show only what they allow.
public struct KeyAccess: Sendable, Hashable {
    /// Connector names the key may call (`nil`: any).
    public var connectors: GlobSet?
    /// Resource slugs the key may call (`nil`: any).
    public var resources: GlobSet?

    public init(connectors: GlobSet? = nil, resources: GlobSet? = nil) {
        self.connectors = connectors
        self.resources = resources
    }

    /// No restriction.
    public static let unrestricted = KeyAccess()

    /// Whether the lists restrict anything.
    public var isRestricted: Bool { connectors != nil || resources != nil }

    /// Whether a call to `resource` of `connector` is allowed.
    public func allows(connector: String, resource: String) -> Bool {
        (connectors?.matches(connector) ?? true) && (resources?.matches(resource) ?? true)
    }

    /// The lists as stored and answered: `{"connectors": […], "resources": […]}`, absent ones `null`.
    public var json: JSONValue {
        [
            "connectors": connectors?.list ?? .null,
            "resources": resources?.list ?? .null,
        ]
    }

    /// Reads `connectors` and `resources` (each an array of name patterns, or absent).
    public init(json: JSONValue) throws(JunctionError) {
        var reader = try FieldReader(json)
        connectors = try reader.globs("connectors")
        resources = try reader.globs("resources")
        try reader.finish()
    }
}
