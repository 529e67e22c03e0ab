import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import Logging

/// What every console request passes: its session (or a trip to the sign-in page), for a form
/// its CSRF token and origin, and the rendering of whatever the API refused.
struct ConsoleGate: Sendable {
    let sessions: ConsoleSessions
    let api: ConsoleAPI
    /// Reads form bodies (`max_body_bytes`).
    let forms: JSONBodyReader
    let publicURL: String?

    static let sessionCookie = "junction_session"
    static let signInCookie = "junction_sign_in"

    /// The caller of a console page, or `nil` when no live session comes with the request.
    func caller(_ request: Request, context: JunctionRequestContext) async throws -> ConsoleCaller? {
        guard let token = request.cookies[Self.sessionCookie]?.value,
              let active = try await sessions.resume(token: Substring(token))
        else { return nil }
        var caller = ConsoleCaller(active: active, request: request, context: context)
        let listed = try await api.send(.get, "/api/v1/tenants", inTenant: false, as: caller)
        caller.tenants = (listed.json["tenants"]?.arrayValue ?? []).compactMap { tenant in
            guard let id = tenant["id"]?.stringValue, let name = tenant["name"]?.stringValue else { return nil }
            return (id, name)
        }
        return caller
    }

    /// Whether a form comes from one of our own pages: its `Origin` (when the browser sends one)
    /// is this server's, and its `csrf` field is `expected`.
    func isGenuine(_ form: ConsoleForm, request: Request, expected: String) -> Bool {
        guard isSameOrigin(request), let given = form["csrf"] else { return false }
        return APIKeys.constantTimeEquals(Array(given.utf8), Array(expected.utf8))
    }

    /// Whether the request's `Origin`, if any, is where this server is reached.
    func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        let ours = [PublicURL.base(of: request, configured: publicURL), PublicURL.base(of: request, configured: nil)]
        return ours.contains { $0.lowercased() == origin.lowercased() }
            || request.head.authority.map { origin.lowercased() == "http://\($0.lowercased())" || origin.lowercased() == "https://\($0.lowercased())" } == true
    }

    /// Whether cookies must be `Secure`: the server is reached over HTTPS.
    func usesHTTPS(_ request: Request) -> Bool {
        PublicURL.base(of: request, configured: publicURL).lowercased().hasPrefix("https://")
    }

    /// A cookie of the console's: HttpOnly, SameSite=Strict, Secure over HTTPS.
    func cookie(_ name: String, value: String, maxAge: Int, request: Request) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: usesHTTPS(request), httpOnly: true, sameSite: .strict)
    }

    /// The page for an error the API (or the console) answered.
    static func page(for error: any Error, caller: ConsoleCaller, section: ConsoleSection) -> Response {
        let problem: ConsoleAPI.Problem
        switch error {
        case let refused as ConsoleAPI.Problem: problem = refused
        case let error as JunctionError:
            problem = ConsoleAPI.Problem(
                status: error.code.httpStatus, code: error.code.description, message: error.message, field: error.field, details: error.details)
        default:
            let error = RequestMiddleware.junctionError(from: error)
            caller.context.logger.error("Console page failed", metadata: ["error": "\(error.cause ?? error)"])
            problem = ConsoleAPI.Problem(status: .internalServerError, code: "internal", message: "Something went wrong on our side.")
        }
        let title = switch problem.status.code {
        case 404: "Not found"
        case 403: "Not allowed"
        case 400: "Not accepted"
        default: "Something went wrong"
        }
        return ConsolePage.make(
            title, section: section, caller: caller, status: problem.status,
            "<h1>\(title)</h1>\(ConsoleUI.problem(problem))<p><a href=\"\(section.path)\">Back to \(section.title.lowercased())</a></p>")
    }
}

/// Registers console pages behind the gate: a `get` page needs a session (else the sign-in page,
/// coming back after), a `post` one also a genuine form; a refusal renders as a page.
struct ConsoleRoutes {
    let router: Router<JunctionRequestContext>
    let gate: ConsoleGate

    typealias Page = @Sendable (ConsoleCaller) async throws -> Response
    typealias FormPage = @Sendable (ConsoleCaller, ConsoleForm) async throws -> Response

    func get(_ path: RouterPath, section: ConsoleSection, _ page: @escaping Page) {
        let gate = gate
        router.get(path) { request, context in
            guard let caller = try await gate.caller(request, context: context) else {
                return ConsolePage.redirect(ConsoleUI.link("/console/sign-in", [("next", request.uri.description)]))
            }
            return await Self.guarded(caller, section: section) { try await page(caller) }
        }
    }

    func post(_ path: RouterPath, section: ConsoleSection, reader: JSONBodyReader? = nil, _ page: @escaping FormPage) {
        let gate = gate
        router.post(path) { request, context in
            guard let caller = try await gate.caller(request, context: context) else {
                return ConsolePage.redirect("/console/sign-in")
            }
            return await Self.guarded(caller, section: section) {
                let form = try await ConsoleForm.read(request, with: reader ?? gate.forms)
                guard gate.isGenuine(form, request: request, expected: caller.active.csrfToken) else {
                    throw JunctionError(.forbidden, "This form did not come from this console session: reload the page and try again.")
                }
                return try await page(caller, form)
            }
        }
    }

    private static func guarded(_ caller: ConsoleCaller, section: ConsoleSection, _ body: () async throws -> Response) async -> Response {
        if section.needsTenant, caller.tenantID == nil {
            return ConsolePage.make(section.title, section: section, caller: caller, """
                <h1>\(section.title)</h1>
                <p>Choose the tenant to work in with the switcher above, or manage <a href="/console/tenants">tenants and keys</a>.</p>
                """)
        }
        do {
            return try await body()
        } catch {
            return ConsoleGate.page(for: error, caller: caller, section: section)
        }
    }
}
