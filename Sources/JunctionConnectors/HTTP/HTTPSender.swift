import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

/// Sends single HTTP requests outside a connector (model providers, outbound webhooks) through
/// the shared connection pools and the address guard, with the connector path's error mapping.
public struct HTTPSender: Sendable {
    /// An answer, whatever its status.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        /// Whether the status is 2xx.
        public var isSuccess: Bool { (200..<300).contains(status) }

        /// The body as JSON, or `nil` when it is not JSON.
        public var json: JSONValue? { try? JSONCoding.decode(body) }

        /// The error an unsuccessful answer stands for (`authentication_failed`, `rate_limited`
        /// and retryable 5xx as for connectors), naming `context`.
        public func failure(context: String) -> JunctionError {
            let retryAfter = headers.first(name: "Retry-After").flatMap { HTTPTransport.retryAfter($0, now: Date()) }
            let shown = json ?? .string(String(decoding: body.prefix(2000), as: UTF8.self))
            return HTTPFailure.answer(status: status, body: shown, retryAfter: retryAfter, context: context)
        }
    }

    /// The largest answer read; larger ones fail with `upstream_error`.
    public static let maxAnswerBytes = 16 << 20

    private let clients: HTTPClients
    private let addressGuard: AddressGuard

    /// A sender over the verifying pools of `clients`, connecting only to addresses
    /// `addressGuard` permits.
    public init(clients: HTTPClients, addressGuard: AddressGuard) {
        self.clients = clients
        self.addressGuard = addressGuard
    }

    /// POSTs `body` to `url` and returns the answer, read whole within `timeout` (a receiver
    /// that stalls mid-answer times out too). Transport failures, addresses the network policy
    /// denies and a missed `timeout` throw `JunctionError`s naming `context`.
    public func post(
        _ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, context: String
    ) async throws -> Answer {
        try await send(.POST, url, headers: headers, body: body, timeout: timeout, context: context)
    }

    /// GETs `url` (see `post`).
    public func get(_ url: String, headers: [(String, String)], timeout: Duration, context: String) async throws -> Answer {
        try await send(.GET, url, headers: headers, body: nil, timeout: timeout, context: context)
    }

    private func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration, context: String
    ) async throws -> Answer {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else {
            throw JunctionError.invalidInput("'\(url.prefix(200))' is not a URL with a host.")
        }
        let address = try await addressGuard.check(host: host)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "Junction")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let (clients, prepared) = (self.clients, request)
        do {
            // The deadline covers the whole answer, body included.
            return try await withDeadline(.now + timeout, lateError: { HTTPFailure.late(context: context) }) {
                try await clients.withClient(for: host, at: address) { client in
                    let response = try await client.execute(prepared, timeout: TimeAmount(timeout))
                    let bytes = try await response.body.collect(upTo: Self.maxAnswerBytes)
                    return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
                }
            }
        } catch let error as JunctionError {
            throw error
        } catch is NIOTooManyBytesError {
            throw JunctionError(.upstreamError, "The answer of \(context) is larger than \(Self.maxAnswerBytes) bytes.")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let safe = headers.contains { $0.0.caseInsensitiveCompare("Idempotency-Key") == .orderedSame }
            throw HTTPFailure.map(error, context: context, safeToRepeat: safe)
        }
    }
}
