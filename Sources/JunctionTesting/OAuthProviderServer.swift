import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JunctionConnectors
import JunctionCore
import NIOCore
import NIOHTTP1
import Synchronization

/// A small OAuth 2.0 authorization server on a loopback port, written for the tests of
/// Junction's connect flow: `/authorize` consents at once (a 302 back to the redirect URI with
/// a code), `/token` exchanges codes (PKCE S256 checked) and rotating refresh tokens (each one
/// works once), `/api/me` answers only valid access tokens. Tests revoke grants, shorten token
/// lifetimes, slow the token endpoint down and count its refreshes.
public final class OAuthProviderServer: Sendable {
    /// How the provider wants clients to authenticate and answer.
    public struct Behaviour: Sendable {
        /// `client_secret_basic` or `client_secret_post`.
        public var clientAuthentication = "client_secret_basic"
        /// The lifetime given in `expires_in`.
        public var tokenLifetime = 3600
        /// Whether a refresh answers a new refresh token (and the old one stops working).
        public var rotatesRefreshTokens = true
        /// Refusals answered with HTTP 200 and `{"ok": false, "error": …}` (Slack's style), and
        /// answers as form fields rather than JSON.
        public var errorsInOK = false
        /// Each token request waits this long first (to make concurrent callers overlap).
        public var tokenDelay: Duration = .zero

        public init() {}
    }

    /// The client the tests register.
    public static let client = (id: "junction-test-app", secret: "app-secret-PLAINTEXT-4242")

    /// The server's base URL.
    public let url: String
    private let box: StateBox

    struct State {
        var behaviour: Behaviour
        var codes: [String: (challenge: String?, redirectURI: String, scope: String)] = [:]
        var refreshTokens: Set<String> = []
        var accessTokens: [String: ContinuousClock.Instant] = [:]
        var counts: [String: Int] = [:]
        var lastAuthorize: [String: String] = [:]
        var lastTokenForm: [String: String] = [:]
    }

    private init(url: String, box: StateBox) {
        self.url = url
        self.box = box
    }

    /// Runs `body` with a provider on a free loopback port, stopped afterwards.
    public static func with<T: Sendable>(_ behaviour: Behaviour = Behaviour(), _ body: @Sendable (OAuthProviderServer) async throws -> T) async throws -> T {
        let box = StateBox(State(behaviour: behaviour))
        return try await LoopbackServer.serve(makeRouter(box)) { port in
            try await body(OAuthProviderServer(url: "http://127.0.0.1:\(port)", box: box))
        }
    }

    /// How many requests of a kind arrived: `authorize`, `code`, `refresh`, `client` (client
    /// credentials), `refused` (token requests refused), `me`, `me-refused` (API calls with an
    /// invalid or expired token).
    public func count(_ kind: String) -> Int { box.state.withLock { $0.counts[kind] ?? 0 } }

    /// The query of the latest authorization request.
    public var lastAuthorization: [String: String] { box.state.withLock { $0.lastAuthorize } }

    /// The form of the latest token request (client secret included, as the provider saw it).
    public var lastTokenForm: [String: String] { box.state.withLock { $0.lastTokenForm } }

    /// Revokes every refresh and access token (the user disconnected the app).
    public func revokeAll() {
        box.state.withLock {
            $0.refreshTokens.removeAll()
            $0.accessTokens.removeAll()
        }
    }

    /// Expires every access token now (refresh tokens keep working).
    public func expireAccessTokens() {
        box.state.withLock { $0.accessTokens.removeAll() }
    }

    /// Changes the behaviour from now on.
    public func update(_ change: @Sendable (inout Behaviour) -> Void) {
        box.state.withLock { change(&$0.behaviour) }
    }

    /// Follows an authorization URL as a browser would: the provider's redirect is fetched at
    /// the redirect URI (Junction's callback); answers the callback's status and page.
    public static func authorize(_ authorizationURL: String) async throws -> (status: Int, page: String) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let first = try await client.execute(HTTPClientRequest(url: authorizationURL), timeout: .seconds(10))
            guard first.status == .found, let location = first.headers.first(name: "Location") else {
                throw HarnessError("the provider did not redirect (\(first.status))")
            }
            let second = try await client.execute(HTTPClientRequest(url: location), timeout: .seconds(30))
            let page = try await second.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return (Int(second.status.code), String(buffer: page))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    final class StateBox: Sendable {
        let state: Mutex<State>
        init(_ initial: State) { state = Mutex(initial) }
    }

    private static func makeRouter(_ box: StateBox) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/authorize") { request, _ in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            guard let redirect = query["redirect_uri"], let state = query["state"], query["client_id"] == client.id,
                  query["response_type"] == "code"
            else { return Response(status: .badRequest) }
            let code = "code-\(UUID().uuidString)"
            box.state.withLock {
                $0.counts["authorize", default: 0] += 1
                $0.lastAuthorize = query
                $0.codes[code] = (query["code_challenge_method"] == "S256" ? query["code_challenge"] : nil, redirect, query["scope"] ?? "")
            }
            var location = redirect + (redirect.contains("?") ? "&" : "?")
            location += "code=\(code)&state=\(PercentEncoding.encodeComponent(state))"
            return Response(status: .found, headers: [.location: location])
        }
        router.post("/token") { request, _ in
            var request = request
            let text = String(buffer: try await request.collectBody(upTo: 1 << 16))
            var form: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { form[parts[0]] = parts[1] }
            }
            let behaviour = box.state.withLock {
                $0.lastTokenForm = form
                return $0.behaviour
            }
            if behaviour.tokenDelay > .zero { try await Task.sleep(for: behaviour.tokenDelay) }
            func refuse(_ error: String, status: HTTPResponse.Status = .badRequest) -> Response {
                box.state.withLock { $0.counts["refused", default: 0] += 1 }
                return behaviour.errorsInOK ? json(["ok": false, "error": .string(error)]) : json(["error": .string(error)], status: status)
            }
            let basic = "Basic " + Data("\(client.id):\(client.secret)".utf8).base64EncodedString()
            let authenticated = behaviour.clientAuthentication == "client_secret_basic"
                ? request.headers[.authorization] == basic
                : form["client_id"] == client.id && form["client_secret"] == client.secret
            guard authenticated else { return refuse("invalid_client", status: .unauthorized) }
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let issued = box.state.withLock({ $0.codes.removeValue(forKey: code) }) else {
                    return refuse("invalid_grant")
                }
                guard form["redirect_uri"] == issued.redirectURI else { return refuse("invalid_grant") }
                if let challenge = issued.challenge {
                    let verifier = form["code_verifier"] ?? ""
                    let computed = Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
                        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                    guard computed == challenge else { return refuse("invalid_grant") }
                }
                box.state.withLock { $0.counts["code", default: 0] += 1 }
                return json(issue(box, behaviour: behaviour, scope: issued.scope, refresh: nil))
            case "refresh_token":
                guard let refresh = form["refresh_token"], box.state.withLock({ $0.refreshTokens.contains(refresh) }) else {
                    return refuse("invalid_grant")
                }
                box.state.withLock { $0.counts["refresh", default: 0] += 1 }
                return json(issue(box, behaviour: behaviour, scope: "read write", refresh: refresh))
            case "client_credentials":
                box.state.withLock { $0.counts["client", default: 0] += 1 }
                let access = "access-\(UUID().uuidString)"
                box.state.withLock { $0.accessTokens[access] = .now + .seconds(behaviour.tokenLifetime) }
                return json(["access_token": .string(access), "token_type": "Bearer", "expires_in": .integer(behaviour.tokenLifetime)])
            default:
                return refuse("unsupported_grant_type")
            }
        }
        router.get("/api/me") { request, _ in
            let header = request.headers[.authorization] ?? ""
            let valid = box.state.withLock { state -> Bool in
                state.counts["me", default: 0] += 1
                guard header.hasPrefix("Bearer "), let expires = state.accessTokens[String(header.dropFirst(7))], expires > .now else {
                    state.counts["me-refused", default: 0] += 1
                    return false
                }
                return true
            }
            // `echo=1` answers the Authorization header back, as a careless upstream might.
            if valid, request.uri.queryParameters["echo"] != nil { return json(["authorization": .string(header)]) }
            return valid ? json(["id": "user-1", "name": "Ana"]) : json(["error": "invalid_token"], status: .unauthorized)
        }
        return router
    }

    /// New tokens; `refresh` is the refresh token spent (rotated away when the behaviour says so).
    private static func issue(_ box: StateBox, behaviour: Behaviour, scope: String, refresh: String?) -> JSONValue {
        let access = "access-\(UUID().uuidString)"
        var answer: [String: JSONValue] = [
            "access_token": .string(access), "token_type": "Bearer", "expires_in": .integer(behaviour.tokenLifetime),
            "scope": .string(scope), "instance_url": "https://example.my.salesforce.com",
        ]
        box.state.withLock { state in
            state.accessTokens[access] = .now + .seconds(behaviour.tokenLifetime)
            if refresh == nil || behaviour.rotatesRefreshTokens {
                if let refresh { state.refreshTokens.remove(refresh) }
                let next = "refresh-\(UUID().uuidString)"
                state.refreshTokens.insert(next)
                answer["refresh_token"] = .string(next)
            }
        }
        return .object(answer)
    }

    private static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }
}
