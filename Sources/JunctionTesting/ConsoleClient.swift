import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer

/// A browser-like client of the web console over the harness: it signs in with an API key,
/// keeps the session cookie, and posts forms with the page's CSRF token.
public struct ConsoleClient: Sendable {
    public let harness: JunctionHarness
    /// The `Cookie` header sent with each request.
    public private(set) var cookie: String
    /// The session's CSRF token, read from the last page.
    public private(set) var csrf: String

    /// Signs in with `key`; `HarnessError` when the console refuses it.
    public static func signIn(_ harness: JunctionHarness, key: String) async throws -> ConsoleClient {
        let page = try await harness.request(.get, "/console/sign-in", key: nil)
        guard let signInCookie = cookieValue(page.headers, name: "junction_sign_in"), let token = csrfToken(in: page.text) else {
            throw HarnessError("The sign-in page set no sign-in cookie or CSRF field: \(page.text.prefix(500))")
        }
        let answer = try await harness.request(
            .post, "/console/sign-in", key: nil, raw: formEncoded([("csrf", token), ("api_key", key), ("next", "/console")]),
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "junction_sign_in=\(signInCookie)"])
        guard answer.status == .seeOther, let session = cookieValue(answer.headers, name: "junction_session") else {
            throw HarnessError("Signing in answered \(answer.status): \(answer.text.prefix(500))")
        }
        var client = ConsoleClient(harness: harness, cookie: "junction_session=\(session)", csrf: "")
        let first = try await client.get("/console/tools")
        client.csrf = csrfToken(in: first.text) ?? ""
        return client
    }

    /// `GET path` with the session cookie.
    public func get(_ path: String) async throws -> JunctionHarness.Answer {
        try await harness.request(.get, path, key: nil, headers: [.cookie: cookie])
    }

    /// `POST path` with `fields` and the CSRF token (unless `csrf` is given: `""` sends none).
    public func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil, headers: HTTPFields = [:]) async throws -> JunctionHarness.Answer {
        var all = headers
        all[.cookie] = cookie
        all[.contentType] = "application/x-www-form-urlencoded"
        let token = csrf ?? self.csrf
        return try await harness.request(.post, path, key: nil, raw: Self.formEncoded((token.isEmpty ? [] : [("csrf", token)]) + fields), headers: all)
    }

    /// The value of the cookie `name` a response sets.
    public static func cookieValue(_ headers: HTTPFields, name: String) -> String? {
        setCookie(headers, name: name)?.split(separator: ";").first.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The whole `Set-Cookie` line for `name`.
    public static func setCookie(_ headers: HTTPFields, name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    /// The value of the first `csrf` field in `html`.
    public static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return html[range.upperBound...].split(separator: "\"", maxSplits: 1).first.map(String.init)
    }

    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
