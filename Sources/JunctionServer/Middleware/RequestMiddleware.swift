import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Logging

/// Gives each request an id (echoed in `X-Request-Id`), logs it at debug level (method, path,
/// status, duration; never headers or bodies), and renders every error as
/// `{"error":{"code","message","field","details","retryable"}}` (optional members omitted)
/// with the status its code calls for.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request.id"] = .string(context.requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let apiError = Self.junctionError(from: error)
            if apiError.code == .internal {
                context.logger.error(
                    "Request failed",
                    metadata: ["error": .string(String(describing: apiError.cause ?? error))]
                )
            }
            response = ErrorBody.response(apiError)
        }
        response.headers[.xRequestID] = context.requestID
        context.logger.debug(
            "Handled request",
            metadata: [
                "http.method": "\(request.method)",
                "http.path": "\(request.uri.path)",
                "http.status": "\(response.status.code)",
                "duration_ms": "\((ContinuousClock.now - start).wholeMilliseconds)",
            ]
        )
        return response
    }

    /// The caller's request id if it is short and printable, otherwise a new one.
    private static func requestID(from request: Request) -> String {
        if let given = request.headers[.xRequestID], (1...128).contains(given.utf8.count),
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        return Identifier.make("req")
    }

    /// Maps anything thrown below to a `JunctionError`.
    static func junctionError(from error: any Error) -> JunctionError {
        switch error {
        case let error as JunctionError:
            return error
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: return .notFound("No such route.")
            case .contentTooLarge: return JunctionError(.payloadTooLarge, "Request body is too large.")
            case .methodNotAllowed: return JunctionError(.methodNotAllowed, "Method not allowed on this route.")
            case .unauthorized: return JunctionError(.unauthorized, "Missing or invalid API key.")
            case .badRequest: return .invalidInput((error as? HTTPError)?.body ?? "Bad request.")
            default: return .internal(cause: error)
            }
        default:
            return .internal(cause: error)
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
