import AsyncHTTPClient
import Crypto
import Foundation
import JunctionCore
import Logging
import NIOCore
import NIOHTTP1

/// One HTTP exchange with an upstream for any connector type that speaks HTTP (`http`,
/// `graphql`, `soap`): the address guard, default headers and query, authentication by
/// priority, the shared connection pools, deadlines, and one retry with a fresh OAuth2 token
/// when the upstream refuses the cached one.
struct HTTPTransport: Sendable {
    /// An upstream's answer.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer

        /// `Retry-After`, when given (seconds or an HTTP date).
        var retryAfter: Duration? {
            headers.first(name: "Retry-After").flatMap { HTTPTransport.retryAfter($0, now: Date()) }
        }
    }

    /// A request body: JSON, or bytes with their content type.
    enum Body: Sendable {
        case json(JSONValue)
        case bytes([UInt8], contentType: String)
    }

    let configuration: ConnectorConfiguration
    /// The connector's name, for messages.
    let name: String
    private let baseURL: String
    /// The connection URL as given, requested as it is when a resource adds no path (a SOAP
    /// endpoint ending in `/`).
    private let connectionURL: String
    private let host: String
    /// The host's address when the URL names it by IP (no look-up needed).
    private let literalAddress: [UInt8]?
    private let defaultHeaders: [(String, String)]
    private let defaultQuery: [(String, String)]
    private let clients: HTTPClients
    private let insecure: Bool
    private let tokens: OAuth2TokenCache?
    /// The cached token's key: the credential's id and a digest of its fields, so that a
    /// credential rotated (new secret, token URL or scopes) never reuses an old token.
    private let tokenKey: String
    private let accessTokens: (any AccessTokenSource)?
    private let addressGuard: AddressGuard

    private static let logger = Logger(label: "junction.http")

    /// The largest answer accepted; larger ones fail with `upstream_error`.
    static let maxResponseBytes = 16 << 20

    init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        guard let clients = context.services[HTTPClientsKey.self] else {
            throw JunctionError.internal("HTTP connectors need the shared HTTP clients.")
        }
        guard let url = configuration.connectionURL else {
            throw JunctionError.invalidInput("The connector has no connection_url.", field: "connection_url")
        }
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else {
            throw JunctionError.invalidInput("The connection_url has no host.", field: "connection_url")
        }
        self.configuration = configuration
        self.name = configuration.name.rawValue
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.connectionURL = url
        self.host = host
        self.literalAddress = IPAddressBytes.parse(host)
        let options = configuration.options
        self.defaultHeaders = Self.pairs(options["headers"])
        self.defaultQuery = Self.pairs(options["query"])
        let insecure = options["insecure_skip_verify"]?.boolValue == true
        if insecure {
            Self.logger.warning(
                "Connector skips TLS certificate verification",
                metadata: ["tenant.id": .string(configuration.tenantID), "connector.name": .string(configuration.name.rawValue)])
        }
        self.clients = clients
        self.insecure = insecure
        self.tokens = context.services[OAuth2TokenCacheKey.self]
        self.tokenKey = configuration.credential.map { credential in
            let digest = SHA256.hash(data: JSONValue.object(credential.fields).jsonBytes)
            return "\(configuration.tenantID):\(credential.id):\(HexDigits.lowercase(digest.prefix(8)))"
        } ?? ""
        self.accessTokens = context.services[AccessTokenSourceKey.self]
        self.addressGuard = context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
    }

    /// Throws the failure an answer refusing the credential (401, 403) or failing (5xx) means;
    /// any other answer shows the upstream is reachable.
    func checkReachable(_ answer: Answer) throws {
        if answer.status == 401 || answer.status == 403 || answer.status >= 500 {
            throw failure(answer, body: HTTPConnector.decode(answer.body, contentType: answer.headers.first(name: "Content-Type")))
        }
    }

    /// Sends one request to `path` under the connection URL. Transport failures throw mapped
    /// `JunctionError`s; any answer, whatever its status, is returned.
    func send(
        method: HTTPMethod, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: Body?, call: CallContext
    ) async throws -> Answer {
        var headers = defaultHeaders + headers
        var query = defaultQuery + query
        for (key, value) in call.headers { headers.append((key, value)) }
        let callHeaders = Set(call.headers.keys.map { $0.lowercased() })
        let credential = configuration.credential
        // The credential first: one that cannot authenticate (an oauth2 credential never
        // connected) says so before anything is looked up or sent.
        var token: String?
        if let credential {
            token = try await bearerToken(for: credential, key: tokenKey, call: call)
            HTTPAuthentication.apply(credential, bearerToken: token, headers: &headers, query: &query, callHeaders: callHeaders)
        }
        // The address checked is the one connected to (nil: the host is an IP address).
        let address: [UInt8]?
        if let literalAddress {
            try addressGuard.check(host: host, literal: literalAddress)
            address = nil
        } else {
            address = try await addressGuard.check(host: host)
        }
        var answer = try await perform(
            method: method, path: path, query: query, headers: headers, body: body, address: address, call: call)
        // An OAuth2 token the upstream refuses is replaced (fetched or refreshed), once.
        if answer.status == 401, let credential, let refused = token, !callHeaders.contains("authorization") {
            token = try await bearerToken(for: credential, key: tokenKey, call: call, replacing: refused)
            HTTPAuthentication.apply(credential, bearerToken: token, headers: &headers, query: &query, callHeaders: callHeaders)
            answer = try await perform(
                method: method, path: path, query: query, headers: headers, body: body, address: address, call: call)
        }
        // An access token the upstream echoes back is not shown (the credential's own secrets
        // are redacted by the invoke path; this token is not among them).
        if let token { answer.body = Self.redacting(token, in: answer.body) }
        return answer
    }

    /// The access token an OAuth2 credential sends (`nil` for other kinds); with `rejected`,
    /// one other than that token, which the upstream refused.
    private func bearerToken(
        for credential: ResolvedCredential, key: String, call: CallContext, replacing rejected: String? = nil
    ) async throws -> String? {
        switch credential.kind {
        case .oauth2ClientCredentials:
            guard let tokens else { throw JunctionError.internal("OAuth2 credentials need the token cache.") }
            if let rejected { await tokens.invalidate(key: key, token: rejected) }
            return try await tokens.token(
                for: credential, key: key, sender: HTTPSender(clients: clients, addressGuard: addressGuard), deadline: call.deadline)
        case .oauth2:
            guard let accessTokens else { throw JunctionError.internal("OAuth2 credentials need the token broker.") }
            let tenantID = configuration.tenantID
            if let rejected {
                return try await accessTokens.accessToken(tenantID: tenantID, credential: credential, replacing: rejected, deadline: call.deadline)
            }
            return try await accessTokens.accessToken(tenantID: tenantID, credential: credential, deadline: call.deadline)
        default:
            return nil
        }
    }

    private func perform(
        method: HTTPMethod, path: String, query: [(String, String)], headers: [(String, String)], body: Body?,
        address: [UInt8]?, call: CallContext
    ) async throws -> Answer {
        var url = path.isEmpty ? connectionURL : baseURL + (path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            url += (url.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + PercentEncoding.query(query)
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json, */*;q=0.5")
        request.headers.add(name: "User-Agent", value: "Junction")
        request.headers.add(name: "X-Request-Id", value: call.requestID)
        for (name, value) in headers {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        // The caller's key travels upstream so that a retried write is applied once.
        if let key = call.idempotencyKey, request.headers["Idempotency-Key"].isEmpty {
            request.headers.add(name: "Idempotency-Key", value: key)
        }
        // The caller's trace continues upstream.
        if let traceparent = call.traceparent, request.headers["traceparent"].isEmpty {
            request.headers.add(name: "traceparent", value: traceparent.description)
        }
        switch body {
        case .json(let value)?:
            if request.headers["Content-Type"].isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: value.jsonBytes))
        case .bytes(let bytes, let contentType)?:
            if request.headers["Content-Type"].isEmpty { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(bytes: bytes))
        case nil:
            break
        }
        let (clients, host, insecure, prepared, name) = (self.clients, self.host, self.insecure, request, self.name)
        do {
            // The deadline covers the whole answer: a body that trickles in is cut off with it.
            return try await withDeadline(call.deadline, lateError: { HTTPFailure.late(context: "connector '\(name)'") }) {
                try await clients.withClient(for: host, at: address, insecure: insecure) { client in
                    let response = try await client.execute(prepared, deadline: NIODeadline.from(call.deadline))
                    let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
                    return Answer(status: Int(response.status.code), headers: response.headers, body: bytes)
                }
            }
        } catch let error as JunctionError {
            throw error
        } catch is NIOTooManyBytesError {
            throw JunctionError(.upstreamError, "The answer of '\(name)' is larger than \(Self.maxResponseBytes) bytes.")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Repeating is safe for idempotent methods, and for any with an idempotency key.
            let safe = [.GET, .HEAD, .OPTIONS, .PUT, .DELETE].contains(method) || !request.headers["Idempotency-Key"].isEmpty
            throw HTTPFailure.map(error, context: "connector '\(name)'", safeToRepeat: safe)
        }
    }

    /// `body` with every occurrence of `secret` replaced by `[redacted]`.
    static func redacting(_ secret: String, in body: ByteBuffer) -> ByteBuffer {
        guard !secret.isEmpty, body.readableBytesView.firstRange(of: secret.utf8) != nil else { return body }
        return ByteBuffer(string: String(buffer: body).replacingOccurrences(of: secret, with: "[redacted]"))
    }

    /// Reads a `Retry-After` value: delay-seconds, or an HTTP date (IMF-fixdate) measured from
    /// `now` (a date in the past means "now").
    static func retryAfter(_ text: String, now: Date) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded())))
    }

    /// A failure for a non-2xx answer whose body decoded to `body`.
    func failure(_ answer: Answer, body: JSONValue) -> JunctionError {
        HTTPFailure.answer(status: answer.status, body: body, retryAfter: answer.retryAfter, context: "connector '\(name)'")
    }

    private static func pairs(_ value: JSONValue?) -> [(String, String)] {
        (value?.objectValue ?? [:]).compactMap { key, value in value.stringValue.map { (key, $0) } }.sorted { $0.0 < $1.0 }
    }
}
