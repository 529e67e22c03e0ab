import Foundation

/// An action of a connector: a slug, what it does, whether it writes, the JSON Schemas of its
/// input and output, an optional mock answer, and the type-specific binding that says how it
/// runs (for `http`: method, path, headers).
public struct Resource: Sendable, Hashable {
    /// Whether an action only reads or also changes the remote system.
    public typealias Kind = ResourceKind

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
    /// The answer given in mock mode, if any.
    public var mock: JSONValue?
    /// Whether the connectivity test runs this resource.
    public var isConnectionTest: Bool
    /// Type-specific fields, validated against the type's `resourceFields`.
    public var binding: [String: JSONValue]
    /// The vendor's documentation of the operation, when known.
    public var documentation: String?

    public init(
        slug: Slug,
        name: String? = nil,
        description: String = "",
        kind: Kind = .read,
        inputSchema: JSONValue = ["type": "object"],
        outputSchema: JSONValue? = nil,
        mock: JSONValue? = nil,
        isConnectionTest: Bool = false,
        binding: [String: JSONValue] = [:],
        documentation: String? = nil
    ) {
        self.documentation = documentation
        self.slug = slug
        self.name = name ?? slug.rawValue
        self.description = description
        self.kind = kind
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.mock = mock
        self.isConnectionTest = isConnectionTest
        self.binding = binding
    }
}

extension Resource {
    /// The longest name a resource definition may have.
    public static let maximumNameLength = 200
    /// The longest description a resource definition may have.
    public static let maximumDescriptionLength = 4000

    /// Parses one resource definition, validating the common members and the type's
    /// `bindingFields` (unknown members are refused), naming `field` (e.g. `options.resources[2]`).
    public init(definition: JSONValue, bindingFields: [FieldSpec], field: String) throws(JunctionError) {
        var reader = try FieldReader(definition, field: field)
        let slug = try reader.requiredSlug("slug")
        let name = try reader.string("name", maxLength: Self.maximumNameLength)
        let description = try reader.string("description", maxLength: Self.maximumDescriptionLength) ?? ""
        let kindText = try reader.string("kind", maxLength: 16)
        guard kindText == nil || Kind(rawValue: kindText!) != nil else {
            throw .invalidInput("Must be read or write.", field: reader.path("kind"))
        }
        let inputSchema = try reader.object("input_schema").map(JSONValue.object) ?? ["type": "object"]
        let outputSchema = try reader.object("output_schema").map(JSONValue.object)
        let mock = reader.value("mock")
        let isTest = try reader.bool("test") ?? false
        let documentation = try reader.string("documentation", maxLength: 2048)
        let binding = try bindingFields.validate(reader.remaining, prefix: field)
        let kind = kindText.flatMap(Kind.init(rawValue:)) ?? Self.defaultKind(binding)
        self.init(
            slug: slug, name: name, description: description, kind: kind, inputSchema: inputSchema,
            outputSchema: outputSchema, mock: mock.flatMap { $0.isNull ? nil : $0 }, isConnectionTest: isTest,
            binding: binding, documentation: documentation
        )
    }

    /// A resource that does not say its kind is a read only when its binding shows it cannot
    /// change anything (an HTTP GET or HEAD, a GraphQL query); anything else is a write, so it
    /// is never retried without an idempotency key.
    static func defaultKind(_ binding: [String: JSONValue]) -> Kind {
        if let method = binding["method"]?.stringValue {
            return method == "GET" || method == "HEAD" ? .read : .write
        }
        if let query = binding["query"]?.stringValue {
            return query.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("mutation") ? .write : .read
        }
        return .write
    }

    /// The definition as written in a connector's or template's `resources` (mock included).
    public var definition: JSONValue {
        var object = binding
        object["slug"] = .string(slug.rawValue)
        object["name"] = .string(name)
        object["description"] = .string(description)
        object["kind"] = .string(kind.rawValue)
        object["input_schema"] = inputSchema
        if let outputSchema { object["output_schema"] = outputSchema }
        if let mock { object["mock"] = mock }
        if isConnectionTest { object["test"] = true }
        if let documentation { object["documentation"] = .string(documentation) }
        return .object(object)
    }

    /// The resource as the API shows it: its definition with the mock replaced by `has_mock`
    /// and every member present.
    public var representation: JSONValue {
        var object = definition.objectValue ?? [:]
        object["mock"] = nil
        object["output_schema"] = outputSchema ?? .null
        object["has_mock"] = .bool(mock != nil)
        object["test"] = .bool(isConnectionTest)
        return .object(object)
    }

    /// Parses a connector's `resources` option: every definition valid, slugs unique.
    public static func parseAll(_ value: JSONValue?, bindingFields: [FieldSpec], field: String) throws(JunctionError) -> [Resource] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw .invalidInput("Expected an array of resources.", field: field) }
        var seen: Set<Slug> = []
        var resources: [Resource] = []
        resources.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let resource = try Resource(definition: item, bindingFields: bindingFields, field: "\(field)[\(index)]")
            guard seen.insert(resource.slug).inserted else {
                throw .invalidInput("Duplicate resource slug '\(resource.slug)'.", field: "\(field)[\(index)].slug")
            }
            resources.append(resource)
        }
        return resources
    }
}

/// Whether an action only reads or also changes the remote system (`kind: read|write`).
public enum ResourceKind: String, Sendable, Hashable, Codable {
    case read, write
}
