import HTTPTypes
import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime

/// Signing in and out, choosing a platform key's tenant, the console's front door and assets.
struct SessionPages: Sendable {
    let gate: ConsoleGate

    func register(on routes: ConsoleRoutes) {
        let router = routes.router
        router.get("/", use: { _, _ in ConsolePage.redirect("/console") })
        router.get("console/assets/{file}", use: asset)
        router.get("console/sign-in", use: signInPage)
        router.post("console/sign-in", use: signIn)
        router.post("console/sign-out", use: signOut)
        routes.post("console/tenant", section: .overview) { caller, form in
            let chosen = form["tenant"].flatMap { id in caller.tenants.first(where: { $0.id == id })?.id }
            guard caller.principal.isPlatform else { return ConsolePage.redirect("/console") }
            _ = try await gate.sessions.choose(tenantID: chosen, in: caller.active)
            return ConsolePage.redirect(chosen == nil ? "/console/tenants" : "/console")
        }
    }

    @Sendable func asset(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        ConsoleAssets.response(path: request.uri.path) ?? ConsolePage.bare("Not found", status: .notFound, "<h1>Not found</h1>")
    }

    @Sendable func signInPage(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        if try await gate.caller(request, context: context) != nil {
            return ConsolePage.redirect(Self.next(request.uri.queryParameters["next"].map(String.init)))
        }
        return page(request, next: request.uri.queryParameters["next"].map(String.init))
    }

    @Sendable func signIn(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, with: gate.forms.limited(to: 16 << 10))
        // Login CSRF: the form must carry the value of the cookie set with it.
        guard let expected = request.cookies[ConsoleGate.signInCookie]?.value, gate.isGenuine(form, request: request, expected: expected) else {
            return page(request, next: form["next"], problem: "The sign-in form expired: try again.", status: .forbidden)
        }
        guard let key = form.trimmed("api_key") else {
            return page(request, next: form["next"], problem: "Enter an API key.", status: .badRequest)
        }
        guard let active = try await gate.sessions.begin(key: key, requestID: context.requestID) else {
            return page(request, next: form["next"], problem: "That API key is not valid.", status: .unauthorized)
        }
        var response = ConsolePage.redirect(Self.next(form["next"]))
        let maxAge = Int(active.session.endsAt.timeIntervalSince(active.session.createdAt))
        response.setCookie(gate.cookie(ConsoleGate.sessionCookie, value: active.token, maxAge: maxAge, request: request))
        response.setCookie(gate.cookie(ConsoleGate.signInCookie, value: "", maxAge: 0, request: request))
        return response
    }

    @Sendable func signOut(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        var response = ConsolePage.redirect("/console/sign-in")
        if let caller = try await gate.caller(request, context: context) {
            let form = try await ConsoleForm.read(request, with: gate.forms.limited(to: 16 << 10))
            guard gate.isGenuine(form, request: request, expected: caller.active.csrfToken) else {
                return ConsoleGate.page(for: JunctionError(.forbidden, "This form did not come from this console session."), caller: caller, section: .overview)
            }
            try await gate.sessions.end(caller.active, requestID: context.requestID)
        }
        response.setCookie(gate.cookie(ConsoleGate.sessionCookie, value: "", maxAge: 0, request: request))
        return response
    }

    private func page(_ request: Request, next: String?, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let token = RandomToken.make()
        let problemHTML: HTML = problem.map { "<div class=\"problem\" role=\"alert\">\($0)</div>" } ?? .empty
        var response = ConsolePage.bare("Sign in", status: status, """
            <main class="signin">
              <h1>Junction</h1>
              <p class="muted">Sign in with an API key: a tenant's key, or the platform admin key (in <code>admin.key</code> of the data directory).</p>
              \(problemHTML)
              <form method="post" action="/console/sign-in" class="stack">
                <input type="hidden" name="csrf" value="\(token)">
                <input type="hidden" name="next" value="\(Self.next(next))">
                \(ConsoleUI.field("API key", for: "api_key", hint: "jk_… — it stays on the server; the browser keeps only a session cookie.",
                    "<input type=\"password\" id=\"api_key\" name=\"api_key\" autocomplete=\"current-password\" required autofocus aria-describedby=\"api_key-hint\">"))
                <div><button type="submit" class="primary">Sign in</button></div>
              </form>
            </main>
            """)
        response.setCookie(gate.cookie(ConsoleGate.signInCookie, value: token, maxAge: 3600, request: request))
        return response
    }

    /// Where to go after signing in: a console path, never another site.
    static func next(_ text: String?) -> String {
        guard let text, text.hasPrefix("/console"), !text.hasPrefix("//"), !text.contains("\\"), !text.hasPrefix("/console/sign-") else {
            return "/console"
        }
        return text
    }
}
