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
            FieldSpec(ConnectorSpec.resourcesOption, .objectArray, default: [],
                      description: "Presets beside `chat`: each a slug with its own system_prompt and answer_schema, taking chat's input."),
        ],
        resourceFields: [
            FieldSpec("system_prompt", .string, description: "The preset's system prompt."),
            FieldSpec("answer_schema", .object, description: "The JSON Schema the preset's answer must satisfy (parsed into `output`)."),
        ]
    )
}

/// `llm`: one chat completion per call, through the same provider code as `llm` agents. Input:
/// a `prompt` or `messages` (oldest first, ending with the user's), optionally `system` and
/// `output_schema`; output: the model's `text`, the parsed `output` when a schema was asked
/// for, the `model` and its token `usage`. Resources of the connector are presets (their own
/// system prompt and schema) beside the built-in `chat`.
public struct LLMConnector: Connector, ResourceDiscovering, ConnectionTestable {
    public static var spec: ConnectorSpec { .llm }

    private let model: AgentDefinition.Model
    private let api: any ModelAPI
    private let apiKey: String?
    private let systemPrompt: String?
    private let sender: HTTPSender
    private let timeout: Duration

    /// The built-in resource.
    static let chat = Resource(
        slug: Slug("chat")!, name: "Chat completion",
        description: "Asks the model for one answer to a prompt or a conversation; with output_schema the answer is JSON satisfying it.",
        kind: .read,
        inputSchema: [
            "type": "object",
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
        timeout = configuration.timeout
    }

    /// `chat`, and the presets as resources taking the same input.
    public func discoverResources() async throws -> [Resource] {
        [Self.chat]
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let transcript = try Self.transcript(input, api: api)
        let schema = input["output_schema"].flatMap { $0.objectValue != nil ? $0 : nil } ?? resource.binding["answer_schema"]
        let exchange = ModelExchange(
            model: model, apiKey: apiKey,
            systemPrompt: input["system"]?.stringValue ?? resource.binding["system_prompt"]?.stringValue ?? systemPrompt,
            transcript: transcript, outputSchema: schema)
        let remaining = ContinuousClock.now.duration(to: call.deadline)
        // The invoke path retries transient failures (an answer is a read): one attempt here.
        let turn = try await ModelCall(sender: sender, timeout: min(timeout, max(.milliseconds(1), remaining)), retries: 0).ask(api, exchange)
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
