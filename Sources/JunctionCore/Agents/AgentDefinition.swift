import Foundation

/// An agent as its owner writes it (YAML or JSON, Connic-style): an `llm` agent (a model with a
/// system prompt, connector tools and an optional output schema) or a `workflow` agent (steps
/// that call connector resources in order).
///
/// ```yaml
/// version: "1.0"
/// name: support-triage
/// type: llm
/// model: openai/gpt-4o-mini
/// credential: openai-key
/// system_prompt: You sort support tickets.
/// tools: [crm, billing__list-invoices]
/// max_steps: 8
/// ```
public struct AgentDefinition: Sendable, Hashable {
    /// The kind of agent.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case llm
        case workflow
    }

    /// The tools of an `llm` agent: every resource of a connector, or one resource.
    public struct ToolSelection: Sendable, Hashable, CustomStringConvertible {
        public var connector: Slug
        /// One resource, or every resource of the connector when `nil`.
        public var resource: Slug?

        /// Parses `crm` or `crm__get-customer` (the tool name).
        public init(parsing text: String, field: String) throws(JunctionError) {
            let parts = text.components(separatedBy: "__")
            guard parts.count <= 2, let connector = Slug(parts[0]) else {
                throw .invalidInput("'\(text.prefix(80))' is not a tool: use CONNECTOR or CONNECTOR__RESOURCE.", field: field)
            }
            self.connector = connector
            if parts.count == 2 {
                guard let resource = Slug(parts[1]) else {
                    throw .invalidInput("'\(text.prefix(80))' is not a tool: use CONNECTOR or CONNECTOR__RESOURCE.", field: field)
                }
                self.resource = resource
            }
        }

        public var description: String { resource.map { "\(connector)__\($0)" } ?? connector.rawValue }
    }

    /// The model of an `llm` agent: `provider/model`, and for OpenAI-compatible servers
    /// (Ollama, vLLM, llama.cpp) their `base_url`.
    public struct Model: Sendable, Hashable, CustomStringConvertible {
        /// The model providers Junction speaks to.
        public enum Provider: String, Sendable, Hashable, CaseIterable {
            case openai
            case anthropic
            case gemini
        }

        public var provider: Provider
        public var name: String
        /// Another server speaking the provider's protocol (OpenAI-compatible servers).
        public var baseURL: String?

        public var description: String { "\(provider.rawValue)/\(name)" }

        public init(provider: Provider, name: String, baseURL: String? = nil) {
            self.provider = provider
            self.name = name
            self.baseURL = baseURL
        }
    }

    /// One step of a `workflow` agent.
    public struct Step: Sendable, Hashable {
        /// Unique within the agent; later steps read this one's result as `steps.ID`.
        public var id: Slug
        public var connector: Slug
        public var resource: Slug
        /// The call's input; strings may hold `{{…}}` references.
        public var data: JSONValue
        /// Runs the step only when this holds; skipped steps leave no `steps.ID`.
        public var when: Condition?
    }

    /// The definition format's version (`1`, `1.0`, …: only major version 1 exists).
    public var version: String
    public var name: Slug
    public var description: String?
    public var kind: Kind
    /// `llm` only.
    public var model: Model?
    /// `llm` only: the Junction credential holding the provider's API key (none for local servers).
    public var credential: Slug?
    public var systemPrompt: String?
    public var tools: [ToolSelection]
    /// The JSON Schema the final output must satisfy (sent as the provider's structured output for `llm`).
    public var outputSchema: JSONValue?
    /// `llm` only: the most model calls in one run. Default 10.
    public var maxSteps: Int
    /// `workflow` only.
    public var steps: [Step]
    /// `workflow` only: the run's output (with `{{…}}` references); the last step's data when absent.
    public var output: JSONValue?

    /// The most model calls an `llm` agent may make by default.
    public static let defaultMaxSteps = 10

    /// Parses and validates a definition (a YAML or JSON document's value). Errors are
    /// `invalid_input` naming the field, e.g. `steps[1].connector`.
    public init(json: JSONValue) throws(JunctionError) {
        var reader = try FieldReader(json)
        version = try Self.version(reader.value("version"))
        name = try reader.requiredSlug("name")
        description = try reader.string("description", maxLength: 4000)
        let kindText = try reader.requiredString("type", maxLength: 32)
        guard let kind = Kind(rawValue: kindText) else {
            throw .invalidInput("Must be llm or workflow.", field: "type")
        }
        self.kind = kind
        outputSchema = try reader.object("output_schema").map(JSONValue.object)
        switch kind {
        case .llm:
            model = try Self.model(try reader.requiredString("model", maxLength: 200), baseURL: try reader.string("base_url", maxLength: 2000))
            credential = try reader.slug("credential")
            systemPrompt = try reader.string("system_prompt", maxLength: 100_000)
            tools = try Self.tools(reader.value("tools"))
            maxSteps = try reader.int("max_steps", in: 1...100) ?? Self.defaultMaxSteps
            steps = []
        case .workflow:
            model = nil
            maxSteps = Self.defaultMaxSteps
            tools = []
            steps = try Self.steps(reader.value("steps"))
            output = reader.value("output").flatMap { $0.isNull ? nil : $0 }
            if let output { try Self.checkReferences(in: output, field: "output", known: Set(steps.map(\.id.rawValue))) }
        }
        for field in ["model", "base_url", "credential", "system_prompt", "tools", "max_steps", "steps", "output"]
        where reader.contains(field) && !reader.wasRead(field) {
            throw .invalidInput("Not a field of \(kind.rawValue) agents.", field: field)
        }
        try reader.finish()
    }

    private static func version(_ value: JSONValue?) throws(JunctionError) -> String {
        guard let value, !value.isNull else { return "1" }
        let text = value.stringValue ?? value.intValue.map(String.init) ?? value.doubleValue.map { String($0) }
        guard let text, text.split(separator: ".").first == "1" else {
            throw .invalidInput("Only version 1 of the agent format exists.", field: "version")
        }
        return text
    }

    private static func model(_ text: String, baseURL: String?) throws(JunctionError) -> Model {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let provider = Model.Provider(rawValue: parts[0]), !parts[1].isEmpty else {
            throw .invalidInput(
                "Use PROVIDER/MODEL with provider openai, anthropic or gemini (openai also for OpenAI-compatible servers with base_url).",
                field: "model")
        }
        if let baseURL {
            guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw .invalidInput("Must be an http or https URL.", field: "base_url")
            }
        }
        return Model(provider: provider, name: parts[1], baseURL: baseURL)
    }

    private static func tools(_ value: JSONValue?) throws(JunctionError) -> [ToolSelection] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw .invalidInput("Expected a list of tools.", field: "tools") }
        var tools: [ToolSelection] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw .invalidInput("Expected a string.", field: "tools[\(index)]") }
            let tool = try ToolSelection(parsing: text, field: "tools[\(index)]")
            if !tools.contains(tool) { tools.append(tool) }
        }
        return tools
    }

    private static func steps(_ value: JSONValue?) throws(JunctionError) -> [Step] {
        guard let items = value?.arrayValue, !items.isEmpty else {
            throw .invalidInput("A workflow agent needs a non-empty list of steps.", field: "steps")
        }
        var steps: [Step] = []
        for (index, item) in items.enumerated() {
            let field = "steps[\(index)]"
            var reader = try FieldReader(item, field: field)
            let id = try reader.requiredSlug("id")
            guard !steps.contains(where: { $0.id == id }) else {
                throw .invalidInput("Another step already has the id '\(id)'.", field: reader.path("id"))
            }
            let connector = try reader.requiredSlug("connector")
            let resource = try reader.requiredSlug("resource")
            let data = reader.value("data").flatMap { $0.isNull ? nil : $0 } ?? [:]
            let known = Set(steps.map(\.id.rawValue))
            try checkReferences(in: data, field: reader.path("data"), known: known)
            let when = try Self.condition(reader.value("when"), field: reader.path("when"))
            if let when { try checkReferences(when.references, field: reader.path("when"), known: known) }
            try reader.finish()
            steps.append(Step(id: id, connector: connector, resource: resource, data: data, when: when))
        }
        return steps
    }

    /// A step's `when`: a string, or a YAML boolean or number written bare.
    private static func condition(_ value: JSONValue?, field: String) throws(JunctionError) -> Condition? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard text.count <= 2000 else { throw .invalidInput("Must be at most 2000 characters.", field: field) }
            return try Condition(parsing: text, field: field)
        case .bool(let flag)?: return try Condition(parsing: flag ? "true" : "false", field: field)
        case .integer(let number)?: return try Condition(parsing: String(number), field: field)
        case let other?: throw .invalidInput("Expected a condition string, got \(other.typeName).", field: field)
        }
    }

    /// Every reference in `value` must name the input or a step in `known` (one that runs before).
    private static func checkReferences(in value: JSONValue, field: String, known: Set<String>) throws(JunctionError) {
        try checkReferences(try Interpolation.references(in: value, field: field), field: field, known: known)
    }

    private static func checkReferences(_ references: [ValueReference], field: String, known: Set<String>) throws(JunctionError) {
        for reference in references {
            if case .step(let id) = reference.root, !known.contains(id) {
                throw .invalidInput("'{{\(reference)}}' names step '\(id)', which does not run before this point.", field: field)
            }
        }
    }
}

extension FieldReader {
    /// Whether `key` has been read (so a member present but never read belongs to another kind).
    fileprivate func wasRead(_ key: String) -> Bool {
        remaining[key] == nil
    }
}
