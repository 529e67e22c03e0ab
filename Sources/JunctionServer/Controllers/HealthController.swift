import Foundation
import Hummingbird
import JunctionCore
import JunctionStorage
import Logging
import NIOCore
import Prometheus

/// `GET /health` (the process answers), `GET /ready` (the store answers too),
/// `GET /metrics` (Prometheus) and `GET /openapi.json` (this API's OpenAPI 3.1 document).
struct HealthController: Sendable {
    let store: any Store
    /// The OpenAPI document, read once at start-up (never on a request).
    let openAPIDocument: [UInt8]?
    /// The metrics served at `/metrics` in Prometheus text format.
    let metrics: PrometheusCollectorRegistry

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("health") { _, _ in
            JSONResponse.make(["status": "ok"] as JSONValue)
        }
        group.get("ready") { _, context in
            do {
                try await store.checkReadiness()
                return JSONResponse.make(["status": "ready"] as JSONValue)
            } catch {
                context.logger.warning("Store not ready", metadata: ["error": .string(String(describing: error))])
                return JSONResponse.make(["status": "unavailable"] as JSONValue, status: .serviceUnavailable)
            }
        }
        group.get("metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: buffer))
        }
        group.get("openapi.json") { _, _ in
            guard let document = openAPIDocument else {
                throw JunctionError.internal("The OpenAPI document is missing from this build.")
            }
            return JSONResponse.make(bytes: document, status: .ok)
        }
    }
}

/// The OpenAPI document shipped as a resource of this module.
public enum OpenAPIDocument {
    /// The document's bytes, loaded once.
    public static let bytes: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }
        .map(Array.init)
}
