import Foundation
import Hummingbird
import JunctionConnectors
import JunctionCore
import NIOCore

/// Builds JSON responses with Junction's encoder (sorted keys, ISO 8601 dates).
enum JSONResponse {
    /// A response whose body is `value` encoded as JSON.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        if let json = value as? JSONValue { return make(json, status: status) }
        do {
            return make(bytes: try JSONCoding.encode(value), status: status)
        } catch {
            return ErrorBody.response(.internal("Response encoding failed.", cause: error))
        }
    }

    /// A response whose body is `value` as JSON text (written without Foundation's encoder).
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        make(bytes: value.jsonBytes, status: status)
    }

    /// A response whose body is the envelope's JSON text, an upstream's text copied once,
    /// straight into the body.
    static func make(_ envelope: InvokeEnvelope, status: HTTPResponse.Status) -> Response {
        var pieces: [ArraySlice<UInt8>] = []
        envelope.writeJSON { pieces.append($0) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { buffer.writeBytes(piece) }
        return make(buffer: buffer, status: status)
    }

    static func make(bytes: some Sequence<UInt8>, status: HTTPResponse.Status) -> Response {
        make(buffer: ByteBuffer(bytes: bytes), status: status)
    }

    private static func make(buffer: ByteBuffer, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: buffer)
        )
    }
}

/// The error shape every endpoint uses: `{"error":{"code","message","field","details","retryable"}}`,
/// where `field`, `details` and `retryable` appear only when they apply.
enum ErrorBody {
    static func response(_ error: JunctionError) -> Response {
        var body: [String: JSONValue] = [
            "code": .string(error.code.description),
            "message": .string(error.message),
        ]
        if let field = error.field { body["field"] = .string(field) }
        if let details = error.details { body["details"] = details }
        if error.retryable { body["retryable"] = true }
        var response = JSONResponse.make(JSONValue.object(["error": .object(body)]), status: error.code.httpStatus)
        if error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        if let wait = error.retryAfter {
            response.headers[.retryAfter] = String(max(1, Int(wait.timeInterval.rounded(.up))))
        }
        return response
    }
}

extension JunctionError.Code {
    /// The HTTP status this code is answered with on the control plane.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalidInput: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden, .policyDenied: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .methodNotAllowed: .methodNotAllowed
        case .rateLimited: .tooManyRequests
        case .unavailable, .cancelled: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .requestTimeout: .requestTimeout
        case .approvalRequired: .forbidden
        case .connectionRefused, .connectionReset, .authenticationFailed, .tlsError, .tooManyConnections, .schemaDiscoveryFailed,
             .upstreamError:
            .badGateway
        case .connectorDisabled: .conflict
        default: .internalServerError
        }
    }
}

/// Reads JSON request bodies under the configured size limit and within the body timeout.
struct JSONBodyReader: Sendable {
    /// The largest body accepted, in bytes.
    let limit: Int
    /// How long the whole body may take to arrive (`request_body_timeout_ms`).
    let timeout: Duration

    /// The same timeout with another size limit.
    func limited(to limit: Int) -> JSONBodyReader {
        JSONBodyReader(limit: limit, timeout: timeout)
    }

    /// The body as JSON: `payload_too_large` past the limit, `unsupported_media_type` for a
    /// non-JSON content type, `invalid_input` for a malformed body or an empty one (unless
    /// `allowEmpty`, which reads an empty body as `{}`).
    func read(_ request: Request, allowEmpty: Bool = false) async throws -> JSONValue {
        if let contentType = request.headers[.contentType]?.lowercased(),
           !contentType.hasPrefix("application/json"), !contentType.containsBytes(of: "+json")
        {
            throw JunctionError(.unsupportedMediaType, "Send the body as application/json.")
        }
        let buffer = try await bytes(request)
        guard buffer.readableBytes > 0 else {
            if allowEmpty { return .object([:]) }
            throw JunctionError.invalidInput("Request body is empty.")
        }
        return try JSONCoding.decode(buffer.readableBytesView)
    }

    /// The raw body: `payload_too_large` past the limit, `request_timeout` when it has not
    /// all arrived within the timeout (a client sending it a byte at a time, or announcing a
    /// longer body than it sends).
    func bytes(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw JunctionError(.payloadTooLarge, "Request body is larger than \(limit) bytes.")
        }
        let (limit, timeout) = (self.limit, self.timeout)
        do {
            return try await withDeadline(.now + timeout, lateError: {
                JunctionError(.requestTimeout, "The request body did not arrive within \(timeout.wholeMilliseconds) ms.")
            }) {
                try await request.body.collect(upTo: limit)
            }
        } catch is NIOTooManyBytesError {
            throw JunctionError(.payloadTooLarge, "Request body is larger than \(limit) bytes.")
        }
    }
}
