/// The description of a connector type: what it is, how it is configured and what it can do.
///
/// One spec drives option validation, the API's `connector-types` listing, the console's
/// create form and the tool schemas agents see.
public struct ConnectorSpec: Sendable, Hashable, Codable {
    /// What a connector type can do.
    public struct Capabilities: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Runs actions (`invoke`).
        public static let invoke = Capabilities(rawValue: 1 << 0)
        /// Supports a live connectivity test.
        public static let test = Capabilities(rawValue: 1 << 1)
        /// Starts agent runs from inbound events.
        public static let inbound = Capabilities(rawValue: 1 << 2)
        /// Delivers run results.
        public static let outbound = Capabilities(rawValue: 1 << 3)

        static let names: [(Capabilities, String)] = [
            (.invoke, "invoke"), (.test, "test"), (.inbound, "inbound"), (.outbound, "outbound"),
        ]

        /// The capability names, in a stable order.
        public var names: [String] { Capabilities.names.filter { contains($0.0) }.map(\.1) }

        public init(from decoder: any Decoder) throws {
            let names = try decoder.singleValueContainer().decode([String].self)
            self = Capabilities(Capabilities.names.filter { names.contains($0.1) }.map(\.0))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(names)
        }
    }

    /// Whether a connector of this type takes a `connection_url`.
    public enum URLRequirement: String, Sendable, Hashable, Codable {
        case required, optional, none
    }

    /// The type's name, e.g. `http`.
    public var type: String
    /// A human name, e.g. `HTTP / REST API`.
    public var displayName: String
    /// One paragraph on what the type connects to.
    public var description: String
    /// A grouping for the catalog, e.g. `api`, `database`, `messaging`, `trigger`.
    public var category: String
    /// What connectors of this type can do.
    public var capabilities: Capabilities
    /// Whether `connection_url` is needed, and which URL schemes it accepts.
    public var connectionURL: URLRequirement
    /// The URL schemes `connection_url` may use (empty: any).
    public var urlSchemes: [String]
    /// The `mode` values this type accepts (trigger types); empty when modes do not apply.
    public var modes: [String]
    /// The modes that need a `connection_url` (the others take none), when the need depends on
    /// the mode (a webhook sends to a URL only in `outbound` mode). Empty: `connectionURL` rules.
    public var urlModes: [String]
    /// Credential kinds this type can use (empty: none).
    public var credentialKinds: [CredentialKind]
    /// The type-specific fields of `options`.
    public var fields: [FieldSpec]
    /// The type-specific fields of each resource definition (for `http`: method, path, …).
    public var resourceFields: [FieldSpec]

    public init(
        type: String,
        displayName: String,
        description: String,
        category: String,
        capabilities: Capabilities,
        connectionURL: URLRequirement,
        urlSchemes: [String] = [],
        modes: [String] = [],
        urlModes: [String] = [],
        credentialKinds: [CredentialKind] = [],
        fields: [FieldSpec],
        resourceFields: [FieldSpec] = []
    ) {
        self.type = type
        self.displayName = displayName
        self.description = description
        self.category = category
        self.capabilities = capabilities
        self.connectionURL = connectionURL
        self.urlSchemes = urlSchemes
        self.modes = modes
        self.urlModes = urlModes
        self.credentialKinds = credentialKinds
        self.fields = fields
        self.resourceFields = resourceFields
    }

    enum CodingKeys: String, CodingKey {
        case type, description, category, capabilities, modes, fields
        case resourceFields = "resource_fields"
        case displayName = "display_name"
        case connectionURL = "connection_url"
        case urlSchemes = "url_schemes"
        case urlModes = "url_modes"
        case credentialKinds = "credential_kinds"
    }

    /// The `connection_url` requirement in `mode`.
    public func connectionURL(inMode mode: String?) -> URLRequirement {
        guard !urlModes.isEmpty, let mode else { return connectionURL }
        return urlModes.contains(mode) ? .required : .none
    }

    /// Whether a connector of this type in `mode` starts runs from events: an inbound type,
    /// in any mode but `outbound`.
    public func receivesEvents(inMode mode: String?) -> Bool {
        capabilities.contains(.inbound) && mode != Self.outboundMode
    }

    /// Whether a connector of this type in `mode` is sent the results of its agents' runs:
    /// an outbound type in mode `outbound` (the store queues deliveries by that mode).
    public func deliversResults(inMode mode: String?) -> Bool {
        capabilities.contains(.outbound) && mode == Self.outboundMode
    }

    /// The mode of trigger types that makes a connector a destination of run results.
    public static let outboundMode = "outbound"

    /// The names of the fields whose values are secrets.
    public var secretFieldNames: Set<String> {
        Set(fields.filter(\.secret).map(\.name))
    }

    /// Validates `options` against the fields (unknown, missing and mistyped fields are
    /// `invalid_input` naming `options.FIELD`) and fills in defaults.
    public func validateOptions(_ options: [String: JSONValue]) throws(JunctionError) -> [String: JSONValue] {
        try fields.validate(options, prefix: "options")
    }
}
