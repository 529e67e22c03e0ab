import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Upstreams gone wrong, as real ones go: the timeout covers a body that trickles in, and the
/// error code says what happened — not reached (refused, a name that does not resolve) or
/// reset once the request was sent, retryable only when repeating it is safe.
struct UpstreamFailureTests {
    /// An `http` connector `name` at `url` with a GET and a POST resource, no retries.
    static func connector(_ name: String, url: String, timeoutMs: Int = 5000) -> JSONValue {
        [
            "connector_name": .string(name), "connector_type": "http", "connection_url": .string(url),
            "max_retries": 0, "timeout_ms": .integer(timeoutMs),
            "options": ["resources": [
                ["slug": "read", "path": "/things"],
                ["slug": "write", "kind": "write", "method": "POST", "path": "/things"],
            ]],
        ]
    }

    static func invoke(
        _ junction: JunctionHarness, key: String, _ connector: String, _ resource: String, idempotencyKey: String? = nil
    ) async throws -> JSONValue {
        var headers = HTTPFields()
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await junction.request(
            .post, "/api/v1/invoke", key: key, json: ["connector": .string(connector), "resource": .string(resource), "data": [:]],
            headers: headers
        ).json
    }

    @Test func theTimeoutCoversABodyThatTricklesIn() async throws {
        // 1000 bytes at one per 100 ms: the answer would take 100 s; the timeout is 1 s.
        try await MisbehavingServer.with(.trickle(interval: .milliseconds(100))) { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let created = try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("slow", url: upstream.url, timeoutMs: 1000))
                #expect(created.status == .created)
                let answer = try await Self.invoke(junction, key: tenant.key, "slow", "read")
                #expect(answer["success"] == false)
                #expect(answer["error"]?["code"] == "timeout", "\(answer)")
                #expect(answer["error"]?["retryable"] == false)
            }
        }
    }

    @Test func aConnectionClosedAfterTheRequestIsARetryableResetOnlyWhenRepeatingIsSafe() async throws {
        try await MisbehavingServer.with(.hangUp) { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("flaky", url: upstream.url)).status == .created)
                let write = try await Self.invoke(junction, key: tenant.key, "flaky", "write")
                #expect(write["error"]?["code"] == "connection_reset", "\(write)")
                #expect(write["error"]?["retryable"] == false, "a POST sent without an idempotency key may have been applied")
                #expect(write["error"]?["message"]?.stringValue?.contains("may have been received") == true)
                let keyed = try await Self.invoke(junction, key: tenant.key, "flaky", "write", idempotencyKey: "order-7")
                #expect(keyed["error"]?["code"] == "connection_reset")
                #expect(keyed["error"]?["retryable"] == true)
                let read = try await Self.invoke(junction, key: tenant.key, "flaky", "read")
                #expect(read["error"]?["code"] == "connection_reset")
                #expect(read["error"]?["retryable"] == true)
            }
        }
    }

    @Test func aRefusedConnectionAndAnUnresolvableNameAreToldApart() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let closed = "http://127.0.0.1:\(try PythonPeer.freePort())"
            #expect(try await junction.request(
                .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("closed", url: closed)).status == .created)
            #expect(try await junction.request(
                .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("nowhere", url: "http://no-such-host.invalid")).status == .created)
            let refused = try await Self.invoke(junction, key: tenant.key, "closed", "write")
            #expect(refused["error"]?["code"] == "connection_refused", "\(refused)")
            #expect(refused["error"]?["retryable"] == true, "nothing was sent: repeating is safe")
            #expect(refused["error"]?["message"]?.stringValue?.contains("refused") == true)
            let unresolved = try await Self.invoke(junction, key: tenant.key, "nowhere", "read")
            #expect(unresolved["error"]?["code"] == "connection_refused", "\(unresolved)")
            #expect(unresolved["error"]?["message"]?.stringValue?.contains("does not resolve") == true)
        }
    }

    @Test func anAnswerLabelledJSONThatDoesNotParseIsAnUpstreamErrorKeepingTheText() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                var connector = Self.connector("broken", url: upstream.url)
                connector = .object((connector.objectValue ?? [:]).merging(
                    ["options": ["resources": [["slug": "read", "path": "/bad-json"]]]], uniquingKeysWith: { $1 }))
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: connector).status == .created)
                let answer = try await Self.invoke(junction, key: tenant.key, "broken", "read")
                #expect(answer["success"] == false)
                #expect(answer["error"]?["code"] == "upstream_error", "\(answer)")
                #expect(answer["error"]?["message"]?.stringValue?.contains("not valid JSON") == true)
                #expect(answer["data"] == "{\"ok\": tru", "the upstream's text is kept")
            }
        }
    }

    @Test func aSaaSServerDeniesItsOwnHostAndNetworksUnlessAllowed() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(mode: .saas) { junction in
                let tenant = try await junction.createTenant("acme")
                let local = URLComponents(string: upstream.url)!
                for (name, host) in [("loopback", "127.0.0.1"), ("unspecified", "0.0.0.0"), ("mapped", "[::ffff:127.0.0.1]")] {
                    let url = "http://\(host):\(local.port!)"
                    #expect(try await junction.request(
                        .post, "/api/v1/connectors", key: tenant.key, json: Self.connector(name, url: url)).status == .created)
                    let answer = try await Self.invoke(junction, key: tenant.key, name, "read")
                    #expect(answer["error"]?["code"] == "policy_denied", "\(host): \(answer)")
                }
            }
            try await withJunction(mode: .saas, configure: { $0.runtime.networkPolicy.allowed = [CIDR("127.0.0.0/8")!] }) { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key, json: Self.connector("allowed", url: upstream.url + "/echo")).status == .created)
                let answer = try await Self.invoke(junction, key: tenant.key, "allowed", "read")
                #expect(answer["success"] == true, "an allowed block wins: \(answer)")
            }
        }
    }
}
