import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// `POST /hooks/{connector_id}`: ingress for every connector type that receives requests
/// (`RequestReceiving`: webhooks in `inbound` and `sync` mode). The connector authenticates the
/// request (a webhook by its secret, sent as is or as an HMAC signature), not an API key. It
/// answers once the runs are queued (durably), or waits for their results up to the
/// connector's `resultWait`.
struct HookController: Sendable {
    let triggers: TriggerService
    /// Reads bodies within the server's body timeout (each connector sets its own size limit).
    let body: JSONBodyReader

    /// How long an `Idempotency-Key` is remembered.
    static let idempotencyWindow: TimeInterval = 24 * 3600

    func register(on router: Router<JunctionRequestContext>) {
        router.post("hooks/{connector_id}", use: receive)
    }

    @Sendable func receive(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (connector, receiver) = try await triggers.receiver(id: try context.parameters.require("connector_id"))
        // What can be checked without the body is checked before it is read.
        try receiver.admit(request.headers, now: Date())
        let key = try Self.idempotencyKey(request)
        let body = Array(buffer: try await self.body.limited(to: receiver.maxBodyBytes).bytes(request))
        let event = try receiver.event(headers: request.headers, body: body, now: Date())
        let accepted = try await triggers.accept(TriggerEvent(
            tenantID: connector.tenantID, connectorID: connector.id, connector: connector.name, kind: connector.type,
            input: event.input, idempotencyKey: key ?? event.idempotencyKey,
            keyNotBefore: Timestamp.now().addingTimeInterval(-Self.idempotencyWindow)))
        let runIDs = JSONValue.array(accepted.runs.map { .string($0.id) })
        guard let wait = receiver.resultWait, !accepted.runs.isEmpty else {
            return JSONResponse.make(JSONValue.object(["status": "ok", "run_ids": runIDs]))
        }
        guard let finished = try await triggers.results(of: accepted.runs, within: wait) else {
            return JSONResponse.make(JSONValue.object(["status": "accepted", "run_ids": runIDs]), status: .accepted)
        }
        var answer: [String: JSONValue] = ["status": "ok", "run_ids": runIDs, "result": Self.result(finished[0])]
        if finished.count > 1 { answer["results"] = .array(finished.map(Self.result)) }
        return JSONResponse.make(JSONValue.object(answer))
    }

    /// The request's `Idempotency-Key`: 1 to 255 visible ASCII characters.
    private static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw JunctionError.invalidInput("Must be 1 to 255 visible ASCII characters.", field: "Idempotency-Key")
        }
        return key
    }

    private static func result(_ run: Run) -> JSONValue {
        [
            "run_id": .string(run.id), "agent_name": .string(run.agent.rawValue), "status": .string(run.status.rawValue),
            "output": run.output ?? .null,
            "error": run.failure.map { ["code": .string($0.code.rawValue), "message": .string($0.message)] } ?? .null,
        ]
    }
}
