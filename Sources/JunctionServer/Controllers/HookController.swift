import Foundation
import HTTPTypes
import Hummingbird
import JunctionConnectors
import JunctionCore
import JunctionRuntime

/// `POST /hooks/{connector_id}`: webhook ingress. Authenticated by the connector's secret (sent
/// as is, or as an HMAC signature), not by an API key. `inbound` connectors answer once the runs
/// are queued (durably); `sync` connectors wait for the results, up to their timeout.
struct HookController: Sendable {
    let triggers: TriggerService

    /// How long an `Idempotency-Key` is remembered.
    static let idempotencyWindow: TimeInterval = 24 * 3600

    func register(on router: Router<JunctionRequestContext>) {
        router.post("hooks/{connector_id}", use: receive)
    }

    @Sendable func receive(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let (connector, settings) = try await triggers.webhook(id: try context.parameters.require("connector_id"))
        // What can be checked without the body is checked before it is read.
        let signature = try request.headers[Self.signatureHeader].map { header throws(JunctionError) in
            let signature = try WebhookSignature.Signature(parsing: header)
            try signature.checkFresh(now: Date(), tolerance: settings.signatureTolerance)
            return signature
        }
        if signature == nil { try Self.checkSecret(request, settings: settings) }
        let body = Array(buffer: try await JSONBodyReader(limit: settings.maxBodyBytes).bytes(request))
        if let header = request.headers[Self.signatureHeader] {
            try WebhookSignature.verify(header, body: body, secret: settings.secret, now: Date(), tolerance: settings.signatureTolerance)
        }
        let input = try WebhookInput.parse(body, contentType: request.headers[.contentType])
        // A replayed signed request (within the tolerance) is a repeat, as if it had a key.
        let key = try Self.idempotencyKey(request) ?? signature.map { "sig:\($0.fingerprint)" }
        let accepted = try await triggers.accept(TriggerEvent(
            tenantID: connector.tenantID, connectorID: connector.id, connector: connector.name, kind: "webhook", input: input,
            idempotencyKey: key, keyNotBefore: Timestamp.now().addingTimeInterval(-Self.idempotencyWindow)))
        let runIDs = JSONValue.array(accepted.runs.map { .string($0.id) })
        guard connector.mode == "sync", !accepted.runs.isEmpty else {
            return JSONResponse.make(JSONValue.object(["status": "ok", "run_ids": runIDs]))
        }
        guard let finished = try await triggers.results(of: accepted.runs, within: settings.syncTimeout) else {
            return JSONResponse.make(JSONValue.object(["status": "accepted", "run_ids": runIDs]), status: .accepted)
        }
        var answer: [String: JSONValue] = ["status": "ok", "run_ids": runIDs, "result": Self.result(finished[0])]
        if finished.count > 1 { answer["results"] = .array(finished.map(Self.result)) }
        return JSONResponse.make(JSONValue.object(answer))
    }

    static let signatureHeader = HTTPField.Name(WebhookSignature.signatureHeader)!
    static let secretHeader = HTTPField.Name(WebhookSignature.secretHeader)!

    /// Checks `X-Junction-Secret` (for a request without a signature); `unauthorized` otherwise.
    private static func checkSecret(_ request: Request, settings: WebhookSettings) throws {
        guard let secret = request.headers[secretHeader] else {
            throw JunctionError(
                .unauthorized, "Send the connector's secret as \(WebhookSignature.secretHeader), or sign the request with it "
                    + "as \(WebhookSignature.signatureHeader).")
        }
        guard WebhookSignature.secretMatches(secret, settings.secret) else {
            throw JunctionError(.unauthorized, "The secret does not match.", field: WebhookSignature.secretHeader)
        }
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
