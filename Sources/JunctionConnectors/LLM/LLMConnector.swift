import Foundation
import JunctionCore

extension ConnectorSpec {
    /// `llm`: a model provider as a connector, its `chat` resource one chat completion.
    public static let llm = ConnectorSpec(
        type: "llm",
        displayName: "LLM (chat completion)",
        description: "Asks a model for a chat completion: OpenAI, Anthropic, Gemini, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp) at connection_url. The credential (api_key or bearer) holds the provider key; local servers need none.",
        category: "ai",
        capabilities: [.invoke, .test],
        connectionURL: .optional,
        urlSchemes: ["http", "https"],
        credentialKinds: [.apiKey, .bearer],
        fields: [
            FieldSpec("provider", .string, required: true, allowedValues: AgentDefinition.Model.Provider.allCases.map(\.rawValue),
                      description: "The provider's protocol: openai (also for OpenAI-compatible servers), anthropic or gemini."),
            FieldSpec("model", .string, required: true, example: "gpt-4o-mini", description: "The model, as the provider names it."),
            FieldSpec("system_prompt", .string, description: "The system prompt of every call that gives none."),
            FieldSpec("presets", .objectArray, default: [],
                      description: "Resources beside `chat`, each {slug, name, description, system_prompt, answer_schema}: a prompt or messages in, the answer (parsed into `output` when answer_schema is given) out."),
        ]
    )
}

/// `llm`: one chat completion per call, through the same provider code as `llm` agents. Input:
/// a `prompt` or `messages` (oldest first, ending with the user's), optionally `system` and
/// `output_schema`; output: the model's `text`, the parsed `output` when a schema was asked
/// for, the `model` and its token `usage`. The connector's `presets` are resources beside
/// `chat` with their own system prompt and answer schema, which callers cannot replace.
public struct LLMConnector: Connector, ResourceDiscovering, ConnectionTestable, ConfigurationChecking {
    public static var spec: ConnectorSpec { .llm }

    private let model: AgentDefinition.Model
    private let api: any ModelAPI
    private let apiKey: String?
    private let systemPrompt: String?
    private let sender: HTTPSender
    private let presets: [Resource]

    /// The built-in resource.
    static let chat = Resource(
        slug: Slug("chat")!, name: "Chat completion",
        description: "Asks the model for one answer to a prompt or a conversation; with output_schema the answer is JSON satisfying it.",
        kind: .read,
        inputSchema: [
            "type": "object", "additionalProperties": false,
            "properties": [
                "prompt": ["type": "string", "description": "The user's message."],
                "messages": [
                    "type": "array", "minItems": 1, "maxItems": 200,
                    "description": "A conversation instead of a prompt, oldest first, ending with the user's turn.",
                    "items": [
                        "type": "object", "required": ["role", "content"], "additionalProperties": false,
                        "properties": ["role": ["type": "string", "enum": ["user", "assistant"]], "content": ["type": "string"]],
                    ],
                ],
                "system": ["type": "string", "description": "The system prompt (default: the connector's)."],
                "output_schema": ["type": "object", "description": "A JSON Schema the answer must satisfy; the parsed answer is `output`."],
            ],
        ],
        outputSchema: [
            "type": "object", "required": ["text", "model", "usage"],
            "properties": [
                "text": ["type": "string"], "output": ["description": "The answer parsed as JSON (with output_schema)."],
                "model": ["type": "string"], "truncated": ["type": "boolean"],
                "usage": ["type": "object", "properties": ["input_tokens": ["type": "integer"], "output_tokens": ["type": "integer"]]],
            ],
        ])

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        guard let clients = context.services[HTTPClientsKey.self] else {
            throw JunctionError.internal("LLM connectors need the shared HTTP clients.")
        }
        let options = configuration.options
        guard let provider = AgentDefinition.Model.Provider(rawValue: try options.string("provider")) else {
            throw JunctionError.invalidInput("Unknown provider.", field: "options.provider")
        }
        model = AgentDefinition.Model(provider: provider, name: try options.string("model"), baseURL: configuration.connectionURL)
        api = ModelCall.api(for: provider)
        systemPrompt = options["system_prompt"]?.stringValue
        switch configuration.credential?.kind {
        case .apiKey?: apiKey = configuration.credential?.fields["value"]?.stringValue
        case .bearer?: apiKey = configuration.credential?.fields["token"]?.stringValue
        default: apiKey = nil
        }
        sender = HTTPSender(clients: clients, addressGuard: context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy()))
        presets = try Self.presets(options["presets"])
    }

    /// `chat`, and the presets.
    public func discoverResources() async throws -> [Resource] {
        [Self.chat] + presets
    }

    /// Checks the presets when the connector is saved.
    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        _ = try presets(options["presets"])
    }

    /// The input of a preset: chat's, without the system prompt and schema, which are the preset's own.
    static let presetInput: JSONValue = {
        guard case .object(var schema) = chat.inputSchema, case .object(var properties)? = schema["properties"] else { return chat.inputSchema }
        properties["system"] = nil
        properties["output_schema"] = nil
        schema["properties"] = .object(properties)
        return .object(schema)
    }()

    /// The `presets` option as resources (a read each, taking a prompt or messages).
    static func presets(_ value: JSONValue?) throws(JunctionError) -> [Resource] {
        var seen: Set<Slug> = [chat.slug]
        var presets: [Resource] = []
        for (index, item) in (value?.arrayValue ?? []).enumerated() {
            var reader = try FieldReader(item, field: "options.presets[\(index)]")
            let slug = try reader.requiredSlug("slug")
            guard seen.insert(slug).inserted else {
                throw .invalidInput("Duplicate preset slug '\(slug)'.", field: "options.presets[\(index)].slug")
            }
            let name = try reader.string("name", maxLength: Resource.maximumNameLength)
            let description = try reader.string("description", maxLength: Resource.maximumDescriptionLength) ?? ""
            let systemPrompt = try reader.string("system_prompt", maxLength: 64 << 10)
            let answerSchema = try reader.object("answer_schema")
            try reader.finish()
            var binding: [String: JSONValue] = [:]
            binding["system_prompt"] = systemPrompt.map(JSONValue.string)
            binding["answer_schema"] = answerSchema.map(JSONValue.object)
            presets.append(Resource(
                slug: slug, name: name, description: description, kind: .read, inputSchema: presetInput, outputSchema: chat.outputSchema,
                binding: binding))
        }
        return presets
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let transcript = try Self.transcript(input, api: api)
        // A preset's system prompt and schema are its own; chat takes the caller's.
        let isPreset = resource.slug != Self.chat.slug
        let schema = isPreset ? resource.binding["answer_schema"] : input["output_schema"].flatMap { $0.objectValue != nil ? $0 : nil }
        let exchange = ModelExchange(
            model: model, apiKey: apiKey,
            systemPrompt: (isPreset ? resource.binding["system_prompt"]?.stringValue : input["system"]?.stringValue) ?? systemPrompt,
            transcript: transcript, outputSchema: schema)
        let remaining = ContinuousClock.now.duration(to: call.deadline)
        // The invoke path retries transient failures (an answer is a read): one attempt here.
        let turn = try await ModelCall(sender: sender, timeout: max(.milliseconds(1), remaining), retries: 0).ask(api, exchange)
        if let refusal = turn.refusal {
            throw JunctionError(.upstreamError, "The model refused: \(refusal.prefix(500))")
        }
        var result: [String: JSONValue] = [
            "text": .string(turn.text), "model": .string(model.name), "truncated": .bool(turn.truncated),
            "usage": ["input_tokens": .integer(turn.usage.inputTokens), "output_tokens": .integer(turn.usage.outputTokens)],
        ]
        if let schema {
            guard let output = ModelCall.json(in: turn.text) else {
                throw JunctionError(.upstreamError, "The model's answer is not JSON: \(turn.text.prefix(200))")
            }
            let violations = JSONSchema(schema).validate(output)
            guard violations.isEmpty else {
                throw JunctionError(
                    .upstreamError, "The model's answer does not satisfy output_schema: \(violations.prefix(3).map(\.message).joined(separator: "; "))")
            }
            result["output"] = output
        }
        return ConnectorResult(data: .object(result))
    }

    /// Asks for a one-word answer: the provider is reachable, the key and the model work.
    public func testConnection(call: CallContext) async throws {
        _ = try await execute(Self.chat, input: ["prompt": "Answer with the single word: ok"], call: call)
    }

    /// The input's conversation: `messages`, or the `prompt` alone.
    static func transcript(_ input: JSONValue, api: any ModelAPI) throws(JunctionError) -> [ModelMessage] {
        if let messages = input["messages"]?.arrayValue {
            guard messages.last?["role"] == "user" else {
                throw JunctionError.invalidInput("The conversation must end with the user's turn.", field: "data.messages")
            }
            return messages.map { message in
                let content = message["content"]?.stringValue ?? ""
                if message["role"] == "assistant" {
                    return .assistant(ModelTurn(text: content, toolCalls: [], usage: Run.Usage(), message: api.assistantMessage(content)))
                }
                return .user(ModelInput(.string(content)))
            }
        }
        guard let prompt = input["prompt"]?.stringValue else {
            throw JunctionError.invalidInput("Give a prompt or messages.", field: "data.prompt")
        }
        return [.user(ModelInput(.string(prompt)))]
    }
}
