import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionTesting
import Testing

/// Junction as an OAuth client: apps, the connect flow against a real (local) authorization
/// server, refresh before expiry and after a 401, a rotating refresh token raced by many
/// callers, and revocation leading to `needs_reauth`.
@Suite struct OAuthConnectTests {
    /// Creates the app, an `oauth2` credential and an http connector to the provider's `/api`.
    static func setUp(_ junction: JunctionHarness, provider: OAuthProviderServer, key: String, method: String = "client_secret_basic", notify: [String] = []) async throws {
        let app = try await junction.request(.post, "/api/v1/oauth/apps", key: key, json: [
            "name": "crm-app", "client_id": .string(OAuthProviderServer.client.id), "client_secret": .string(OAuthProviderServer.client.secret),
            "authorize_url": .string(provider.url + "/authorize"), "token_url": .string(provider.url + "/token"),
            "scopes": ["read", "write"], "token_auth_method": .string(method), "authorize_params": ["access_type": "offline"],
            "notify": .array(notify.map(JSONValue.string)),
        ])
        #expect(app.status == .created, "\(app.text)")
        #expect(!app.text.contains(OAuthProviderServer.client.secret))
        let credential = try await junction.request(.post, "/api/v1/credentials", key: key, json: ["name": "ana", "kind": "oauth2", "app": "crm-app"])
        #expect(credential.status == .created, "\(credential.text)")
        #expect(credential.json["status"] == "pending")
        let connector = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
            "connector_name": "crm", "connector_type": "http", "connection_url": .string(provider.url + "/api"), "credential": "ana",
            "max_retries": 0,
            "options": ["resources": [["slug": "me", "path": "/me"]]],
        ])
        #expect(connector.status == .created, "\(connector.text)")
    }

    /// Connects credential `ana` through the provider, as a user's browser would.
    static func connect(_ junction: JunctionHarness, key: String) async throws -> JunctionHarness.Answer {
        let begun = try await junction.request(
            .post, "/api/v1/credentials/ana/connect", key: key,
            headers: [HTTPField.Name("X-Forwarded-Host")!: "127.0.0.1:\(junction.port ?? 0)"])
        #expect(begun.status == .ok, "\(begun.text)")
        let url = try #require(begun.json["authorization_url"]?.stringValue)
        let page = try await OAuthProviderServer.authorize(url)
        #expect(page.status == 200, "\(page.page)")
        #expect(page.page.contains("Connected"))
        return begun
    }

    static func me(_ junction: JunctionHarness, key: String) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key, json: ["connector": "crm", "resource": "me", "data": [:]])
    }

    @Test func connectingAnswersAnAuthorizationURLWithStateAndPKCEAndTheCallbackStoresTokens() async throws {
        try await OAuthProviderServer.with { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key)
                // Not connected yet: calls say how to connect.
                let early = try await Self.me(junction, key: tenant.key)
                #expect(early.json["error"]?["code"] == "authentication_failed")
                #expect(early.json["error"]?["message"]?.stringValue?.contains("/api/v1/credentials/ana/connect") == true)

                let begun = try await Self.connect(junction, key: tenant.key)
                let sent = provider.lastAuthorization
                #expect(sent["state"] == begun.json["state"]?.stringValue)
                #expect(sent["code_challenge_method"] == "S256")
                #expect(sent["code_challenge"]?.count == 43)
                #expect(sent["scope"] == "read write")
                #expect(sent["access_type"] == "offline")
                #expect(sent["redirect_uri"] == "http://127.0.0.1:\(junction.port ?? 0)/oauth/callback")
                #expect(provider.lastTokenForm["code_verifier"]?.count == 43)

                let call = try await Self.me(junction, key: tenant.key)
                #expect(call.json["success"] == true, "\(call.text)")
                #expect(call.json["data"]?["name"] == "Ana")

                let shown = try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key)
                #expect(shown.json["status"] == "connected")
                #expect(shown.json["scope"] == "read write")
                #expect(shown.json["expires_at"]?.stringValue != nil)
                #expect(!shown.text.contains("access-") && !shown.text.contains("refresh-"))

                // The state is single-use: replaying the callback shows a failure and changes nothing.
                let replay = try await junction.request(.get, "/oauth/callback?state=\(begun.json["state"]?.stringValue ?? "")&code=x", key: nil)
                #expect(replay.status == .badRequest)
                #expect(replay.text.contains("expired or was already used"))
                #expect(try await Self.me(junction, key: tenant.key).json["success"] == true)

                // Tokens are sealed in the database (its file and its write-ahead log).
                var files = 0
                for file in ["junction.sqlite", "junction.sqlite-wal"] {
                    guard let bytes = try? Data(contentsOf: junction.dataDirectory.appendingPathComponent(file)) else { continue }
                    files += 1
                    #expect(bytes.range(of: Data("access-".utf8)) == nil, "\(file)")
                    #expect(bytes.range(of: Data("refresh-".utf8)) == nil, "\(file)")
                    #expect(bytes.range(of: Data(OAuthProviderServer.client.secret.utf8)) == nil, "\(file)")
                }
                #expect(files > 0)

                // A token the upstream echoes back is not shown to the caller.
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: [
                    "options": ["resources": [["slug": "me", "path": "/me"], ["slug": "echo", "path": "/me", "query": ["echo": "1"]]]],
                ])
                let echoed = try await junction.request(.post, "/api/v1/invoke", key: tenant.key, json: ["connector": "crm", "resource": "echo", "data": [:]])
                #expect(echoed.json["data"]?["authorization"] == "Bearer [redacted]", "\(echoed.text)")

                let audit = try await junction.request(.get, "/api/v1/audit?action=credential.connect", key: tenant.key)
                #expect(audit.json["events"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test func aProviderRefusalOnTheCallbackIsShownAndConnectsNothing() async throws {
        try await OAuthProviderServer.with { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key)
                let begun = try await junction.request(.post, "/api/v1/credentials/ana/connect", key: tenant.key)
                let state = try #require(begun.json["state"]?.stringValue)
                let denied = try await junction.request(
                    .get, "/oauth/callback?state=\(state)&error=access_denied&error_description=The%20user%20said%20no", key: nil)
                #expect(denied.status == .forbidden)
                #expect(denied.text.contains("access_denied") && denied.text.contains("The user said no"))
                #expect(try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key).json["status"] == "pending")
                let forged = try await junction.request(.get, "/oauth/callback?state=forged&code=abc", key: nil)
                #expect(forged.status == .badRequest)
                #expect(provider.count("code") == 0)
            }
        }
    }

    @Test func tokensAreRefreshedBeforeTheyExpireAndAfterA401() async throws {
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.tokenLifetime = 4  // a margin of half the lifetime: refreshed after two seconds
        behaviour.clientAuthentication = "client_secret_post"
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key, method: "client_secret_post")
                _ = try await Self.connect(junction, key: tenant.key)
                #expect(provider.lastTokenForm["client_secret"] == OAuthProviderServer.client.secret)
                #expect(try await Self.me(junction, key: tenant.key).json["success"] == true)
                try await Task.sleep(for: .milliseconds(2200))
                // Past the margin (half the 4 s lifetime), before expiry: refreshed before use, never refused.
                let early = provider.count("refresh")
                #expect(try await Self.me(junction, key: tenant.key).json["success"] == true)
                #expect(provider.count("refresh") > early || early > 0)
                #expect(provider.count("me-refused") == 0)

                // The upstream stops accepting the (unexpired) token: one 401, one refresh, success.
                provider.update { $0.tokenLifetime = 3600 }
                try await Task.sleep(for: .milliseconds(2200))
                _ = try await Self.me(junction, key: tenant.key)
                let refreshes = provider.count("refresh")
                provider.expireAccessTokens()
                let after = try await Self.me(junction, key: tenant.key)
                #expect(after.json["success"] == true, "\(after.text)")
                #expect(provider.count("refresh") == refreshes + 1)
            }
        }
    }

    @Test func twentyConcurrentCallsRefreshARotatingTokenExactlyOnce() async throws {
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.tokenDelay = .milliseconds(200)
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key)
                _ = try await Self.connect(junction, key: tenant.key)
                provider.expireAccessTokens()
                let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await Self.me(junction, key: tenant.key).json["success"] == true }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(successes == 20)
                #expect(provider.count("refresh") == 1)
                #expect(provider.count("refused") == 0)
                // The rotated refresh token was stored: the next refresh works.
                provider.expireAccessTokens()
                #expect(try await Self.me(junction, key: tenant.key).json["success"] == true)
                #expect(provider.count("refresh") == 2)
                #expect(provider.count("refused") == 0)
            }
        }
    }

    @Test func aRevokedGrantMarksTheCredentialNeedsReauthEverywhere() async throws {
        try await OAuthProviderServer.with { provider in
            try await UpstreamServer.with { hooks in
                try await withJunction { junction in
                    let tenant = try await junction.createTenant("acme")
                    let outbound = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                        "connector_name": "ops", "connector_type": "webhook", "mode": "outbound", "connection_url": .string(hooks.url + "/echo/ops"),
                    ])
                    #expect(outbound.status == .created, "\(outbound.text)")
                    try await Self.setUp(junction, provider: provider, key: tenant.key, notify: ["ops"])
                    _ = try await Self.connect(junction, key: tenant.key)
                    provider.revokeAll()
                    let failed = try await Self.me(junction, key: tenant.key)
                    #expect(failed.json["error"]?["code"] == "authentication_failed")
                    let message = failed.json["error"]?["message"]?.stringValue ?? ""
                    #expect(message.contains("needs re-authorization") && message.contains("invalid_grant"), "\(message)")
                    let refreshes = provider.count("refresh") + provider.count("refused")
                    // Later calls do not ask the provider again.
                    #expect(try await Self.me(junction, key: tenant.key).json["error"]?["code"] == "authentication_failed")
                    #expect(provider.count("refresh") + provider.count("refused") == refreshes)

                    let shown = try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key)
                    #expect(shown.json["status"] == "needs_reauth")
                    #expect(shown.json["last_error"]?.stringValue?.contains("invalid_grant") == true)
                    let health = try await junction.request(.post, "/api/v1/connectors/crm/test", key: tenant.key)
                    #expect(health.json["health_status"] == "unhealthy")
                    #expect(health.json["last_error"]?.stringValue?.contains("re-authorization") == true)
                    let audit = try await junction.request(.get, "/api/v1/audit?action=credential.needs_reauth", key: tenant.key)
                    #expect(audit.json["events"]?.arrayValue?.count == 1)
                    // The outbound connector hears of it.
                    var told = false
                    for _ in 0..<100 where !told {
                        told = hooks.lastEcho?["body"]?["event"] == "credential.needs_reauth"
                        if !told { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(told)
                    #expect(hooks.lastEcho?["body"]?["credential"]?["name"] == "ana")

                    // Connecting again heals it.
                    _ = try await Self.connect(junction, key: tenant.key)
                    #expect(try await Self.me(junction, key: tenant.key).json["success"] == true)
                    #expect(try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key).json["status"] == "connected")
                }
            }
        }
    }

    @Test func appsAreValidatedAndCannotBeDeletedWhileCredentialsUseThem() async throws {
        try await OAuthProviderServer.with { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let cases: [(JSONValue, String)] = [
                    (["name": "a", "client_secret": "s", "authorize_url": "https://x/a", "token_url": "https://x/t"], "client_id"),
                    (["name": "a", "client_id": "c", "client_secret": "s", "token_url": "https://x/t"], "authorize_url"),
                    (["name": "a", "client_id": "c", "client_secret": "s", "authorize_url": "ftp://x/a", "token_url": "https://x/t"], "authorize_url"),
                    (["name": "a", "client_id": "c", "authorize_url": "https://x/a", "token_url": "https://x/t"], "client_secret"),
                    (["name": "a", "client_id": "c", "client_secret": "s", "authorize_url": "https://x/a", "token_url": "https://x/t",
                      "token_auth_method": "jwt"], "token_auth_method"),
                    (["name": "a", "client_id": "c", "client_secret": "s", "authorize_url": "https://x/a", "token_url": "https://x/t",
                      "authorize_params": ["state": "mine"]], "authorize_params.state"),
                    (["template": "servicenow", "client_id": "c", "client_secret": "s"], "url_parameters"),
                    (["template": "telegram", "client_id": "c", "client_secret": "s"], "template"),
                    (["name": "a", "client_id": "c", "client_secret": "s", "authorize_url": "https://x/a", "token_url": "https://x/t", "colour": 1], "colour"),
                ]
                for (body, field) in cases {
                    let answer = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: body)
                    #expect(answer.status == .badRequest, "\(body)")
                    #expect(answer.errorField == field, "\(body): \(answer.text)")
                }
                let unknownApp = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: ["name": "x", "kind": "oauth2", "app": "nope"])
                #expect(unknownApp.errorField == "app")

                // From a template: its endpoints, with the instance filled in.
                let fromTemplate = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: [
                    "template": "servicenow", "client_id": "c", "client_secret": "s", "url_parameters": ["instance": "acme"],
                ])
                #expect(fromTemplate.status == .created, "\(fromTemplate.text)")
                #expect(fromTemplate.json["name"] == "servicenow")
                #expect(fromTemplate.json["authorize_url"] == "https://acme.service-now.com/oauth_auth.do")

                try await Self.setUp(junction, provider: provider, key: tenant.key)
                let blocked = try await junction.request(.delete, "/api/v1/oauth/apps/crm-app", key: tenant.key)
                #expect(blocked.status == .conflict)
                let other = try await junction.createTenant("globex")
                #expect(try await junction.request(.get, "/api/v1/oauth/apps/crm-app", key: other.key).status == .notFound)
                #expect(try await junction.request(.post, "/api/v1/credentials/ana/connect", key: other.key).status == .notFound)
                let updated = try await junction.request(.put, "/api/v1/oauth/apps/crm-app", key: tenant.key, json: ["scopes": ["read"]])
                #expect(updated.json["scopes"] == ["read"])
                #expect(updated.json["client_secret"]?.stringValue?.hasPrefix("••••") == true)
                // The hint handed back is not taken for the secret.
                let pasted = try await junction.request(.put, "/api/v1/oauth/apps/crm-app", key: tenant.key, json: ["client_secret": updated.json["client_secret"] ?? ""])
                #expect(pasted.errorField == "client_secret")
                // New url_parameters move a template's app to another instance.
                let moved = try await junction.request(.put, "/api/v1/oauth/apps/servicenow", key: tenant.key, json: ["url_parameters": ["instance": "globex"]])
                #expect(moved.json["token_url"] == "https://globex.service-now.com/oauth_token.do", "\(moved.text)")
            }
        }
    }

    @Test func aTemplatesAppAsksForItsScopesAndParametersAndTheConsoleConnects() async throws {
        // Gmail's template sends the client secret in the form, as Google documents it.
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.clientAuthentication = "client_secret_post"
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                // Gmail's endpoints replaced by the local provider's; scopes and quirks stay the template's.
                let app = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: [
                    "template": "gmail", "client_id": .string(OAuthProviderServer.client.id),
                    "client_secret": .string(OAuthProviderServer.client.secret),
                    "authorize_url": .string(provider.url + "/authorize"), "token_url": .string(provider.url + "/token"),
                ])
                #expect(app.status == .created, "\(app.text)")
                #expect(app.json["authorize_params"]?["access_type"] == "offline")
                #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "ana", "kind": "oauth2", "app": "gmail",
                ]).status == .created)

                let console = try await ConsoleClient.signIn(junction, key: tenant.key)
                let list = try await console.get("/console/credentials")
                #expect(list.text.contains("pending") && list.text.contains(">Connect<"), "\(list.text.prefix(2000))")
                let page = try await console.post(
                    "/console/credentials/ana/connect", [],
                    headers: [HTTPField.Name("X-Forwarded-Host")!: "127.0.0.1:\(junction.port ?? 0)"])
                #expect(page.status == .ok, "\(page.text.prefix(500))")
                let link = try #require(page.text.range(of: "href=\"" + provider.url + "/authorize?")
                    .map { String(page.text[$0.lowerBound...].dropFirst(6).prefix { $0 != "\"" }) })
                let connected = try await OAuthProviderServer.authorize(link.replacingOccurrences(of: "&amp;", with: "&"))
                #expect(connected.status == 200 && connected.page.contains("Connected"), "\(connected.status) \(connected.page) \(link)")
                let sent = provider.lastAuthorization
                #expect(sent["scope"]?.contains("https://www.googleapis.com/auth/gmail") == true, "\(sent)")
                #expect(sent["access_type"] == "offline")
                #expect(sent["prompt"] == "consent")
                #expect(try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key).json["status"] == "connected")
                #expect(try await console.get("/console/credentials").text.contains("connected"))
            }
        }
    }

    @Test func aRefusalInsideAn200IsARefusal() async throws {
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.errorsInOK = true
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key)
                _ = try await Self.connect(junction, key: tenant.key)
                provider.revokeAll()
                let failed = try await Self.me(junction, key: tenant.key)
                #expect(failed.json["error"]?["message"]?.stringValue?.contains("invalid_grant") == true, "\(failed.text)")
                #expect(provider.count("refused") == 1)
                #expect(try await junction.request(.get, "/api/v1/credentials/ana", key: tenant.key).json["status"] == "needs_reauth")
            }
        }
    }

    @Test func clientCredentialsSendTheSecretInTheFormWithTheProvidersParameters() async throws {
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.clientAuthentication = "client_secret_post"
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let credential = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "service", "kind": "oauth2_client_credentials", "token_url": .string(provider.url + "/token"),
                    "client_id": .string(OAuthProviderServer.client.id), "client_secret": .string(OAuthProviderServer.client.secret),
                    "token_auth_method": "client_secret_post",
                    "token_parameters": ["box_subject_type": "enterprise", "box_subject_id": "12345"],
                ])
                #expect(credential.status == .created, "\(credential.text)")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "crm", "connector_type": "http", "connection_url": .string(provider.url + "/api"), "credential": "service",
                    "options": ["resources": [["slug": "me", "path": "/me"]]],
                ]).status == .created)
                let call = try await Self.me(junction, key: tenant.key)
                #expect(call.json["success"] == true, "\(call.text)")
                let form = provider.lastTokenForm
                #expect(form["grant_type"] == "client_credentials")
                #expect(form["client_secret"] == OAuthProviderServer.client.secret)
                #expect(form["box_subject_type"] == "enterprise" && form["box_subject_id"] == "12345")
                #expect(provider.count("client") == 1)

                // The same credential with HTTP Basic is refused by this provider, saying so.
                #expect(try await junction.request(.post, "/api/v1/credentials/service/rotate", key: tenant.key, json: [
                    "token_url": .string(provider.url + "/token"), "client_id": .string(OAuthProviderServer.client.id),
                    "client_secret": .string(OAuthProviderServer.client.secret), "token_auth_method": "client_secret_basic",
                ]).status == .ok)
                let refused = try await Self.me(junction, key: tenant.key)
                #expect(refused.json["error"]?["code"] == "authentication_failed")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("invalid_client") == true, "\(refused.text)")
                #expect(!refused.text.contains(OAuthProviderServer.client.secret))
            }
        }
    }

    @Test func twoServersOnOneStoreSpendARotatingRefreshTokenOnce() async throws {
        var behaviour = OAuthProviderServer.Behaviour()
        behaviour.tokenDelay = .milliseconds(300)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-two-nodes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await OAuthProviderServer.with(behaviour) { provider in
            try await withJunction(dataDirectory: directory) { first in
                let tenant = try await first.createTenant("acme")
                try await Self.setUp(first, provider: provider, key: tenant.key)
                _ = try await Self.connect(first, key: tenant.key)
                try await withJunction(dataDirectory: directory) { second in
                    provider.expireAccessTokens()
                    let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for index in 0..<20 {
                            let node = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await Self.me(node, key: tenant.key).json["success"] == true }
                        }
                        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                    #expect(successes == 20)
                    #expect(provider.count("refresh") == 1, "one node claimed the refresh, the other waited for it")
                    #expect(provider.count("refused") == 0)
                    #expect(try await second.request(.get, "/api/v1/credentials/ana", key: tenant.key).json["status"] == "connected")
                }
            }
        }
    }

    @Test func movingACredentialToAnotherAppNeedsItConnectedAgain() async throws {
        try await OAuthProviderServer.with { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.setUp(junction, provider: provider, key: tenant.key)
                _ = try await Self.connect(junction, key: tenant.key)
                _ = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: [
                    "name": "other-app", "client_id": "other", "client_secret": "other-secret", "authorize_url": .string(provider.url + "/authorize"),
                    "token_url": .string(provider.url + "/token"),
                ])
                let moved = try await junction.request(.post, "/api/v1/credentials/ana/rotate", key: tenant.key, json: ["app": "other-app"])
                #expect(moved.status == .ok, "\(moved.text)")
                #expect(moved.json["status"] == "pending")
                provider.expireAccessTokens()
                let call = try await Self.me(junction, key: tenant.key)
                #expect(call.json["error"]?["message"]?.stringValue?.contains("not connected") == true, "\(call.text)")
                #expect(provider.count("refresh") == 0, "app crm-app's refresh token never goes to other-app")
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func theCommandLineRegistersAnAppAndConnectsACredential() async throws {
        try await OAuthProviderServer.with { provider in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let cli = { (arguments: [String], input: String?) in
                    try ServeProcessTests.cli(arguments, url: junction.baseURL, key: tenant.key, input: input)
                }
                let (created, createdOut, createdErr) = try cli([
                    "oauth-apps", "create", "crm-app", "--client-id", OAuthProviderServer.client.id, "--client-secret", "@-",
                    "--field", "authorize_url=\(provider.url)/authorize", "--field", "token_url=\(provider.url)/token", "--field", "pkce=true",
                    "--scope", "read", "--scope", "write",
                ], OAuthProviderServer.client.secret)
                #expect(created == 0, "\(createdErr)")
                #expect(createdOut.contains("crm-app") && !createdOut.contains(OAuthProviderServer.client.secret))
                let (listed, listedOut, _) = try cli(["oauth-apps", "list"], nil)
                #expect(listed == 0 && listedOut.contains("junction-test-app"))
                #expect(try cli(["credentials", "create", "ana", "--kind", "oauth2", "--field", "app=crm-app"], nil).0 == 0)
                let (connected, connectOut, connectErr) = try cli(["credentials", "connect", "ana"], nil)
                #expect(connected == 0, "\(connectErr)")
                let url = try #require(connectOut.split(separator: "\n").first { $0.hasPrefix(provider.url + "/authorize?") }.map(String.init))
                let page = try await OAuthProviderServer.authorize(url)
                #expect(page.page.contains("Connected"), "\(page.page)")
                #expect(provider.lastAuthorization["scope"] == "read write")
                let (_, credentials, _) = try cli(["credentials", "list"], nil)
                #expect(credentials.contains("connected"), "\(credentials)")
                let (updated, updatedOut, updatedErr) = try cli(["oauth-apps", "update", "crm-app", "--client-secret", "@-", "--json"], "rotated-secret-0000000001")
                #expect(updated == 0, "\(updatedErr)")
                #expect(updatedOut.contains("••••0001") && !updatedOut.contains("rotated-secret"))
                let (deleted, _, deleteErr) = try cli(["oauth-apps", "delete", "crm-app"], nil)
                #expect(deleted != 0 && deleteErr.contains("ana"), "an app in use is kept: \(deleteErr)")
            }
        }
    }

    @Test(.enabled(if: Corpus.directory != nil, "needs ../shared/corpus/openapi"))
    func anImportedDescriptionsAuthorizationCodeFlowMakesAnAppThatAsksOnlyForTheScopesNamed() async throws {
        let document = try String(contentsOf: try #require(Corpus.directory).appendingPathComponent("box.json"), encoding: .utf8)
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let imported = try await junction.request(.post, "/api/v1/templates/import?slug=box", key: tenant.key, raw: document)
            #expect(imported.json["auth"]?["kind"] == "oauth2", "\(imported.text.prefix(300))")
            #expect(imported.json["auth"]?["authorize_url"] == "https://account.box.com/api/oauth2/authorize")
            #expect((imported.json["auth"]?["available_scopes"]?.arrayValue?.count ?? 0) > 3)
            let app = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: [
                "template": "box", "client_id": "box-client", "client_secret": "box-secret-0000000000", "scopes": ["root_readwrite"],
            ])
            #expect(app.json["token_url"] == "https://api.box.com/oauth2/token", "\(app.text)")
            let bare = try await junction.request(.post, "/api/v1/oauth/apps", key: tenant.key, json: [
                "name": "box-default", "template": "box", "client_id": "box-client", "client_secret": "box-secret-0000000000",
            ])
            #expect(bare.json["scopes"] == [], "not every scope the API has")
            #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: ["name": "ana", "kind": "oauth2", "app": "box"]).status == .created)
            let begun = try await junction.request(.post, "/api/v1/credentials/ana/connect", key: tenant.key)
            let url = try #require(begun.json["authorization_url"]?.stringValue)
            #expect(url.hasPrefix("https://account.box.com/api/oauth2/authorize?response_type=code&client_id=box-client"))
            #expect(url.contains("scope=root_readwrite&"))
        }
    }
}
