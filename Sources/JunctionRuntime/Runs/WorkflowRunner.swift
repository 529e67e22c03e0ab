import JunctionCore

/// Runs `workflow` agents: each step calls its connector resource through the invoke path
/// (validation, credentials, retries, audit), with `{{…}}` values taken from the run's input
/// and earlier steps, when its `when` holds. A step whose call waits for an approval stops the
/// run with a checkpoint (the steps done and their results); once the approval is decided the
/// run goes on from that step, so no earlier step is called twice.
public struct WorkflowRunner: AgentRunning {
    private let invoker: Invoker

    public init(invoker: Invoker) {
        self.invoker = invoker
    }

    public func execute(_ run: Run, agent: AgentDefinition) async -> RunResult {
        var trace: [JSONValue] = []
        var results: [String: JSONValue] = [:]
        var last: JSONValue = .null
        var first = 0
        if let checkpoint = run.checkpoint, checkpoint["kind"] == "workflow" {
            trace = run.trace
            results = checkpoint["results"]?.objectValue ?? [:]
            last = checkpoint["last"] ?? .null
            first = checkpoint["next"]?.intValue ?? 0
            // Going on is safe only with the steps the run stopped in: an edited agent could
            // skip a step or repeat a write.
            guard first < agent.steps.count, checkpoint["steps"] == Self.stepIDs(agent, through: first) else {
                let failure = Run.Failure(
                    code: .conflict, message: "The agent's steps changed while the run waited for approval; start a new run.")
                return RunResult(outcome: .failed(failure), trace: trace)
            }
        }
        // The tenant's own agent acts in its name (so the audit log is the tenant's, not the operator's).
        let actor = AuditActor(keyID: "agent:\(agent.name)", scope: .tenant, requestID: run.id)
        for (index, step) in agent.steps.enumerated() where index >= first {
            let scope: JSONValue = ["input": run.input, "steps": .object(results)]
            do {
                if let when = step.when, try !when.holds(in: scope) {
                    trace.append(["type": "skip", "step": .string(step.id.rawValue)])
                    continue
                }
                let data = try Interpolation.resolve(step.data, in: scope)
                let start = ContinuousClock.now
                let envelope = await invoker.invoke(InvokeRequest(
                    tenantID: run.tenantID, connector: step.connector.rawValue, resource: step.resource.rawValue, data: data,
                    // A run executed again after a crash sends the same key, so upstreams can
                    // tell a repeated write.
                    options: InvokeOptions(), requestID: "\(run.id).\(step.id)", idempotencyKey: "\(run.id).\(step.id)",
                    actor: actor, runID: run.id))
                var entry: [String: JSONValue] = [
                    "type": "tool", "step": .string(step.id.rawValue), "connector": .string(step.connector.rawValue),
                    "resource": .string(step.resource.rawValue), "success": .bool(envelope.success),
                    "duration_ms": .integer((ContinuousClock.now - start).wholeMilliseconds),
                ]
                if let approvalID = envelope.error?.details?["approval_id"]?.stringValue, envelope.error?.code == .approvalRequired {
                    entry["waiting_for"] = .string(approvalID)
                    trace.append(.object(entry))
                    let checkpoint: JSONValue = [
                        "kind": "workflow", "results": .object(results), "last": last, "next": .integer(index),
                        "steps": Self.stepIDs(agent, through: index),
                    ]
                    return RunResult(outcome: .waiting(approvalID: approvalID, checkpoint: checkpoint), trace: trace)
                }
                guard envelope.success, envelope.error == nil else {
                    let code = envelope.error?.code ?? .internal
                    let message = envelope.error?.message ?? "The call failed."
                    entry["error"] = ["code": .string(code.rawValue), "message": .string(message)]
                    trace.append(.object(entry))
                    return RunResult(
                        outcome: .failed(Run.Failure(code: code, message: "Step '\(step.id)' failed: \(message)")), trace: trace)
                }
                trace.append(.object(entry))
                let result = envelope.data ?? .null
                results[step.id.rawValue] = ["data": result, "status": envelope.metadata.status.map(JSONValue.integer) ?? .null]
                last = result
            } catch {
                return RunResult(
                    outcome: .failed(Run.Failure(code: error.code, message: "Step '\(step.id)': \(error.message)")), trace: trace)
            }
        }
        let scope: JSONValue = ["input": run.input, "steps": .object(results)]
        do {
            var output = last
            if let declared = agent.output { output = try Interpolation.resolve(declared, in: scope) }
            return RunResult(outcome: agent.checkedOutput(output), trace: trace)
        } catch {
            return RunResult(outcome: .failed(Run.Failure(code: error.code, message: "output: \(error.message)")), trace: trace)
        }
    }

    /// The ids of the steps up to and including `index`, as a checkpoint records them.
    private static func stepIDs(_ agent: AgentDefinition, through index: Int) -> JSONValue {
        .array(agent.steps.prefix(index + 1).map { .string($0.id.rawValue) })
    }
}
