import JunctionCore

/// What one run produced: how it ended, what happened on the way, and the tokens it used.
public struct RunResult: Sendable {
    public var outcome: RunOutcome
    public var trace: [JSONValue]
    public var usage: Run.Usage

    public init(outcome: RunOutcome, trace: [JSONValue], usage: Run.Usage = Run.Usage()) {
        self.outcome = outcome
        self.trace = trace
        self.usage = usage
    }
}

/// Executes the runs of one kind of agent. Failures are outcomes, never thrown.
public protocol AgentRunning: Sendable {
    func execute(_ run: Run, agent: AgentDefinition) async -> RunResult
}

extension AgentDefinition {
    /// `output` checked against the agent's `output_schema`, when it has one: `invalid_output`
    /// listing the first violations otherwise.
    func checkedOutput(_ output: JSONValue) -> RunOutcome {
        guard let schema = outputSchema else { return .completed(output: output) }
        let violations = JSONSchema(schema).validate(output)
        guard violations.isEmpty else {
            let listed = violations.prefix(3).map(\.description).joined(separator: "; ")
            return .failed(Run.Failure(code: .invalidOutput, message: "The output does not match output_schema: \(listed)"))
        }
        return .completed(output: output)
    }
}
