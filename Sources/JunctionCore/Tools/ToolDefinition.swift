/// A connector resource offered to a model as a tool: one name that is valid for MCP and for
/// every supported LLM provider, what it does, and the JSON Schemas of its input and output.
public struct ToolDefinition: Sendable, Hashable {
    /// The tool name (see ``ToolName``), e.g. `hubspot-prod__create-contact`.
    public var name: String
    /// The connector the tool calls.
    public var connector: Slug
    /// The resource it runs.
    public var resource: Slug
    /// A human title: the resource's name.
    public var title: String
    /// What the tool does, for the model.
    public var description: String
    /// Whether the tool only reads or also writes.
    public var kind: Resource.Kind
    /// The JSON Schema of the arguments (always an object schema).
    public var inputSchema: JSONValue
    /// Whether the resource's input is not an object, so the arguments carry it as `input`.
    public var wrapsInput: Bool
    /// The JSON Schema of the result, when the resource declares one.
    public var outputSchema: JSONValue?

    public init(
        name: String, connector: Slug, resource: Slug, title: String, description: String, kind: Resource.Kind,
        inputSchema: JSONValue, wrapsInput: Bool = false, outputSchema: JSONValue?
    ) {
        self.name = name
        self.connector = connector
        self.resource = resource
        self.title = title
        self.description = description
        self.kind = kind
        self.inputSchema = inputSchema
        self.wrapsInput = wrapsInput
        self.outputSchema = outputSchema
    }

    /// The tool for `resource` of the connector `connector`: the name from ``ToolName``, the
    /// description falling back to the resource's name, and the input schema made a clean
    /// object schema (Junction's `x-` placement keywords removed; a non-object input is
    /// wrapped as `input`).
    public init(connector: Slug, connectorDescription: String = "", resource: Resource) {
        let description = resource.description.isEmpty
            ? (connectorDescription.isEmpty ? resource.name : "\(resource.name) (\(connectorDescription))")
            : resource.description
        self.init(
            name: ToolName.make(connector: connector, resource: resource.slug), connector: connector,
            resource: resource.slug, title: resource.name, description: description, kind: resource.kind,
            inputSchema: ToolSchema.objectSchema(resource.inputSchema),
            wrapsInput: !ToolSchema.isObjectSchema(ToolSchema.cleaned(resource.inputSchema)),
            outputSchema: resource.outputSchema.map(ToolSchema.cleaned))
    }
}

/// Tool names that every consumer accepts: MCP (`[A-Za-z0-9_-]`, 1–64 characters), OpenAI and
/// Anthropic function names (`^[a-zA-Z0-9_-]{1,64}$`) and Gemini's (start with a letter or an
/// underscore; at most 63 characters in its API definition): `^[A-Za-z_][A-Za-z0-9_-]{0,62}$`.
public enum ToolName {
    /// The longest name any consumer accepts.
    public static let maximumLength = 63

    /// `CONNECTOR__RESOURCE`. Slugs hold no underscore, so the double underscore is unambiguous.
    /// A name that starts with a digit gets a leading `_`; a name over 63 characters keeps its
    /// first 54 and ends with `_` and 8 hex digits of a stable hash of the full name, so two
    /// long names never collide and a name never changes between listings.
    public static func make(connector: Slug, resource: Slug) -> String {
        var name = "\(connector.rawValue)__\(resource.rawValue)"
        if let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") {
            name = "_" + name
        }
        guard name.utf8.count > maximumLength else { return name }
        let digest = String(fnv1a(name) & 0xFFFF_FFFF, radix: 16)
        let suffix = String(repeating: "0", count: 8 - digest.count) + digest
        return String(name.prefix(maximumLength - 9)) + "_" + suffix
    }

    /// Whether `text` is a valid tool name for every consumer.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= maximumLength else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// 64-bit FNV-1a: stable across processes and builds (unlike `Hasher`).
    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
