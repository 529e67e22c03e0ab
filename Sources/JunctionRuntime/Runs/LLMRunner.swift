import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging

/// Runs `llm` agents: asks the model for a turn, runs the tools it calls through the invoke path
/// (policy, retries, audit, envelope) and gives it their results, until it answers without tool
/// calls or uses its `max_steps` model calls. The final answer is the run's output, parsed as JSON
/// and checked against `output_schema` when the agent has one.
public struct LLMRunner: AgentRunning {
    /// How model calls are made.
    public struct Configuration: Sendable {
        /// How long one model call may take. Default 120 s.
        public var modelTimeout: Duration = .seconds(120)
        /// Extra attempts of a model call that failed transiently (refused connection, 429, 5xx). Default 2.
        public var modelRetries = 2

        public init() {}
    }

    private let store: any Store
    private let credentials: CredentialService
    private let catalog: ToolCatalog
    private let modelCall: ModelCall

    public init(
        store: any Store, credentials: CredentialService, catalog: ToolCatalog, sender: HTTPSender,
        configuration: Configuration = Configuration()
    ) {
        self.store = store
        self.credentials = credentials
        self.catalog = catalog
        modelCall = ModelCall(sender: sender, timeout: configuration.modelTimeout, retries: configuration.modelRetries)
    }

    public func execute(_ run: Run, agent: AgentDefinition) async -> RunResult {
        var trace: [JSONValue] = []
        var usage = Run.Usage()
        do {
            guard let model = agent.model else { throw JunctionError.invalidInput("An llm agent needs a model.", field: "model") }
            let api = ModelCall.api(for: model.provider)
            let tools = try await tools(of: agent, tenantID: run.tenantID)
            let byName = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let key = try await apiKey(agent.credential, tenantID: run.tenantID)
            var exchange = ModelExchange(
                model: model, apiKey: key?.value, systemPrompt: agent.systemPrompt,
                transcript: [.user(ModelInput(run.input))], tools: tools, outputSchema: agent.outputSchema)
            // A credential bound to hosts goes to the model only if its host is one of them.
            if let key, let refusal = key.binding.refusal(credential: key.name, connector: nil, url: try api.request(exchange).url) {
                throw refusal
            }
            // The tenant's own agent acts in its name (so the audit log is the tenant's, not the operator's).
            let actor = AuditActor(keyID: "agent:\(agent.name)", scope: .tenant, requestID: run.id)
            var step = 1
            // A run that waited for an approval goes on with the turn whose tool call waited.
            var resumed: (turn: ModelTurn, done: [ToolOutcome])?
            if let checkpoint = run.checkpoint, checkpoint["kind"] == "llm" {
                trace = run.trace
                usage = run.usage
                exchange.transcript = try (checkpoint["transcript"]?.arrayValue ?? []).map { value throws(JunctionError) in
                    try ModelMessage(checkpoint: value)
                }
                step = checkpoint["step"]?.intValue ?? 1
                guard case .assistant(let turn)? = exchange.transcript.last else {
                    throw JunctionError.internal("The run's checkpoint does not end with the model's turn.")
                }
                resumed = (turn, try (checkpoint["done"]?.arrayValue ?? []).map { value throws(JunctionError) in try ToolOutcome(checkpoint: value) })
            }
            while step <= agent.maxSteps {
                try Task.checkCancellation()
                let turn: ModelTurn
                var outcomes: [ToolOutcome] = []
                if let waited = resumed {
                    (turn, outcomes) = waited
                    resumed = nil
                } else {
                    let start = ContinuousClock.now
                    turn = try await modelCall.ask(api, exchange)
                    usage.inputTokens += turn.usage.inputTokens
                    usage.outputTokens += turn.usage.outputTokens
                    trace.append([
                        "type": "model", "step": .integer(step), "model": .string(model.description),
                        "duration_ms": .integer(Self.milliseconds(since: start)),
                        "input_tokens": .integer(turn.usage.inputTokens), "output_tokens": .integer(turn.usage.outputTokens),
                        "tool_calls": .array(turn.toolCalls.map { .string($0.name) }),
                    ])
                    if let refusal = turn.refusal {
                        return RunResult(outcome: .failed(Run.Failure(code: .refused, message: "The model refused: \(refusal.prefix(500))")), trace: trace, usage: usage)
                    }
                    if turn.truncated {
                        // Never act on a cut-off turn: its tool arguments may be cut off too.
                        let failure = Run.Failure(code: .outputTruncated, message: "The model's answer was cut off at its token limit.")
                        return RunResult(outcome: .failed(failure), trace: trace, usage: usage)
                    }
                    guard !turn.toolCalls.isEmpty else {
                        return RunResult(outcome: try finalOutput(turn.text, agent: agent), trace: trace, usage: usage)
                    }
                    // Tools called in the last step would act with no model left to read their results.
                    guard step < agent.maxSteps else { break }
                    exchange.transcript.append(.assistant(turn))
                }
                for (index, call) in turn.toolCalls.enumerated() where index >= outcomes.count {
                    try Task.checkCancellation()
                    let start = ContinuousClock.now
                    let (outcome, approvalID) = await invokeTool(
                        call, tool: byName[call.name], tenantID: run.tenantID, requestID: "\(run.id).\(step).\(index)", actor: actor)
                    var entry: [String: JSONValue] = [
                        "type": "tool", "step": .integer(step), "tool": .string(call.name), "success": .bool(!outcome.isError),
                        "duration_ms": .integer(Self.milliseconds(since: start)),
                    ]
                    if outcome.isError { entry["error"] = outcome.content }
                    if let approvalID {
                        entry["waiting_for"] = .string(approvalID)
                        trace.append(.object(entry))
                        let checkpoint: JSONValue = [
                            "kind": "llm", "step": .integer(step), "transcript": .array(exchange.transcript.map(\.checkpoint)),
                            "done": .array(outcomes.map(\.checkpoint)),
                        ]
                        return RunResult(outcome: .waiting(approvalID: approvalID, checkpoint: checkpoint), trace: trace, usage: usage)
                    }
                    trace.append(.object(entry))
                    outcomes.append(outcome)
                }
                exchange.transcript.append(.toolResults(outcomes))
                step += 1
            }
            let failure = Run.Failure(
                code: .maxSteps, message: "The model was still calling tools after \(agent.maxSteps) calls (max_steps).")
            return RunResult(outcome: .failed(failure), trace: trace, usage: usage)
        } catch let error as JunctionError {
            return RunResult(outcome: .failed(Run.Failure(error)), trace: trace, usage: usage)
        } catch {
            // Cancelled (the lease was lost, the server is stopping): the worker records nothing.
            if !(error is CancellationError) {
                Self.logger.error("An llm run failed inside Junction", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
            }
            return RunResult(outcome: .failed(Run.Failure(.internal("The run failed inside Junction."))), trace: trace, usage: usage)
        }
    }

    /// The agent's tools: every resource of each named connector, or the one named resource;
    /// each once (providers refuse a tool declared twice).
    private func tools(of agent: AgentDefinition, tenantID: String) async throws -> [ToolDefinition] {
        var tools: [ToolDefinition] = []
        var names: Set<String> = []
        for selection in agent.tools {
            let offered = try await catalog.tools(tenantID: tenantID, connector: selection.connector)
            var chosen = offered
            if let resource = selection.resource {
                guard let tool = offered.first(where: { $0.resource == resource }) else {
                    throw JunctionError(.notFound, "Connector '\(selection.connector)' has no resource '\(resource)'.", field: "tools")
                }
                chosen = [tool]
            }
            for tool in chosen where names.insert(tool.name).inserted { tools.append(tool) }
        }
        return tools
    }

    /// The provider key in the agent's credential (`api_key` or `bearer`), if it names one,
    /// with where the credential may be sent.
    private func apiKey(_ name: Slug?, tenantID: String) async throws -> (name: Slug, value: String?, binding: CredentialBinding)? {
        guard let name else { return nil }
        guard let credential = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError(.notFound, "No credential named '\(name)'.", field: "credential")
        }
        let resolved = try await credentials.resolve(credential)
        switch resolved.kind {
        case .apiKey: return (name, resolved.fields["value"]?.stringValue, credential.binding)
        case .bearer: return (name, resolved.fields["token"]?.stringValue, credential.binding)
        default:
            throw JunctionError.invalidInput(
                "Credential '\(name)' is \(resolved.kind.rawValue); a model key must be an api_key or bearer credential.",
                field: "credential")
        }
    }

    /// Runs one tool call; an unknown tool or bad arguments are errors the model is told about.
    /// A call waiting for an approval also answers the approval's id: the run waits for it.
    private func invokeTool(
        _ call: ToolCall, tool: ToolDefinition?, tenantID: String, requestID: String, actor: AuditActor
    ) async -> (ToolOutcome, approvalID: String?) {
        guard let tool else {
            return (ToolOutcome(call: call, content: Self.error("not_found", "There is no tool named '\(call.name)'."), isError: true), nil)
        }
        guard let arguments = call.arguments else {
            return (ToolOutcome(call: call, content: Self.error("invalid_input", "The arguments must be a JSON object."), isError: true), nil)
        }
        let envelope = await catalog.call(
            tool, arguments: arguments, tenantID: tenantID, requestID: requestID, actor: actor, runID: actor.requestID)
        if envelope.success, envelope.error == nil {
            return (ToolOutcome(call: call, content: Self.capped(envelope.payload ?? .value(.null)), isError: false), nil)
        }
        let error = envelope.error ?? InvokeEnvelope.Failure(code: .internal, message: "The call failed.")
        let content = Self.error(error.code.rawValue, error.message)
        let approvalID = error.code == .approvalRequired ? error.details?["approval_id"]?.stringValue : nil
        return (ToolOutcome(call: call, content: content, isError: true), approvalID)
    }

    /// The most of a tool's result the model is given, in bytes of JSON: results are sent again
    /// with every later model call, so a huge one would overflow the model's context.
    static let maximumToolResultBytes = 100_000

    /// The output, or its JSON text cut to ``maximumToolResultBytes`` with a note saying so
    /// (an upstream's long text is cut without being parsed).
    static func capped(_ payload: JSONPayload) -> JSONValue {
        if case .text(let upstream) = payload, upstream.bytes.count > maximumToolResultBytes {
            return cut(upstream.bytes)
        }
        let data = payload.value
        let text = StructuredOutput.text(data)
        guard text.utf8.count > maximumToolResultBytes else { return data }
        return cut(text.utf8)
    }

    private static func cut(_ text: some Collection<UInt8>) -> JSONValue {
        let kept = String(decoding: text.prefix(maximumToolResultBytes), as: UTF8.self)
        return .string(kept + "\n[… cut: the result has \(text.count) bytes; \(maximumToolResultBytes) are shown]")
    }

    private static func error(_ code: String, _ message: String) -> JSONValue {
        ["code": .string(code), "message": .string(message)]
    }

    /// The run's outcome for the model's final text: with an `output_schema`, the text parsed
    /// as JSON (a fenced code block allowed) and checked; without one, the text itself.
    private func finalOutput(_ text: String, agent: AgentDefinition) throws -> RunOutcome {
        guard agent.outputSchema != nil else { return .completed(output: .string(text)) }
        guard let output = ModelCall.json(in: text) else {
            return .failed(Run.Failure(code: .invalidOutput, message: "The model's answer is not JSON: \(text.prefix(200))"))
        }
        return agent.checkedOutput(output)
    }

    private static let logger = Logger(label: "junction.runs")

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start) / .milliseconds(1))
    }
}
