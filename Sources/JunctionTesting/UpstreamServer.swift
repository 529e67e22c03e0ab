import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JunctionCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A real HTTP server on a loopback port for connector tests: it echoes requests, answers
/// chosen statuses, fails a given number of times, sleeps, and issues OAuth2 tokens, counting
/// every call.
public final class UpstreamServer: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:54321`.
    public let url: String
    /// The PEM of the self-signed certificate an HTTPS server presents (`nil` for HTTP), for a
    /// client told to trust it.
    public let certificatePEM: String?
    private let counters: Counters

    private init(url: String, certificatePEM: String?, counters: Counters) {
        self.url = url
        self.certificatePEM = certificatePEM
        self.counters = counters
    }

    /// Serves `document` as JSON at `/documents/NAME` from now on; its URL.
    @discardableResult
    public func serve(_ document: JSONValue, as name: String) -> String {
        counters.documents.withLock { $0[name] = document }
        return url + "/documents/" + name
    }

    /// How many requests reached `route` (e.g. `token`, `flaky:KEY`, `echo`).
    public func count(_ route: String) -> Int {
        counters.state.withLock { $0[route] ?? 0 }
    }

    /// What the latest `/echo` request carried (method, path, query, headers, body), as the
    /// upstream saw it: the envelope redacts an echoed credential, this does not.
    public var lastEcho: JSONValue? {
        counters.lastEcho.withLock { $0 }
    }

    /// Request counts and issued tokens, shared by the handlers.
    final class Counters: Sendable {
        let state = Mutex<[String: Int]>([:])
        let tokens = Mutex<Set<String>>([])
        let documents = Mutex<[String: JSONValue]>([:])
        let lastEcho = Mutex<JSONValue?>(nil)

        /// Counts one request to `key`, returning the new count.
        func bump(_ key: String) -> Int {
            state.withLock { state in
                state[key, default: 0] += 1
                return state[key]!
            }
        }
    }

    /// Runs `body` with a server listening on a free loopback port, stopped afterwards.
    ///
    /// - Parameter tls: serve HTTPS with a freshly made self-signed certificate (needs the
    ///   `openssl` command), so that clients that verify certificates must refuse it.
    public static func with<T: Sendable>(tls: Bool = false, _ body: @Sendable (UpstreamServer) async throws -> T) async throws -> T {
        let counters = Counters()
        let certificate = tls ? try SelfSignedCertificate.make() : nil
        let server: HTTPServerBuilder = try certificate.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1()
        return try await LoopbackServer.serve(makeRouter(counters: counters), server: server) { port in
            try await body(UpstreamServer(
                url: "\(tls ? "https" : "http")://127.0.0.1:\(port)", certificatePEM: certificate?.pem, counters: counters))
        }
    }

    /// The OAuth2 client these tests use at `/oauth/token`.
    public static let oauthClient = (id: "junction-client", secret: "client-secret-PLAINTEXT-9999")

    private static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            var fields = headers
            fields[.contentType] = "application/json"
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }

    private static func echo(_ request: Request, body: ByteBuffer) -> [String: Any] {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }  // lowercase names
            var query: [String: [String]] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key), default: []].append(String(value)) }
            let bodyText = String(buffer: body)
            let parsed = bodyText.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(bodyText.utf8), options: [.fragmentsAllowed])
            return [
                "method": request.method.rawValue, "path": request.uri.path, "query": query, "headers": headers,
                "authority": request.head.authority ?? NSNull(),
                "body": parsed ?? (bodyText.isEmpty ? NSNull() : bodyText as Any),
            ]
        }

    /// Answers `echo` and remembers it as the latest.
    private static func recorded(_ echo: [String: Any], in counters: Counters) -> [String: Any] {
        let data = (try? JSONSerialization.data(withJSONObject: echo, options: [.sortedKeys])) ?? Data()
        counters.lastEcho.withLock { $0 = try? JSONCoding.decode(Array(data)) }
        return echo
    }

    private static func makeRouter(counters: Counters) -> Router<BasicRequestContext> {
                let router = Router()
        router.on("/echo/**", method: .get) { request, _ in _ = counters.bump("echo"); return json(recorded(echo(request, body: ByteBuffer()), in: counters)) }
        for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
            router.on("/echo/**", method: method) { request, _ in
                _ = counters.bump("echo")
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                return json(recorded(echo(request, body: body), in: counters), status: method == .post ? .created : .ok)
            }
        }
        router.get("/status/{code}") { request, context in
            _ = counters.bump("status")
            let code = Int(context.parameters.get("code") ?? "500") ?? 500
            return json(["error": "status \(code)", "code": code], status: .init(code: code))
        }
        router.get("/flaky/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let seen = counters.bump("flaky:\(key)")
            let failures = Int(request.uri.queryParameters["fail"] ?? "0") ?? 0
            let status = Int(request.uri.queryParameters["status"] ?? "503") ?? 503
            if seen <= failures {
                var headers = HTTPFields()
                if let retryAfter = request.uri.queryParameters["retry_after"] { headers[.retryAfter] = String(retryAfter) }
                return json(["error": "failing", "attempt": seen], status: .init(code: status), headers: headers)
            }
            return json(["ok": true, "attempt": seen])
        }
        router.post("/flaky/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let seen = counters.bump("flaky:\(key)")
            let failures = Int(request.uri.queryParameters["fail"] ?? "0") ?? 0
            return seen <= failures ? json(["error": "failing"], status: .serviceUnavailable) : json(["ok": true, "attempt": seen])
        }
        router.get("/slow") { request, _ in
            _ = counters.bump("slow")
            let milliseconds = Int(request.uri.queryParameters["ms"] ?? "1000") ?? 1000
            try await Task.sleep(for: .milliseconds(milliseconds))
            return json(["slept_ms": milliseconds])
        }
        router.get("/documents/{name}") { _, context in
            _ = counters.bump("documents")
            let name = context.parameters.get("name") ?? ""
            guard let document = counters.documents.withLock({ $0[name] }) else { return json(["error": "no such document"], status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document.jsonBytes)))
        }
        router.get("/bad-json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"ok\": tru")))
        }
        router.get("/text") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "plain text")))
        }
        router.get("/binary") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: [0, 1, 2, 255])))
        }
        router.post("/oauth/token") { request, _ in
            _ = counters.bump("token")
            let expected = "Basic " + Data("\(oauthClient.id):\(oauthClient.secret)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else { return json(["error": "invalid_client"], status: .unauthorized) }
            try await Task.sleep(for: .milliseconds(50))
            let token = "token-\(UUID().uuidString)"
            counters.tokens.withLock { _ = $0.insert(token) }
            return json(["access_token": token, "token_type": "Bearer", "expires_in": 3600])
        }
        router.post("/oauth/revoke-all") { _, _ in
            counters.tokens.withLock { $0.removeAll() }
            return json(["revoked": true])
        }
        router.get("/protected") { request, _ in
            _ = counters.bump("protected")
            let header = request.headers[.authorization] ?? ""
            let valid = header.hasPrefix("Bearer ") && counters.tokens.withLock { $0.contains(String(header.dropFirst(7))) }
            return valid ? json(["secret_data": 42]) : json(["error": "invalid_token"], status: .unauthorized)
        }
        return router
    }
}

/// A throwaway self-signed certificate for `127.0.0.1`, made with the `openssl` command.
public enum SelfSignedCertificate {
    static func make() throws -> (configuration: TLSConfiguration, pem: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try write(to: directory)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        return (configuration, try String(contentsOfFile: certificate, encoding: .utf8))
    }

    /// Writes `cert.pem` and `key.pem` for `127.0.0.1` into `directory`; answers their paths.
    public static func write(to directory: URL) throws -> (certificate: String, key: String) {
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("openssl could not make a certificate") }
        return (certificate, key)
    }
}
