import Foundation

/// A catalog entry: a ready-made connector description for one service — its base URL, how
/// it authenticates, whether it needs a credential at all, and its resources. Built in (data
/// files) or imported from an OpenAPI document. A connector names one in `template`.
public struct Template: Sendable, Hashable {
    /// How the service authenticates, so a console can offer the right credential kind.
    public struct Authentication: Sendable, Hashable {
        /// The credential kind to use.
        public var kind: CredentialKind
        /// Kind-specific hints: `in` and `key_name` for API keys, `token_url` and `scopes` for OAuth2.
        public var hints: [String: JSONValue]

        public init(kind: CredentialKind, hints: [String: JSONValue] = [:]) {
            self.kind = kind
            self.hints = hints
        }
    }

    /// An operation of an imported document that was skipped or changed, and why.
    public struct ImportFinding: Sendable, Hashable {
        /// The operation, as `METHOD /path`.
        public var operation: String
        /// What happened to it.
        public var message: String

        public init(operation: String, message: String) {
            self.operation = operation
            self.message = message
        }
    }

    /// Where the template comes from.
    public enum Source: String, Sendable, Hashable {
        case builtIn = "built_in"
        case imported
    }

    /// The template's slug, e.g. `slack`.
    public var slug: Slug
    /// A human name.
    public var displayName: String
    /// What the service is.
    public var description: String
    /// The connector type it builds on (`http`).
    public var connectorType: String
    /// The service's base URL; a connector's `connection_url` overrides it.
    public var baseURL: String?
    /// For services with a host per customer (no `baseURL`): what a connection URL looks like,
    /// with `{placeholders}`, e.g. `https://{subdomain}.amocrm.ru`.
    public var connectionURLExample: String?
    /// The vendor's documentation the template was checked against.
    public var documentation: String?
    /// Whether calls need a credential; public APIs can be called with no connector at all.
    public var authRequired: Bool
    /// The authentication scheme, when there is one.
    public var authentication: Authentication?
    /// The actions.
    public var resources: [Resource]
    /// Built in or imported.
    public var source: Source
    /// The tenant an imported template belongs to; `nil` for built-in and platform-wide ones.
    public var tenantID: String?
    /// The operations of the imported document that did not become resources, with the reason.
    public var skipped: [ImportFinding]
    /// What the import changed in the resources it made (a description cut to the limit, say).
    public var notes: [ImportFinding]

    /// The longest display name kept.
    public static let maximumDisplayNameLength = 200
    /// The longest description kept.
    public static let maximumDescriptionLength = 8000

    public init(
        slug: Slug, displayName: String, description: String, connectorType: String = "http", baseURL: String?,
        authRequired: Bool, authentication: Authentication?, resources: [Resource], source: Source, tenantID: String? = nil,
        skipped: [ImportFinding] = [], notes: [ImportFinding] = [], connectionURLExample: String? = nil, documentation: String? = nil
    ) {
        self.connectionURLExample = connectionURLExample
        self.documentation = documentation
        self.slug = slug
        self.displayName = displayName
        self.description = description
        self.connectorType = connectorType
        self.baseURL = baseURL
        self.authRequired = authRequired
        self.authentication = authentication
        self.resources = resources
        self.source = source
        self.tenantID = tenantID
        self.skipped = skipped
        self.notes = notes
    }
}

extension Template {
    /// The template as JSON; `withResources: false` gives the catalog listing's summary.
    public func representation(withResources: Bool = true) -> JSONValue {
        var object: [String: JSONValue] = [
            "slug": .string(slug.rawValue),
            "display_name": .string(displayName),
            "description": .string(description),
            "connector_type": .string(connectorType),
            "base_url": baseURL.map(JSONValue.string) ?? .null,
            "connection_url_example": connectionURLExample.map(JSONValue.string) ?? .null,
            "documentation": documentation.map(JSONValue.string) ?? .null,
            "auth_required": .bool(authRequired),
            "auth": authentication.map { auth in
                .object(auth.hints.merging(["kind": .string(auth.kind.rawValue)], uniquingKeysWith: { _, kind in kind }))
            } ?? .null,
            "source": .string(source.rawValue),
            "resource_count": .integer(resources.count),
        ]
        if source == .imported {
            object["skipped"] = .array(skipped.map { ["operation": .string($0.operation), "reason": .string($0.message)] })
            object["notes"] = .array(notes.map { ["operation": .string($0.operation), "note": .string($0.message)] })
        }
        if withResources { object["resources"] = .array(resources.map(\.representation)) }
        return .object(object)
    }

    /// The stored form: the representation plus full resource definitions (mocks included),
    /// the component schemas they share (`$defs`) kept once at the top, not in each resource.
    public var document: JSONValue {
        var object = representation(withResources: false).objectValue ?? [:]
        var shared: [String: JSONValue] = [:]
        object["resources"] = .array(resources.map { resource in
            guard case .object(var definition) = resource.definition else { return resource.definition }
            for key in Self.schemaKeys {
                if let schema = definition[key] { definition[key] = SchemaDefinitions.extracting(from: schema, into: &shared) }
            }
            return .object(definition)
        })
        if !shared.isEmpty { object["$defs"] = .object(shared) }
        return .object(object)
    }

    /// The resource fields that hold schemas.
    private static let schemaKeys = ["input_schema", "output_schema"]

    /// Reads a template from its stored or built-in form, validating resources against
    /// `bindingFields`.
    public init(document: JSONValue, bindingFields: [FieldSpec], source: Source, tenantID: String? = nil) throws(JunctionError) {
        var reader = try FieldReader(document)
        let slug = try reader.requiredSlug("slug")
        let displayName = try reader.string("display_name", maxLength: Self.maximumDisplayNameLength) ?? slug.rawValue
        let description = try reader.string("description", maxLength: Self.maximumDescriptionLength) ?? ""
        let connectorType = try reader.string("connector_type", maxLength: 64) ?? "http"
        let baseURL = try reader.string("base_url", maxLength: 2048)
        let example = try reader.string("connection_url_example", maxLength: 2048)
        let documentation = try reader.string("documentation", maxLength: 2048)
        let authRequired = try reader.bool("auth_required") ?? true
        var authentication: Authentication?
        if var auth = try reader.object("auth") {
            guard let kind = auth.removeValue(forKey: "kind")?.stringValue.flatMap(CredentialKind.init(rawValue:)) else {
                throw .invalidInput("auth.kind must be a credential kind.", field: "auth.kind")
            }
            authentication = Authentication(kind: kind, hints: auth)
        }
        var definitions = reader.value("resources")
        if let shared = try reader.object("$defs"), case .array(let items)? = definitions {
            // Each resource's schemas get the shared component schemas they refer to.
            definitions = .array(items.map { item in
                guard case .object(var definition) = item else { return item }
                for key in Self.schemaKeys {
                    if let schema = definition[key] { definition[key] = SchemaDefinitions.attaching(shared, to: schema) }
                }
                return .object(definition)
            })
        }
        let resources = try Resource.parseAll(definitions, bindingFields: bindingFields, field: "resources")
        let skipped = Self.findings(reader.value("skipped"), message: "reason")
        let notes = Self.findings(reader.value("notes"), message: "note")
        reader.skip(["source", "resource_count"])
        try reader.finish()
        self.init(
            slug: slug, displayName: displayName, description: description, connectorType: connectorType, baseURL: baseURL,
            authRequired: authRequired, authentication: authentication, resources: resources, source: source, tenantID: tenantID,
            skipped: skipped, notes: notes, connectionURLExample: example, documentation: documentation)
    }

    /// `[{operation, <message>}]` as findings (what is not in that form is left out).
    private static func findings(_ value: JSONValue?, message: String) -> [ImportFinding] {
        (value?.arrayValue ?? []).compactMap { item in
            guard let operation = item["operation"]?.stringValue, let text = item[message]?.stringValue else { return nil }
            return ImportFinding(operation: operation, message: text)
        }
    }
}
