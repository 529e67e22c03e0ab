import Foundation
import HTTPTypes

/// An optional ability of an inbound connector type whose events arrive as HTTP requests
/// (webhooks, a SaaS API's event callbacks) at `POST /hooks/{connector_id}`, where the id is
/// the only thing a caller needs to know. The server finds the enabled connector, lets it
/// `admit` the request before reading the body, reads at most `maxBodyBytes`, and queues a run
/// of every linked agent for the `event` the connector makes of the request. An
/// `Idempotency-Key` header, when sent, wins over the event's own key.
public protocol RequestReceiving: Connector {
    /// The largest body read; a larger one is refused with `payload_too_large`.
    var maxBodyBytes: Int { get }

    /// How long the caller waits for the results of the runs it started; `nil` answers with
    /// the run ids as soon as they are queued.
    var resultWait: Duration? { get }

    /// Checks what can be checked before the body is read (a shared secret, a signature's age);
    /// throws `unauthorized` to turn the request away.
    func admit(_ headers: HTTPFields, now: Date) throws(JunctionError)

    /// The event the request stands for. Throws `unauthorized` (a signature that does not
    /// match the body), `invalid_input` or `unsupported_media_type` (a body it cannot read).
    func event(headers: HTTPFields, body: [UInt8], now: Date) throws(JunctionError) -> InboundEvents.Event
}

/// An optional ability of an outbound connector type: the results of its linked agents' runs
/// are delivered to it, one queued delivery at a time, retried after a failure with growing
/// pauses until `deliveryAttempts` are spent (the delivery is dead then, and can be re-driven).
public protocol OutboundDelivering: Connector {
    /// How many attempts a delivery gets.
    var deliveryAttempts: Int { get }

    /// The pause after the `attempt`-th failed attempt (1 for the first).
    func retryDelay(afterAttempt attempt: Int) -> Duration

    /// Delivers `payload` (`{run_id, agent_name, status, output, error}`) before
    /// `call.deadline`; `call.idempotencyKey` is the delivery's id, the same on every attempt.
    /// Throwing fails the attempt.
    func deliver(_ payload: JSONValue, call: CallContext) async throws
}
