import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// The invoke path against a real HTTP upstream on loopback.
@Suite struct InvokeTests {
    /// A connector body for the upstream with the resources these tests call.
    static func connector(_ name: String, url: String, credential: String? = nil, extra: [String: JSONValue] = [:]) -> JSONValue {
        var body: [String: JSONValue] = [
            "connector_name": .string(name), "connector_type": "http", "connection_url": .string(url),
            "timeout_ms": 2000,
            "options": ["resources": [
                [
                    "slug": "get-customer", "description": "A customer by id", "path": "/echo/customers/{id}",
                    "input_schema": ["type": "object", "required": ["id"], "properties": [
                        "id": ["type": "string"], "expand": ["type": "boolean"], "tags": ["type": "array", "items": ["type": "string"]],
                    ]],
                    "mock": ["id": "mock-1", "name": "Mock Customer"],
                ],
                [
                    "slug": "create-customer", "kind": "write", "method": "POST", "path": "/echo/customers",
                    "input_schema": ["type": "object", "required": ["email"], "properties": [
                        "email": ["type": "string", "format": "email"], "trace": ["type": "string", "x-in": "header"],
                    ]],
                ],
                ["slug": "status", "path": "/status/{code}"],
                ["slug": "flaky", "path": "/flaky/{key}"],
                ["slug": "flaky-write", "kind": "write", "method": "POST", "path": "/flaky/{key}"],
                ["slug": "slow", "path": "/slow"],
                ["slug": "text", "path": "/text"],
                ["slug": "binary", "path": "/binary"],
                ["slug": "protected", "path": "/protected"],
                ["slug": "post-default", "method": "POST", "path": "/echo/default"],
            ]],
        ]
        if let credential { body["credential"] = .string(credential) }
        for (key, value) in extra { body[key] = value }
        return .object(body)
    }

    static func invoke(
        _ junction: JunctionHarness, key: String, connector: String = "crm", _ resource: String, data: JSONValue = [:],
        options: JSONValue? = nil, headers: HTTPFields = [:]
    ) async throws -> JunctionHarness.Answer {
        var body: [String: JSONValue] = ["data": data]
        if let options { body["options"] = options }
        return try await junction.request(
            .post, "/api/v1/connectors/\(connector)/resources/\(resource)/invoke", key: key, json: .object(body), headers: headers)
    }

    /// Past max_invokes_per_tenant a call is refused at once with Retry-After; other tenants'
    /// calls are taken, and the tenant's next call once one ended.
    @Test func callsPastATenantsLimitAreRefusedAtOnce() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { $0.runtime.invokeLimits.perTenant = 2 }) { junction in
                let acme = try await junction.createTenant("acme")
                let globex = try await junction.createTenant("globex")
                for key in [acme.key, globex.key] {
                    #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("crm", url: upstream.url)).status == .created)
                }
                // Two slow calls under way, each on its own connection (the harness's client sends one at a time).
                let port = try #require(junction.port)
                let slow = [try await HeldConnection(port: port), try await HeldConnection(port: port)]
                for connection in slow {
                    try await connection.send("""
                        POST /api/v1/connectors/crm/resources/slow/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                        Authorization: Bearer \(acme.key)\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n\
                        {"data":{"ms":1500}}\r\n
                        """)
                }
                try await SlowClientTests.eventually { upstream.count("slow") == 2 }

                let refused = try await Self.invoke(junction, key: acme.key, "get-customer", data: ["id": "1"])
                #expect(refused.status == .tooManyRequests, "\(refused.text)")
                #expect(refused.errorCode == "rate_limited")
                #expect(refused.headers[.retryAfter] == "1")
                #expect(refused.json["error"]?["details"]?["limit"] == "max_invokes_per_tenant")
                #expect(upstream.count("echo") == 0, "a refused call sends nothing")
                #expect(try await Self.invoke(junction, key: globex.key, "get-customer", data: ["id": "2"]).status == .ok)

                try await SlowClientTests.eventually { slow.allSatisfy { $0.received.contains("\"success\":true") } }
                for connection in slow { await connection.close() }
                #expect(try await Self.invoke(junction, key: acme.key, "get-customer", data: ["id": "3"]).status == .ok)
                let metrics = try await junction.request(.get, "/metrics", key: nil)
                #expect(metrics.text.contains(#"junction_invokes_refused_total{reason="tenant"} 1"#))
            }
        }
    }

    @Test func aReadSendsPathQueryAndCredentialAndAnswersTheEnvelope() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                               json: ["name": "crm-token", "kind": "bearer", "token": "bearer-secret-0123456789"])
                let created = try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url, credential: "crm-token"))
                #expect(created.status == .created)
                let answer = try await Self.invoke(
                    junction, key: tenant.key, "get-customer", data: ["id": "a b/c?d", "expand": true, "tags": ["x", "y"]])
                #expect(answer.status == .ok)
                #expect(answer.json["success"] == true)
                let echoed = try #require(answer.json["data"])
                #expect(echoed["method"] == "GET")
                #expect(echoed["path"] == "/echo/customers/a%20b%2Fc%3Fd")
                #expect(echoed["query"]?["expand"] == ["true"])
                #expect(echoed["query"]?["tags"] == ["x", "y"])
                #expect(upstream.lastEcho?["headers"]?["authorization"] == "Bearer bearer-secret-0123456789")
                #expect(echoed["headers"]?["authorization"] == "Bearer [redacted]", "an echoed credential never reaches the caller")
                let metadata = try #require(answer.json["metadata"])
                #expect(metadata["connector"] == "crm")
                #expect(metadata["resource"] == "get-customer")
                #expect(metadata["tenant"]?.stringValue == tenant.id)
                #expect(metadata["status"] == 200)
                #expect(metadata["attempts"] == 1)
                #expect(metadata["mock"] == false)
                #expect(metadata["request_id"]?.stringValue == answer.headers[HTTPField.Name("X-Request-Id")!])

                // The same call through POST /api/v1/invoke.
                let direct = try await junction.request(.post, "/api/v1/invoke", key: tenant.key, json: [
                    "connector": "crm", "resource": "get-customer", "data": ["id": "7"],
                ])
                #expect(direct.json["data"]?["path"] == "/echo/customers/7")
                // Each answer that had an echoed secret redacted is counted.
                let metrics = try await junction.request(.get, "/metrics", key: nil)
                #expect(metrics.text.contains(#"junction_secret_redactions_total{connector_type="http"} 2"#), "\(metrics.text.prefix(3000))")
            }
        }
    }

    @Test func writesSendAJSONBodyAndHeaderFieldsAndStructuredInputWorks() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url))
                var keyed = HTTPFields()
                keyed[HTTPField.Name("Idempotency-Key")!] = "signup-9"
                let flat = try await Self.invoke(
                    junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com", "trace": "t-1"], headers: keyed)
                #expect(flat.json["data"]?["headers"]?["idempotency-key"] == "signup-9")
                #expect(flat.json["metadata"]?["status"] == 201)
                #expect(flat.json["data"]?["body"] == ["email": "ana@example.com"])
                #expect(flat.json["data"]?["headers"]?["trace"] == "t-1")
                #expect(flat.json["data"]?["headers"]?["content-type"] == "application/json")

                let structured = try await Self.invoke(junction, key: tenant.key, "get-customer", data: [
                    "path": ["id": "42"], "query": ["expand": true], "headers": ["X-Trace": "s-1"],
                ])
                #expect(structured.json["success"] == true)
                #expect(structured.json["data"]?["path"] == "/echo/customers/42")
                #expect(structured.json["data"]?["query"]?["expand"] == ["true"])
                #expect(structured.json["data"]?["headers"]?["x-trace"] == "s-1")
                // Structured input is validated as its flat fields: a wrong type inside path fails.
                let wrong = try await Self.invoke(junction, key: tenant.key, "get-customer", data: ["path": ["id": 42]])
                #expect(wrong.json["error"]?["field"] == "data.id")
            }
        }
    }

    @Test func answersAreParsedByContentType() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url))
                #expect(try await Self.invoke(junction, key: tenant.key, "text").json["data"] == "plain text")
                let binary = try await Self.invoke(junction, key: tenant.key, "binary").json["data"]
                #expect(binary?["content_type"] == "application/octet-stream")
                #expect(binary?["base64"] == .string(Data([0, 1, 2, 255]).base64EncodedString()))
            }
        }
    }

    @Test func badInputIsRejectedBeforeAnyRequestLeaves() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url))
                let cases: [(String, JSONValue, String)] = [
                    ("get-customer", [:], "data"),
                    ("get-customer", ["id": 5], "data.id"),
                    ("create-customer", ["email": "not-an-email"], "data.email"),
                    ("status", [:], "code"),
                    ("get-customer", ["id": ".."], "id"),
                ]
                for (resource, data, field) in cases {
                    let answer = try await Self.invoke(junction, key: tenant.key, resource, data: data)
                    #expect(answer.status == .badRequest, "\(resource) \(data)")
                    #expect(answer.json["success"] == false)
                    #expect(answer.json["error"]?["code"] == "invalid_input")
                    #expect(answer.json["error"]?["field"]?.stringValue == field, "\(resource) \(data)")
                }
                #expect(upstream.count("echo") == 0)
                #expect(upstream.count("status") == 0)
                let unknown = try await Self.invoke(junction, key: tenant.key, "nope")
                #expect(unknown.status == .notFound)
                #expect(unknown.json["error"]?["code"] == "not_found")
                let ghost = try await Self.invoke(junction, key: tenant.key, connector: "ghost", "get-customer")
                #expect(ghost.status == .notFound)
                let badOptions = try await Self.invoke(junction, key: tenant.key, "text", options: ["timeout_ms": "soon"])
                #expect(badOptions.errorField == "options.timeout_ms")
            }
        }
    }

    @Test func upstreamFailuresMapToCodes() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, extra: ["max_retries": 0]))
                let cases: [(String, String, HTTPResponse.Status)] = [
                    ("401", "authentication_failed", .badGateway),
                    ("403", "authentication_failed", .badGateway),
                    ("404", "upstream_error", .badGateway),
                    ("422", "upstream_error", .badGateway),
                    ("429", "rate_limited", .tooManyRequests),
                    ("500", "upstream_error", .badGateway),
                    ("503", "upstream_error", .badGateway),
                ]
                for (code, expected, status) in cases {
                    let answer = try await Self.invoke(junction, key: tenant.key, "status", data: ["code": .string(code)])
                    #expect(answer.status == status, "\(code)")
                    #expect(answer.json["error"]?["code"]?.stringValue == expected, "\(code)")
                    #expect(answer.json["error"]?["upstream_status"] == .integer(Int(code)!))
                    #expect(answer.json["metadata"]?["status"] == .integer(Int(code)!))
                    #expect(answer.json["data"]?["error"] == .string("status \(code)"), "the upstream body is kept")
                }
                let slow = try await Self.invoke(junction, key: tenant.key, "slow", data: ["ms": 3000], options: ["timeout_ms": 200])
                #expect(slow.status == .gatewayTimeout)
                #expect(slow.json["error"]?["code"] == "timeout")

                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("closed", url: "http://127.0.0.1:1", extra: ["max_retries": 0]))
                let refused = try await Self.invoke(junction, key: tenant.key, connector: "closed", "text")
                #expect(refused.json["error"]?["code"] == "connection_refused")
                #expect(refused.json["error"]?["retryable"] == true)
                #expect(refused.status == .badGateway)
                #expect(refused.json["metadata"]?["attempts"] == 1)

                // A refused connection is one failed attempt each time: the retry policy, not the
                // HTTP pool, decides how often to try again.
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("closed-retried", url: "http://127.0.0.1:1", extra: ["max_retries": 2]))
                let retried = try await Self.invoke(junction, key: tenant.key, connector: "closed-retried", "text")
                #expect(retried.json["error"]?["code"] == "connection_refused")
                #expect(retried.json["metadata"]?["attempts"] == 3)
            }
        }
    }

    @Test func retryableFailuresAreRetriedOnlyForReadsOrKeyedWrites() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, extra: ["max_retries": 3]))
                let read = try await Self.invoke(junction, key: tenant.key, "flaky", data: ["key": "r1", "fail": 2])
                #expect(read.json["success"] == true)
                #expect(read.json["metadata"]?["attempts"] == 3)
                #expect(upstream.count("flaky:r1") == 3)

                let exhausted = try await Self.invoke(junction, key: tenant.key, "flaky", data: ["key": "r2", "fail": 9])
                #expect(exhausted.json["error"]?["code"] == "upstream_error")
                #expect(exhausted.json["metadata"]?["attempts"] == 4)
                #expect(upstream.count("flaky:r2") == 4)

                let notRetried = try await Self.invoke(junction, key: tenant.key, "flaky", data: ["key": "r3", "fail": 1, "status": 500])
                #expect(notRetried.json["metadata"]?["attempts"] == 1)

                let unkeyed = try await Self.invoke(junction, key: tenant.key, "flaky-write", data: ["key": "w1"],
                                                    options: nil)
                #expect(unkeyed.json["success"] == true)  // no failure configured: baseline
                let unkeyedFailing = try await junction.request(
                    .post, "/api/v1/connectors/crm/resources/flaky-write/invoke", key: tenant.key,
                    json: ["data": ["key": "w2"]])
                #expect(unkeyedFailing.json["success"] == true)

                var headers = HTTPFields()
                headers[HTTPField.Name("Idempotency-Key")!] = "order-77"
                // POST /flaky/{key}?fail= comes from the query: send it as a query field of the write.
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: [
                    "options": ["resources": [
                        ["slug": "flaky-write", "kind": "write", "method": "POST", "path": "/flaky/{key}", "query": ["fail": "1"]],
                    ]],
                ])
                let noKey = try await Self.invoke(junction, key: tenant.key, "flaky-write", data: ["key": "w3"])
                #expect(noKey.json["success"] == false)
                #expect(noKey.json["metadata"]?["attempts"] == 1)
                #expect(upstream.count("flaky:w3") == 1)
                let keyed = try await Self.invoke(junction, key: tenant.key, "flaky-write", data: ["key": "w4"], headers: headers)
                #expect(keyed.json["success"] == true)
                #expect(keyed.json["metadata"]?["attempts"] == 2)
                #expect(upstream.count("flaky:w4") == 2)
            }
        }
    }

    @Test func rateLimitsHonourRetryAfter() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, extra: ["max_retries": 2]))
                let start = ContinuousClock.now
                let answer = try await Self.invoke(
                    junction, key: tenant.key, "flaky", data: ["key": "rl", "fail": 1, "status": 429, "retry_after": 1])
                #expect(answer.json["success"] == true)
                #expect(answer.json["metadata"]?["attempts"] == 2)
                #expect(upstream.count("flaky:rl") == 2)
                // The retry waited for Retry-After (a lower bound, not a timing assertion on speed).
                #expect(ContinuousClock.now - start >= .seconds(1))
            }
        }
    }

    @Test func mocksAnswerWithoutTheNetwork() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            // Nothing listens on port 1: any network call would fail.
            _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: "http://127.0.0.1:1"))
            let mocked = try await Self.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"], options: ["mock": true])
            #expect(mocked.json["success"] == true)
            #expect(mocked.json["data"] == ["id": "mock-1", "name": "Mock Customer"])
            #expect(mocked.json["metadata"]?["mock"] == true)
            #expect(mocked.json["metadata"]?["attempts"] == 0)
            let missing = try await Self.invoke(junction, key: tenant.key, "text", options: ["mock": true])
            #expect(missing.status == .badRequest)
            #expect(missing.errorField == "options.mock")
            #expect(missing.json["error"]?["code"] == "invalid_input")
        }
    }

    @Test func disabledConnectorsAndOtherTenantsAreRefused() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let a = try await junction.createTenant("tenant-a")
                let b = try await junction.createTenant("tenant-b")
                _ = try await junction.request(.post, "/api/v1/connectors", key: a.key, json: Self.connector("crm", url: upstream.url))
                let fromB = try await Self.invoke(junction, key: b.key, "text")
                #expect(fromB.status == .notFound)
                #expect(try await junction.request(.post, "/api/v1/connectors/crm/test", key: b.key).status == .notFound)
                #expect(try await junction.request(.get, "/api/v1/connectors/crm/resources", key: b.key).status == .notFound)
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: a.key, json: ["enabled": false])
                let disabled = try await Self.invoke(junction, key: a.key, "text")
                #expect(disabled.json["error"]?["code"] == "connector_disabled")
                #expect(disabled.status == .conflict)
            }
        }
    }

    @Test func authPriorityIsCallHeadersThenOverrideThenConnectorCredential() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                for (name, token) in [("own", "own-token-0000000001"), ("other", "other-token-000000002")] {
                    _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                                   json: ["name": .string(name), "kind": "bearer", "token": .string(token)])
                }
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "query-key", "kind": "api_key", "in": "query", "key_name": "appid", "value": "q-123",
                ])
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, credential: "own"))
                func authorization(_ options: JSONValue?) async throws -> JSONValue? {
                    _ = try await Self.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"], options: options)
                    return upstream.lastEcho?["headers"]?["authorization"]
                }
                #expect(try await authorization(nil) == "Bearer own-token-0000000001")
                #expect(try await authorization(["credential": "other"]) == "Bearer other-token-000000002")
                #expect(try await authorization(["credential": "other", "headers": ["Authorization": "Custom abc"]]) == "Custom abc")
                let query = try await Self.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"], options: ["credential": "query-key"])
                #expect(query.json["data"]?["query"]?["appid"] == ["q-123"])
                #expect(query.json["data"]?["headers"]?["authorization"] == nil)
                let missing = try await Self.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"], options: ["credential": "ghost"])
                #expect(missing.errorField == "options.credential")
            }
        }
    }

    @Test func oauthTokensAreFetchedOnceForManyConcurrentCallsAndRefreshedOn401() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "oauth", "kind": "oauth2_client_credentials", "token_url": .string(upstream.url + "/oauth/token"),
                    "client_id": .string(UpstreamServer.oauthClient.id), "client_secret": .string(UpstreamServer.oauthClient.secret),
                    "scopes": ["crm.read"],
                ])
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, credential: "oauth"))
                let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            try await Self.invoke(junction, key: tenant.key, "protected").json["success"] == true
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(successes == 50)
                #expect(upstream.count("token") == 1)
                #expect(upstream.count("protected") == 50)

                // The upstream forgets its tokens: the next call is refused once, fetches a new token and succeeds.
                var request = URLRequest(url: URL(string: upstream.url + "/oauth/revoke-all")!)
                request.httpMethod = "POST"
                _ = try await URLSession.shared.data(for: request)
                let again = try await Self.invoke(junction, key: tenant.key, "protected")
                #expect(again.json["success"] == true)
                #expect(again.json["data"] == ["secret_data": 42])
                #expect(upstream.count("token") == 2)
                #expect(!again.text.contains(UpstreamServer.oauthClient.secret))

                // A credential deleted and made again (same name) never reuses the old token.
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["credential": .null])
                _ = try await junction.request(.delete, "/api/v1/credentials/oauth", key: tenant.key)
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "oauth", "kind": "oauth2_client_credentials", "token_url": .string(upstream.url + "/oauth/token"),
                    "client_id": .string(UpstreamServer.oauthClient.id), "client_secret": .string(UpstreamServer.oauthClient.secret),
                ])
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["credential": "oauth"])
                #expect(try await Self.invoke(junction, key: tenant.key, "protected").json["success"] == true)
                #expect(upstream.count("token") == 3)
            }
        }
    }

    @Test func theLiveTestStoresHealth() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url + "/echo"))
                let healthy = try await junction.request(.post, "/api/v1/connectors/crm/test", key: tenant.key)
                #expect(healthy.status == .ok)
                #expect(healthy.json["success"] == true)
                #expect(healthy.json["health_status"] == "healthy")
                let record = try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key)
                #expect(record.json["health_status"] == "healthy")
                #expect(record.json["last_health_check"]?.stringValue != nil)

                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["connection_url": "http://127.0.0.1:1"])
                let unhealthy = try await junction.request(.post, "/api/v1/connectors/crm/test", key: tenant.key)
                #expect(unhealthy.json["success"] == false)
                #expect(unhealthy.json["health_status"] == "unhealthy")
                #expect(unhealthy.json["error"]?["code"] == "connection_refused")
                let after = try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key)
                #expect(after.json["last_error"]?.stringValue?.hasPrefix("connection_refused") == true)
            }
        }
    }

    @Test func theCacheIsInvalidatedOnWritesAndReportsStats() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url))
                _ = try await Self.invoke(junction, key: tenant.key, "text")
                _ = try await Self.invoke(junction, key: tenant.key, "text")
                let stats = try await junction.request(.get, "/api/v1/connectors/cache/stats", key: tenant.key)
                let mine = try #require(stats.json["tenants"]?[tenant.id])
                #expect(mine["entries"] == 1)
                #expect(mine["misses"] == 1)
                #expect(mine["hits"] == 1)
                #expect(stats.json["ttl_seconds"] == 30)

                // A change through the API takes effect on the next call.
                _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["connection_url": "http://127.0.0.1:1"])
                let moved = try await Self.invoke(junction, key: tenant.key, "text")
                #expect(moved.json["error"]?["code"] == "connection_refused")

                let refreshed = try await junction.request(.post, "/api/v1/connectors/refresh/\(tenant.id)/crm", key: tenant.key)
                #expect(refreshed.json["dropped"] == 1)
                let all = try await junction.request(.post, "/api/v1/connectors/refresh", key: tenant.key)
                #expect(all.json["dropped"] == 0)
                let other = try await junction.request(.post, "/api/v1/connectors/refresh/someone-else", key: tenant.key)
                #expect(other.status == .notFound)
            }
        }
    }

    @Test func shortTimeToLiveExpiresEntries() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(connectorCacheTTL: .milliseconds(100)) { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector("crm", url: upstream.url))
                _ = try await Self.invoke(junction, key: tenant.key, "text")
                try await Task.sleep(for: .milliseconds(250))
                _ = try await Self.invoke(junction, key: tenant.key, "text")
                let stats = try await junction.request(.get, "/api/v1/connectors/cache/stats", key: tenant.key)
                #expect(stats.json["tenants"]?[tenant.id]?["misses"] == 2)
                #expect(stats.json["tenants"]?[tenant.id]?["evictions"] == 1)

                // Nobody asks again: the sweep lets the expired connector go.
                try await Task.sleep(for: .milliseconds(250))
                #expect(junction.junction.runtime.cache.removeExpired() == 1)
                let swept = try await junction.request(.get, "/api/v1/connectors/cache/stats", key: tenant.key)
                #expect(swept.json["tenants"]?[tenant.id]?["entries"] == 0)
                #expect(junction.junction.runtime.cache.removeExpired() == 0)
            }
        }
    }

    @Test func resourcesAreListedWithSchemasAndCallsAreAudited() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                               json: ["name": "crm-token", "kind": "bearer", "token": "audit-secret-0123456789"])
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: Self.connector("crm", url: upstream.url, credential: "crm-token"))
                let listed = try await junction.request(.get, "/api/v1/connectors/crm/resources", key: tenant.key)
                let resources = listed.json["resources"]?.arrayValue ?? []
                #expect(resources.count == 10)
                let create = try #require(resources.first { $0["slug"] == "create-customer" })
                #expect(create["kind"] == "write")
                // A resource that does not say its kind is a write unless its method only reads.
                #expect(resources.first { $0["slug"] == "flaky" }?["kind"] == "read")
                #expect(resources.first { $0["slug"] == "post-default" }?["kind"] == "write")
                #expect(create["method"] == "POST")
                #expect(create["input_schema"]?["required"] == ["email"])
                #expect(resources.first { $0["slug"] == "get-customer" }?["has_mock"] == true)

                _ = try await Self.invoke(junction, key: tenant.key, "text")
                let audit = try await junction.request(.get, "/api/v1/audit?limit=1", key: tenant.key)
                let event = try #require(audit.json["events"]?.arrayValue?.first)
                #expect(event["action"] == "connector.invoke")
                #expect(event["details"]?["resource"] == "text")
                #expect(event["details"]?["attempts"] == 1)
                #expect(event["details"]?["input_digest"]?.stringValue?.count == 16)
                #expect(!audit.text.contains("audit-secret"))
            }
        }
    }

    @Test func resourceDefinitionsAreValidatedWhenSaved() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let cases: [(JSONValue, String)] = [
                ([["path": "/x"]], "options.resources[0].slug"),
                ([["slug": "a", "method": "TRACE"]], "options.resources[0].method"),
                ([["slug": "a"], ["slug": "a"]], "options.resources[1].slug"),
                ([["slug": "a", "verb": "GET"]], "options.resources[0].verb"),
                ([["slug": "a", "kind": "delete"]], "options.resources[0].kind"),
            ]
            for (resources, field) in cases {
                let answer = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "x", "connector_type": "http", "connection_url": "https://x.example.com",
                    "options": ["resources": resources],
                ])
                #expect(answer.status == .badRequest, "\(resources)")
                #expect(answer.errorField == field, "\(resources)")
            }
        }
    }
}

/// Server-side request forgery: connectors cannot reach denied addresses.
@Suite struct NetworkGuardTests {
    @Test(arguments: ["http://169.254.169.254", "http://[fe80::1]:8080", "http://100.100.100.200"])
    func metadataAddressesAreDeniedByDefault(url: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "meta", "connector_type": "http", "connection_url": .string(url),
                "options": ["resources": [["slug": "read", "path": "/latest/meta-data/"]]],
            ])
            let answer = try await junction.request(.post, "/api/v1/connectors/meta/resources/read/invoke", key: tenant.key)
            #expect(answer.status == .forbidden)
            #expect(answer.json["error"]?["code"] == "policy_denied")
            #expect(answer.json["metadata"]?["attempts"] == 1)
            let test = try await junction.request(.post, "/api/v1/connectors/meta/test", key: tenant.key)
            #expect(test.json["error"]?["code"] == "policy_denied")
        }
    }

    @Test func operatorsCanDenyMoreAndAllowExceptions() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { $0.runtime.networkPolicy.denied.append(CIDR("127.0.0.0/8")!) }) { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("crm", url: upstream.url))
                let denied = try await InvokeTests.invoke(junction, key: tenant.key, "text")
                #expect(denied.json["error"]?["code"] == "policy_denied")
                // A name is judged by the addresses it resolves to.
                let byName = upstream.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("named", url: byName))
                let named = try await InvokeTests.invoke(junction, key: tenant.key, connector: "named", "text")
                #expect(named.json["error"]?["code"] == "policy_denied")
                #expect(upstream.count("echo") == 0)
            }
            try await withJunction(configure: {
                $0.runtime.networkPolicy.denied.append(CIDR("127.0.0.0/8")!)
                $0.runtime.networkPolicy.allowed.append(CIDR("127.0.0.1/32")!)
            }) { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("crm", url: upstream.url))
                #expect(try await InvokeTests.invoke(junction, key: tenant.key, "text").json["success"] == true)
            }
        }
    }
}

@Suite struct MetricsTests {
    @Test func callsAreCountedAndTimedByTypeAndOutcome() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("crm", url: upstream.url, extra: ["max_retries": 0]))
                _ = try await InvokeTests.invoke(junction, key: tenant.key, "text")
                _ = try await InvokeTests.invoke(junction, key: tenant.key, "text")
                _ = try await InvokeTests.invoke(junction, key: tenant.key, "status", data: ["code": "500"])
                let metrics = try await junction.request(.get, "/metrics", key: nil)
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(metrics.text.contains(#"junction_invoke_total{connector_type="http",outcome="ok"} 2"#))
                #expect(metrics.text.contains(#"junction_invoke_total{connector_type="http",outcome="upstream_error"} 1"#))
                #expect(metrics.text.contains(#"junction_invoke_attempts_total{connector_type="http"} 3"#))
                #expect(metrics.text.contains(#"junction_invoke_duration_seconds_count{connector_type="http"} 3"#))
                #expect(!metrics.text.contains(tenant.id))
            }
        }
    }
}

@Suite struct TLSTests {
    @Test func untrustedCertificatesAreTLSErrorsUnlessVerificationIsSkipped() async throws {
        try await UpstreamServer.with(tls: true) { upstream in
            #expect(upstream.url.hasPrefix("https://"))
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("strict", url: upstream.url, extra: ["max_retries": 0]))
                let refused = try await InvokeTests.invoke(junction, key: tenant.key, connector: "strict", "text")
                #expect(refused.json["error"]?["code"] == "tls_error")
                #expect(refused.status == .badGateway)

                var relaxed = InvokeTests.connector("relaxed", url: upstream.url).objectValue ?? [:]
                var options = relaxed["options"]?.objectValue ?? [:]
                options["insecure_skip_verify"] = true
                relaxed["options"] = .object(options)
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: .object(relaxed))
                let accepted = try await InvokeTests.invoke(junction, key: tenant.key, connector: "relaxed", "text")
                #expect(accepted.json["success"] == true)
                #expect(accepted.json["data"] == "plain text")
            }
        }
    }
}

/// An upstream that accepts connections and closes them without answering.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON (scripts/test sets it)"))
struct DroppedConnectionTests {
    static let server = """
        import socket, sys
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(sys.argv[1])))
        listener.listen(64)
        while True:
            connection, _ = listener.accept()
            connection.recv(65536)
            connection.close()
        """

    @Test func droppedConnectionsOfAReadAreRetriedResets() async throws {
        try await PythonPeer.with(script: Self.server) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key,
                                               json: InvokeTests.connector("crm", url: peer.url, extra: ["max_retries": 2]))
                let answer = try await InvokeTests.invoke(junction, key: tenant.key, "text")
                #expect(answer.json["success"] == false)
                #expect(answer.json["error"]?["code"] == "connection_reset")
                #expect(answer.json["error"]?["retryable"] == true, "a GET is safe to repeat")
                #expect(answer.json["metadata"]?["attempts"] == 3)
            }
        }
    }
}
