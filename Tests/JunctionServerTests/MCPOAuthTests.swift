import Crypto
import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Junction as the OAuth 2.1 authorization server of `/mcp`, completed by the official Python
/// SDK's OAuth client (discovery from the 401, dynamic registration, consent, PKCE, refresh
/// rotation) and checked on the wire for what the SDK never gets wrong.
struct MCPOAuthTests {
    @Test(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
    func theSDKsOAuthClientAuthorizesWithATenantKeyInBothEras() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                for mode in [MCPClientDriver.Mode.modern, .legacy] {
                    let client = try await MCPClientDriver.http(
                        url: junction.baseURL + "/mcp", mode: mode, oauthConsent: (tenant.key, nil))
                    try await client.use { client in
                        let oauth = client.initialized["oauth"]
                        #expect(oauth?["scope"] == "mcp", "\(client.initialized)")
                        #expect(oauth?["consent_status"] == 302)
                        #expect(oauth?["client_id"]?.stringValue?.hasPrefix("oac_") == true)
                        try await MCPServerTests.expectCRMServed(by: client)
                        let refreshed = try await client.send(["op": "oauth_refresh"])
                        #expect(refreshed["rotated"] == true, "\(refreshed)")
                        #expect(try await client.listTools().count == 4, "the new token works")
                    }
                }
                // The calls ran as the grant, in the tenant's audit log.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=100", key: tenant.key)
                let events = audit.json["events"]?.arrayValue ?? []
                let grants = events.filter { $0["action"] == "oauth.grant" }
                #expect(grants.count == 2)
                #expect(grants.allSatisfy { $0["actor"]?.stringValue == MCPServerTests.keyID(tenant.key) })
                let invokes = events.filter { $0["action"] == "connector.invoke" }
                #expect(invokes.count == 2)
                #expect(invokes.allSatisfy { $0["actor"]?.stringValue?.hasPrefix("oag_") == true })
            }
        }
    }

    static let redirect = "http://127.0.0.1:8976/callback"
    static let verifier = "a-verifier-long-enough-to-meet-the-minimum-of-forty-three-chars"
    /// BASE64URL(SHA-256(verifier)).
    static var challenge: String {
        RandomToken.base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func encode(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    static func query(of location: String?) -> [String: String] {
        Dictionary(
            (URLComponents(string: location ?? "")?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// Registers a client named `name`; its id.
    static func register(_ junction: JunctionHarness, name: String = "Wire client") async throws -> String {
        let registered = try await junction.request(.post, "/oauth/register", key: nil, json: [
            "client_name": .string(name), "redirect_uris": [.string(redirect)], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
        ])
        #expect(registered.status == .created, "\(registered.text)")
        return try #require(registered.json["client_id"]?.stringValue)
    }

    /// The issuer the server names for the harness's requests (which carry no host).
    static func issuer(_ junction: JunctionHarness) async throws -> String {
        try #require(try await junction.request(.get, "/.well-known/oauth-authorization-server", key: nil).json["issuer"]?.stringValue)
    }

    /// The authorization request's parameters.
    static func authorization(_ junction: JunctionHarness, client: String) async throws -> [String: String] {
        [
            "response_type": "code", "client_id": client, "redirect_uri": redirect, "state": "st-1",
            "code_challenge": challenge, "code_challenge_method": "S256", "resource": try await issuer(junction) + "/mcp", "scope": "mcp",
        ]
    }

    /// Consents with `key` (and `tenant`); the redirect's query.
    static func consent(_ junction: JunctionHarness, client: String, key: String, tenant: String? = nil) async throws -> [String: String] {
        var fields = try await authorization(junction, client: client)
        fields["api_key"] = key
        fields["decision"] = "allow"
        if let tenant { fields["tenant"] = tenant }
        let answer = try await junction.request(.post, "/oauth/authorize", key: nil, raw: encode(fields), headers: form)
        #expect(answer.status == .found, "\(answer.text)")
        return query(of: answer.headers[.location])
    }

    static func token(_ junction: JunctionHarness, _ fields: [String: String]) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/oauth/token", key: nil, raw: encode(fields), headers: form)
    }

    static func exchange(_ junction: JunctionHarness, client: String, code: String, verifier: String = verifier) async throws -> JunctionHarness.Answer {
        try await token(junction, [
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": client, "code_verifier": verifier,
            "resource": try await issuer(junction) + "/mcp",
        ])
    }

    static func listTools(_ junction: JunctionHarness, token: String, query: String = "") async throws -> JunctionHarness.Answer {
        let (message, headers) = MCPWireTests.modern("tools/list")
        return try await junction.request(.post, "/mcp" + query, key: token, json: message, headers: headers)
    }

    @Test func metadataAndTheChallengeLeadToTheAuthorizationServer() async throws {
        try await withJunction { junction in
            let base = try await Self.issuer(junction)
            let anonymous = try await junction.request(.post, "/mcp", key: nil, json: MCPWireTests.modern("tools/list").0)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == #"Bearer resource_metadata="\#(base)/.well-known/oauth-protected-resource/mcp""#)
            let wrong = try await junction.request(.post, "/mcp", key: "jat_notatoken", json: MCPWireTests.modern("tools/list").0)
            #expect(wrong.headers[.wwwAuthenticate]?.hasSuffix(#"error="invalid_token""#) == true)
            let api = try await junction.request(.get, "/api/v1/connectors", key: nil)
            #expect(api.headers[.wwwAuthenticate] == "Bearer", "the REST API names no OAuth metadata")

            for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
                let resource = try await junction.request(.get, path, key: nil)
                #expect(resource.json["resource"] == .string(base + "/mcp"))
                #expect(resource.json["authorization_servers"] == [.string(base)])
                #expect(resource.json["scopes_supported"] == ["mcp"])
            }
            let server = try await junction.request(.get, "/.well-known/oauth-authorization-server", key: nil)
            #expect(server.json["issuer"] == .string(base))
            #expect(server.json["authorization_endpoint"] == .string(base + "/oauth/authorize"))
            #expect(server.json["code_challenge_methods_supported"] == ["S256"])
            #expect(server.json["authorization_response_iss_parameter_supported"] == true)
            #expect(server.json["token_endpoint_auth_methods_supported"] == ["none"])
        }
    }

    @Test func registrationTakesOnlySafeRedirects() async throws {
        try await withJunction { junction in
            for uri in ["http://example.com/callback", "javascript:alert(1)", "https://example.com/cb#fragment", "not a uri"] {
                let refused = try await junction.request(.post, "/oauth/register", key: nil, json: ["redirect_uris": [.string(uri)]])
                #expect(refused.status == .badRequest, "\(uri)")
                #expect(refused.json["error"] == "invalid_redirect_uri", "\(uri): \(refused.text)")
            }
            let implicit = try await junction.request(.post, "/oauth/register", key: nil, json: [
                "redirect_uris": ["https://app.example.com/cb"], "response_types": ["token"],
            ])
            #expect(implicit.json["error"] == "invalid_client_metadata")
            for uri in ["https://app.example.com/cb", "http://localhost:3000/cb", "com.example.app:/oauth"] {
                let taken = try await junction.request(.post, "/oauth/register", key: nil, json: ["redirect_uris": [.string(uri)]])
                #expect(taken.status == .created, "\(uri): \(taken.text)")
                #expect(taken.json["token_endpoint_auth_method"] == "none")
                #expect(taken.json["client_name"] == "An MCP client")
            }
        }
    }

    @Test func theAuthorizationEndpointRefusesWhatItCannotTrust() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let client = try await Self.register(junction, name: #"<script>alert("x")</script>"#)
            func authorize(_ change: (inout [String: String]) -> Void) async throws -> JunctionHarness.Answer {
                var fields = try await Self.authorization(junction, client: client)
                change(&fields)
                return try await junction.request(.get, "/oauth/authorize?" + Self.encode(fields), key: nil)
            }
            let page = try await authorize { _ in }
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
            #expect(!page.text.contains("<script>"), "the client's name is escaped")
            #expect(page.text.contains(#"name="code_challenge" value="\#(Self.challenge)""#))

            // Nothing is sent to a redirect URI that is not the client's.
            for change in [{ (f: inout [String: String]) in f["client_id"] = "oac_unknown" }, { $0["redirect_uri"] = "https://evil.example.com/cb" }] {
                let shown = try await authorize(change)
                #expect(shown.status == .badRequest)
                #expect(shown.headers[.location] == nil)
            }
            // The rest is answered at the client's redirect URI, with state and iss.
            let cases: [(String, String, (inout [String: String]) -> Void)] = [
                ("invalid_request", "PKCE", { $0["code_challenge"] = nil }),
                ("invalid_request", "S256", { $0["code_challenge_method"] = "plain" }),
                ("unsupported_response_type", "code", { $0["response_type"] = "token" }),
                ("invalid_target", "resource", { $0["resource"] = "https://other.example.com/mcp" }),
            ]
            for (error, words, change) in cases {
                let answered = try await authorize(change)
                #expect(answered.status == .found)
                let query = Self.query(of: answered.headers[.location])
                #expect(answered.headers[.location]?.hasPrefix(Self.redirect + "?") == true)
                #expect(query["error"] == error, "\(query)")
                #expect(query["error_description"]?.contains(words) == true)
                #expect(query["state"] == "st-1")
                #expect(query["iss"] == .some(try await Self.issuer(junction)))
            }

            // The consent form's answer: a denial, a wrong key, a platform key naming no tenant.
            var denied = try await Self.authorization(junction, client: client)
            denied["decision"] = "deny"
            let refused = try await junction.request(.post, "/oauth/authorize", key: nil, raw: Self.encode(denied), headers: Self.form)
            #expect(Self.query(of: refused.headers[.location])["error"] == "access_denied")
            var wrongKey = try await Self.authorization(junction, client: client)
            wrongKey["decision"] = "allow"
            wrongKey["api_key"] = "jk_nokey_notasecret"
            let unauthorized = try await junction.request(.post, "/oauth/authorize", key: nil, raw: Self.encode(wrongKey), headers: Self.form)
            #expect(unauthorized.status == .unauthorized)
            #expect(unauthorized.text.contains("That API key is not valid."))
            #expect(!unauthorized.text.contains("notasecret"), "the key is not echoed")
            wrongKey["api_key"] = junction.adminKey
            let unnamed = try await junction.request(.post, "/oauth/authorize", key: nil, raw: Self.encode(wrongKey), headers: Self.form)
            #expect(unnamed.status == .badRequest)
            #expect(unnamed.text.contains("must name a tenant"))
            // A platform key names the tenant the grant is for.
            let platform = try await Self.consent(junction, client: client, key: junction.adminKey, tenant: "acme")
            let tokens = try await Self.exchange(junction, client: client, code: try #require(platform["code"]))
            let access = try #require(tokens.json["access_token"]?.stringValue)
            #expect(try await Self.listTools(junction, token: access).status == .ok)
            #expect(try await Self.listTools(junction, token: access, query: "?tenant=\(tenant.id)").status == .ok)
        }
    }

    @Test func codesAndRefreshTokensAreSingleUseAndBoundToTheirClient() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let other = try await junction.createTenant("globex")
            let client = try await Self.register(junction)
            let otherClient = try await Self.register(junction, name: "Another client")

            var code = try #require(try await Self.consent(junction, client: client, key: tenant.key)["code"])
            #expect(code.hasPrefix("jac_"))
            let wrongVerifier = try await Self.exchange(junction, client: client, code: code, verifier: String(repeating: "x", count: 50))
            #expect(wrongVerifier.status == .badRequest)
            #expect(wrongVerifier.json["error"] == "invalid_grant")
            #expect(try await Self.exchange(junction, client: client, code: code).json["error"] == "invalid_grant", "a code is spent by a failed try")

            code = try #require(try await Self.consent(junction, client: client, key: tenant.key)["code"])
            #expect(try await Self.exchange(junction, client: otherClient, code: code).json["error"] == "invalid_grant")
            code = try #require(try await Self.consent(junction, client: client, key: tenant.key)["code"])
            let issued = try await Self.exchange(junction, client: client, code: code)
            #expect(issued.status == .ok, "\(issued.text)")
            #expect(issued.headers[.cacheControl] == "no-store")
            #expect(issued.json["token_type"] == "Bearer")
            #expect(issued.json["expires_in"] == 3600)
            let access = try #require(issued.json["access_token"]?.stringValue)
            let refresh = try #require(issued.json["refresh_token"]?.stringValue)
            #expect(try await Self.listTools(junction, token: access).status == .ok)
            // A code presented again revokes what it issued.
            #expect(try await Self.exchange(junction, client: client, code: code).json["error"] == "invalid_grant")
            try await SlowClientTests.eventually { try await Self.listTools(junction, token: access).status == .unauthorized }

            code = try #require(try await Self.consent(junction, client: client, key: tenant.key)["code"])
            let fresh = try await Self.exchange(junction, client: client, code: code)
            let firstRefresh = try #require(fresh.json["refresh_token"]?.stringValue)
            #expect(firstRefresh != refresh)
            let rotated = try await Self.token(junction, ["grant_type": "refresh_token", "refresh_token": firstRefresh, "client_id": client])
            #expect(rotated.status == .ok, "\(rotated.text)")
            let secondAccess = try #require(rotated.json["access_token"]?.stringValue)
            #expect(try await Self.listTools(junction, token: secondAccess).status == .ok)
            // The token acts for its tenant only, at /mcp only.
            #expect(try await Self.listTools(junction, token: secondAccess, query: "?tenant=\(other.id)").status == .notFound)
            let api = try await junction.request(.get, "/api/v1/connectors", key: secondAccess)
            #expect(api.status == .unauthorized)
            #expect(api.json["error"]?["message"]?.stringValue?.contains("/mcp only") == true)
            // The spent refresh token, used again, ends the grant: its newest access token too.
            let reused = try await Self.token(junction, ["grant_type": "refresh_token", "refresh_token": firstRefresh, "client_id": client])
            #expect(reused.json["error"] == "invalid_grant")
            try await SlowClientTests.eventually { try await Self.listTools(junction, token: secondAccess).status == .unauthorized }

            let unsupported = try await Self.token(junction, ["grant_type": "password", "client_id": client])
            #expect(unsupported.json["error"] == "unsupported_grant_type")
            let twice = try await junction.request(
                .post, "/oauth/token", key: nil, raw: "grant_type=refresh_token&grant_type=authorization_code&client_id=\(client)", headers: Self.form)
            #expect(twice.json["error"] == "invalid_request")

            // Only digests are stored.
            var database = Data()
            for file in ["junction.sqlite", "junction.sqlite-wal"] {
                database += (try? Data(contentsOf: junction.dataDirectory.appendingPathComponent(file))) ?? Data()
            }
            for secret in [access, refresh, firstRefresh, secondAccess, code] {
                #expect(database.range(of: Data(secret.utf8)) == nil, "a token is in the database in plaintext")
            }
        }
    }

    @Test func aGrantEndsWithTheKeyThatConsented() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let made = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "consent"])
            let key = try #require(made.json["api_key"]?.stringValue)
            let keyID = try #require(made.json["id"]?.stringValue)
            let client = try await Self.register(junction)
            let code = try #require(try await Self.consent(junction, client: client, key: key)["code"])
            let access = try #require(try await Self.exchange(junction, client: client, code: code).json["access_token"]?.stringValue)
            #expect(try await Self.listTools(junction, token: access).status == .ok)
            #expect(try await junction.request(.delete, "/api/v1/keys/\(keyID)", key: tenant.key).status == .noContent)
            try await SlowClientTests.eventually { try await Self.listTools(junction, token: access).status == .unauthorized }
        }
    }

    /// A client identified by its metadata document (CIMD), as MCP recommends: Junction reads
    /// the HTTPS document (trusting the CA in `tls_ca_file`), checks it, and the SDK completes
    /// the flow with no registration. A document that names another client is refused.
    @Test(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
    func aClientIdentifiedByItsMetadataDocumentNeedsNoRegistration() async throws {
        try await UpstreamServer.with(tls: true) { documents in
            let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("junction-ca-\(UUID().uuidString).pem")
            try Data((documents.certificatePEM ?? "").utf8).write(to: caFile)
            defer { try? FileManager.default.removeItem(at: caFile) }
            let url = documents.url + "/documents/client.json"
            documents.serve([
                "client_id": .string(url), "client_name": "Documented client", "redirect_uris": [.string(Self.redirect)],
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"], "token_endpoint_auth_method": "none",
            ], as: "client.json")
            let impostor = documents.serve([
                "client_id": "https://elsewhere.example.com/client.json", "client_name": "Impostor", "redirect_uris": [.string(Self.redirect)],
            ], as: "impostor.json")
            try await UpstreamServer.with { upstream in
                try await withJunction(configure: { $0.runtime.tlsCAFile = caFile.path }) { junction in
                    let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                    let server = try await junction.request(.get, "/.well-known/oauth-authorization-server", key: nil)
                    #expect(server.json["client_id_metadata_document_supported"] == true)

                    let client = try await MCPClientDriver.http(
                        url: junction.baseURL + "/mcp", mode: .modern, oauthConsent: (tenant.key, nil), clientMetadataURL: url)
                    try await client.use { client in
                        #expect(client.initialized["oauth"]?["client_id"] == .string(url), "\(client.initialized)")
                        try await MCPServerTests.expectCRMServed(by: client)
                    }
                    #expect(documents.count("documents") == 1, "the document is read once and kept")

                    var fields = try await Self.authorization(junction, client: impostor)
                    fields["client_id"] = impostor
                    let refused = try await junction.request(.get, "/oauth/authorize?" + Self.encode(fields), key: nil)
                    #expect(refused.status == .badRequest)
                    #expect(refused.text.contains("names another client_id"), "\(refused.text)")
                    fields["client_id"] = "https://127.0.0.1:1/nothing-listens.json"
                    let unreachable = try await junction.request(.get, "/oauth/authorize?" + Self.encode(fields), key: nil)
                    #expect(unreachable.status == .badRequest)
                    #expect(unreachable.text.contains("could not be read"))
                }
            }
        }
    }
}
