import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// The web console over HTTP: sessions and their cookies, CSRF, tenant isolation, key roles,
/// and pages that answer bad ids without a server error.
@Suite struct ConsoleTests {
    @Test func theRootAndEveryPageSendABrowserWithoutASessionToSignIn() async throws {
        try await withJunction { junction in
            let root = try await junction.request(.get, "/", key: nil)
            #expect(root.status == .seeOther)
            #expect(root.headers[.location] == "/console")
            let page = try await junction.request(.get, "/console/connectors?type=http", key: nil)
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/console/sign-in?next=%2Fconsole%2Fconnectors%3Ftype%3Dhttp")
            // The API still answers JSON 401s, never a redirect.
            let api = try await junction.request(.get, "/api/v1/connectors", key: nil)
            #expect(api.status == .unauthorized)
            let signIn = try await junction.request(.get, "/console/sign-in", key: nil)
            #expect(signIn.status == .ok)
            #expect(signIn.headers[.contentType] == "text/html; charset=utf-8")
            let policy = signIn.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(signIn.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
    }

    @Test func signingInSetsAnHttpOnlyStrictSessionCookieAndSigningOutEndsIt() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            // The cookie is HttpOnly, SameSite=Strict, for the whole site, and carries no key.
            let page = try await junction.request(.get, "/console/sign-in", key: nil)
            let token = try #require(ConsoleClient.csrfToken(in: page.text))
            let signInCookie = try #require(ConsoleClient.cookieValue(page.headers, name: "junction_sign_in"))
            let answer = try await junction.request(
                .post, "/console/sign-in", key: nil, raw: "csrf=\(token)&api_key=\(tenant.key)",
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "junction_sign_in=\(signInCookie)"])
            let line = try #require(ConsoleClient.setCookie(answer.headers, name: "junction_session"))
            #expect(line.contains("HttpOnly") && line.contains("SameSite=Strict") && line.contains("Path=/") && line.contains("Max-Age=43200"))
            #expect(!line.contains("Secure"), "plain http: a Secure cookie would not come back")
            #expect(!line.contains(tenant.key) && !line.contains(String(tenant.key.suffix(20))))
            // Over HTTPS (behind a proxy) it is Secure too.
            let proxied = try await junction.request(
                .post, "/console/sign-in", key: nil, raw: "csrf=\(token)&api_key=\(tenant.key)",
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "junction_sign_in=\(signInCookie)",
                          HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(ConsoleClient.setCookie(proxied.headers, name: "junction_session")?.contains("Secure") == true)

            let overview = try await console.get("/console")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Overview of acme"))
            let out = try await console.post("/console/sign-out", [])
            #expect(out.status == .seeOther)
            #expect(ConsoleClient.setCookie(out.headers, name: "junction_session")?.contains("Max-Age=0") == true)
            // The old cookie is worthless afterwards.
            let after = try await console.get("/console")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location]?.hasPrefix("/console/sign-in") == true)
            let audit = try await junction.request(.get, "/api/v1/audit?action=console.sign_in,console.sign_out", key: tenant.key)
            #expect(Set(audit.json["events"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []) == ["console.sign_in", "console.sign_out"])
        }
    }

    @Test func aWrongKeyOrAFormWithoutItsCookieDoesNotSignIn() async throws {
        try await withJunction { junction in
            let page = try await junction.request(.get, "/console/sign-in", key: nil)
            let token = try #require(ConsoleClient.csrfToken(in: page.text))
            let signInCookie = try #require(ConsoleClient.cookieValue(page.headers, name: "junction_sign_in"))
            let wrong = try await junction.request(
                .post, "/console/sign-in", key: nil, raw: "csrf=\(token)&api_key=jk_00000000000000000000000000000000_nope",
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "junction_sign_in=\(signInCookie)"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("That API key is not valid."))
            #expect(ConsoleClient.setCookie(wrong.headers, name: "junction_session") == nil)
            // Login CSRF: a form posted from elsewhere has no matching cookie.
            let forged = try await junction.request(
                .post, "/console/sign-in", key: nil, raw: "csrf=\(token)&api_key=\(junction.adminKey)",
                headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(forged.status == .forbidden)
            #expect(ConsoleClient.setCookie(forged.headers, name: "junction_session") == nil)
            // Nor does the next parameter lead anywhere but the console.
            let away = try await junction.request(
                .post, "/console/sign-in", key: nil, raw: "csrf=\(token)&api_key=\(junction.adminKey)&next=%2F%2Fevil.example%2F",
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "junction_sign_in=\(signInCookie)"])
            #expect(away.headers[.location] == "/console")
        }
    }

    @Test func everyFormNeedsItsSessionsCSRFTokenAndOurOrigin() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            let credential: [(String, String)] = [("name", "crm-key"), ("kind", "bearer"), ("bearer.token", "sk_live_console_0123456789")]
            let missing = try await console.post("/console/credentials/new", credential, csrf: "")
            #expect(missing.status == .forbidden)
            let wrong = try await console.post("/console/credentials/new", credential, csrf: "not-the-token")
            #expect(wrong.status == .forbidden)
            let foreign = try await console.post(
                "/console/credentials/new", credential, headers: [.origin: "https://evil.example"])
            #expect(foreign.status == .forbidden)
            // Another session's token is not this session's.
            let other = try await ConsoleClient.signIn(junction, key: tenant.key)
            #expect(other.csrf != console.csrf)
            #expect(try await console.post("/console/credentials/new", credential, csrf: other.csrf).status == .forbidden)
            var listed = try await junction.request(.get, "/api/v1/credentials", key: tenant.key)
            #expect(listed.json["credentials"]?.arrayValue?.isEmpty == true, "a refused form changes nothing")

            // The harness sends no Host, so the server knows itself as localhost.
            let stored = try await console.post("/console/credentials/new", credential, headers: [.origin: "http://localhost"])
            #expect(stored.status == .seeOther)
            listed = try await junction.request(.get, "/api/v1/credentials", key: tenant.key)
            #expect(listed.json["credentials"]?[0]?["token"] == "••••6789")
            let page = try await console.get("/console/credentials")
            #expect(page.text.contains("••••6789") && !page.text.contains("sk_live_console"))
        }
    }

    @Test func aTenantsSessionSeesNothingOfAnotherTenant() async throws {
        try await withJunction { junction in
            let acme = try await junction.createTenant("acme")
            let globex = try await junction.createTenant("globex")
            try await junction.request(.post, "/api/v1/connectors", key: globex.key, json: [
                "connector_name": "secret-crm", "connector_type": "http", "connection_url": "http://127.0.0.1:9",
            ])
            try await junction.request(.post, "/api/v1/agents", key: globex.key, json: [
                "name": "globex-agent", "type": "workflow",
                "steps": [["id": "a", "connector": "secret-crm", "resource": "x"]],
            ])
            try await junction.request(.post, "/api/v1/invoke", key: globex.key, json: ["connector": "secret-crm", "resource": "x"])
            let console = try await ConsoleClient.signIn(junction, key: acme.key)
            for path in ["/console/connectors/secret-crm", "/console/connectors/secret-crm/edit", "/console/connectors/secret-crm/delete",
                         "/console/agents/globex-agent", "/console/tenants/\(globex.id)", "/console/tools/secret-crm/x"] {
                let page = try await console.get(path)
                #expect(page.status != .ok, "\(path)")
                #expect(page.status.code < 500, "\(path)")
                #expect(!page.text.contains("127.0.0.1:9"), "\(path)")
            }
            for path in ["/console", "/console/connectors", "/console/agents", "/console/runs", "/console/audit", "/console/tools"] {
                let page = try await console.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains("secret-crm") && !page.text.contains("globex-agent"), "\(path)")
            }
            // Acting on the other tenant's connector through a form changes nothing.
            let deleted = try await console.post("/console/connectors/secret-crm/delete", [("force", "true")])
            #expect(deleted.status == .notFound)
            #expect(try await junction.request(.get, "/api/v1/connectors/secret-crm", key: globex.key).status == .ok)
            // A tenant key has no tenants page.
            #expect(try await console.get("/console/tenants").status == .forbidden)
        }
    }

    @Test func aCatalogTemplateShowsWhereItWasCheckedAndWhatItAccepts() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            let linear = try await console.get("/console/templates/linear")
            #expect(linear.status == .ok)
            #expect(linear.text.contains("href=\"https://linear.app/"), "the template's documentation is linked")
            #expect(linear.text.contains("(or api_key)"))
            #expect(linear.text.contains("<code>IssueCreate</code>") || linear.text.contains("<code>query</code>"))
            let servicenow = try await console.get("/console/templates/servicenow")
            #expect(servicenow.text.contains("your own, e.g. https://{instance}.service-now.com"))
        }
    }

    @Test func pagesAnswerBadIdsWithoutAServerError() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            let bad = ["nope", "NOT-A-SLUG", "%2e%2e", "a%00b", String(repeating: "x", count: 300), "%E2%98%83", "run_00000000000000000000000000000000"]
            let patterns = [
                "/console/connectors/ID", "/console/connectors/ID/edit", "/console/connectors/ID/delete", "/console/credentials/ID/rotate",
                "/console/agents/ID", "/console/runs/ID", "/console/approvals/ID", "/console/templates/ID", "/console/tools/ID/ID",
                "/console/tenants/ID", "/console/connectors/new?type=ID", "/console/connectors/new?template=ID", "/console/runs?status=ID",
                "/console/runs?since=ID", "/console/audit?since=ID&before=ID", "/console/deliveries?status=ID", "/console/approvals?status=ID",
                "/console/assets/ID",
            ]
            for pattern in patterns {
                for id in bad {
                    let page = try await console.get(pattern.replacingOccurrences(of: "ID", with: id))
                    #expect(page.status.code < 500, "\(pattern) with \(id.prefix(20)) answered \(page.status.code)")
                    #expect(page.status != .ok || pattern.contains("?"), "\(pattern) with \(id.prefix(20))")
                }
            }
            for pattern in ["/console/connectors/ID/test", "/console/connectors/ID/delete", "/console/agents/ID/runs", "/console/approvals/ID/decide",
                            "/console/deliveries/ID/redrive", "/console/credentials/ID/rotate", "/console/keys/ID/delete",
                            "/console/credentials/ID/connect", "/console/oauth-apps/ID/delete"] {
                for id in bad.prefix(3) {
                    let answer = try await console.post(pattern.replacingOccurrences(of: "ID", with: id), [("decision", "approve"), ("input", "{}")])
                    #expect(answer.status.code < 500, "POST \(pattern) with \(id) answered \(answer.status.code)")
                }
            }
        }
    }

    @Test func aKeysRoleDecidesWhatItsSessionShowsAndDoes() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "bot", "role": "invoke"])
            let invokeKey = try #require(created.json["api_key"]?.stringValue)
            let console = try await ConsoleClient.signIn(junction, key: invokeKey)
            let overview = try await console.get("/console")
            #expect(overview.status == .seeOther && overview.headers[.location] == "/console/tools")
            let tools = try await console.get("/console/tools")
            #expect(tools.status == .ok)
            #expect(!tools.text.contains("href=\"/console/connectors\""), "no link to a section its role cannot read")
            let connectors = try await console.get("/console/connectors")
            #expect(connectors.status == .forbidden)
            #expect(connectors.text.contains("needs operator"))
            let made = try await console.post("/console/connectors/new?type=webhook", [("connector_name", "hook"), ("mode", "inbound")])
            #expect(made.status == .forbidden)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: tenant.key).json["connectors"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aSessionEndsWhenItsKeyIsDeletedOrItIdles() async throws {
        try await withJunction(configure: { $0.console.sessionIdleTimeout = .seconds(1) }) { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "temp", "role": "operator"])
            let key = try #require(created.json["api_key"]?.stringValue)
            let console = try await ConsoleClient.signIn(junction, key: key)
            #expect(try await console.get("/console/connectors").status == .ok)
            try await junction.request(.delete, "/api/v1/keys/\(created.json["id"]?.stringValue ?? "")", key: tenant.key)
            #expect(try await console.get("/console/connectors").status == .seeOther)

            let idle = try await ConsoleClient.signIn(junction, key: tenant.key)
            #expect(try await idle.get("/console/connectors").status == .ok)
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await idle.get("/console/connectors").status == .seeOther)
        }
    }

    @Test func thePlatformKeyChoosesATenantBeforeReadingOne() async throws {
        try await withJunction { junction in
            let acme = try await junction.createTenant("acme")
            try await junction.request(.post, "/api/v1/connectors?tenant=acme", key: junction.adminKey, json: [
                "connector_name": "crm", "connector_type": "http", "connection_url": "http://127.0.0.1:9",
            ])
            let console = try await ConsoleClient.signIn(junction, key: junction.adminKey)
            let unchosen = try await console.get("/console/connectors")
            #expect(unchosen.status == .ok)
            #expect(unchosen.text.contains("Choose the tenant") && !unchosen.text.contains("crm"))
            let tenants = try await console.get("/console/tenants")
            #expect(tenants.text.contains("acme"))
            #expect(try await console.post("/console/tenant", [("tenant", acme.id)]).status == .seeOther)
            let chosen = try await console.get("/console/connectors")
            #expect(chosen.text.contains("/console/connectors/crm"))
            // A tenant made from the console shows its first key once.
            let made = try await console.post("/console/tenants", [("name", "globex")])
            #expect(made.status == .ok)
            let key = try #require(made.text.range(of: #"jk_[0-9a-f]{32}_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(made.text[$0]) })
            #expect(try await junction.request(.get, "/api/v1/connectors", key: key).status == .ok)
            #expect(!(try await console.get("/console/tenants")).text.contains(key))
        }
    }

    @Test func anAgentSavedUnchangedFromTheEditorKeepsItsDefinition() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let definition: JSONValue = [
                "version": "1.0", "name": "triage", "type": "workflow", "description": "Sorts: tickets, by priority",
                "steps": [["id": "look", "connector": "crm", "resource": "get", "data": ["id": "{{input.id}}", "flag": "true", "n": "007"]]],
            ]
            #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: definition).status == .created)
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            let page = try await console.get("/console/agents/triage")
            let start = try #require(page.text.range(of: #"name="definition" rows="22" spellcheck="false" aria-describedby="definition-hint">"#))
            let end = try #require(page.text.range(of: "</textarea>", range: start.upperBound..<page.text.endIndex))
            let yaml = String(page.text[start.upperBound..<end.lowerBound])
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
            #expect(yaml.hasPrefix("version: \"1.0\"\nname: triage\ntype: workflow"))
            let saved = try await console.post("/console/agents/triage", [("definition", yaml)])
            #expect(saved.status == .seeOther)
            let stored = try await junction.request(.get, "/api/v1/agents/triage", key: tenant.key)
            #expect(stored.json["definition"] == definition)
        }
    }

    @Test func aCredentialIsRotatedInPlaceThroughTheAPIAndTheConsole() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: ["name": "k", "kind": "bearer", "token": "old-token-000000001111"])
            let rotated = try await junction.request(.post, "/api/v1/credentials/k/rotate", key: tenant.key, json: ["token": "new-token-000000002222"])
            #expect(rotated.status == .ok)
            #expect(rotated.json["token"] == "••••2222")
            let otherKind = try await junction.request(.post, "/api/v1/credentials/k/rotate", key: tenant.key, json: ["kind": "basic", "username": "a", "password": "b"])
            #expect(otherKind.status == .badRequest && otherKind.errorField == "kind")
            #expect(try await junction.request(.post, "/api/v1/credentials/none/rotate", key: tenant.key, json: ["token": "x"]).status == .notFound)
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            #expect(try await console.post("/console/credentials/k/rotate", [("bearer.token", "console-token-000003333")]).status == .seeOther)
            #expect(try await junction.request(.get, "/api/v1/credentials/k", key: tenant.key).json["token"] == "••••3333")
            let audit = try await junction.request(.get, "/api/v1/audit?action=credential.rotate", key: tenant.key)
            #expect(audit.json["events"]?.arrayValue?.count == 2)
        }
    }

    @Test func aConnectorIsMadeFromATemplateThroughItsForm() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let console = try await ConsoleClient.signIn(junction, key: tenant.key)
            let form = try await console.get("/console/connectors/new?template=hubspot")
            #expect(form.status == .ok && form.text.contains("Leave blank to use the template"))
            let made = try await console.post("/console/connectors/new?template=hubspot", [("connector_name", "crm")])
            #expect(made.status == .seeOther)
            let stored = try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key)
            #expect(stored.json["template"] == "hubspot")
            #expect(stored.json["connector_type"] == "http")
            #expect(try await console.get("/console/connectors/new?template=no-such").status == .notFound)
        }
    }
}
