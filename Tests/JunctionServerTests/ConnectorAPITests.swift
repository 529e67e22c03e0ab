import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

@Suite struct ConnectorAPITests {
    static let crm: JSONValue = [
        "connector_name": "crm", "connector_type": "http", "connection_url": "https://api.example.com/v2",
        "display_name": "CRM", "description": "Customer records",
    ]

    @Test func createReturnsTheFullRecordWithDefaults() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm)
            #expect(created.status == .created)
            let record = created.json
            #expect(record["connector_name"] == "crm")
            #expect(record["connector_type"] == "http")
            #expect(record["tenant_id"]?.stringValue == tenant.id)
            #expect(record["id"]?.stringValue?.hasPrefix("con_") == true)
            #expect(record["timeout_ms"] == 30000)
            #expect(record["max_retries"] == 3)
            #expect(record["enabled"] == true)
            #expect(record["health_status"] == "unknown")
            #expect(record["last_health_check"] == .null)
            #expect(record["last_error"] == .null)
            #expect(record["credential"] == .null)
            #expect(record["template"] == .null)
            #expect(record["options"]?["insecure_skip_verify"] == false)
            #expect(record["options"]?["headers"] == [:])
            let fetched = try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key)
            #expect(fetched.json == record)
        }
    }

    @Test func listFiltersByTypeAndEnabled() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            for (name, enabled) in [("a-one", true), ("b-two", false), ("c-three", true)] {
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": .string(name), "connector_type": "http",
                    "connection_url": "http://127.0.0.1:9", "enabled": .bool(enabled),
                ])
                #expect(created.status == .created)
            }
            func names(_ query: String) async throws -> [String] {
                let answer = try await junction.request(.get, "/api/v1/connectors\(query)", key: tenant.key)
                #expect(answer.status == .ok)
                return answer.json["connectors"]?.arrayValue?.compactMap { $0["connector_name"]?.stringValue } ?? []
            }
            #expect(try await names("") == ["a-one", "b-two", "c-three"])
            #expect(try await names("?enabled=true") == ["a-one", "c-three"])
            #expect(try await names("?enabled=false") == ["b-two"])
            #expect(try await names("?type=http&enabled=false") == ["b-two"])
            #expect(try await names("?type=graphql") == [])
            let bad = try await junction.request(.get, "/api/v1/connectors?enabled=maybe", key: tenant.key)
            #expect(bad.status == .badRequest)
            #expect(bad.errorField == "enabled")
        }
    }

    @Test func putIsAPartialUpdateThatMergesOptions() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                           json: ["name": "crm-key", "kind": "bearer", "token": "secret-token-value"])
            var body = Self.crm.objectValue ?? [:]
            body["options"] = ["headers": ["X-Tenant": "acme"], "query": ["v": "2"]]
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: .object(body))
            #expect(created.status == .created)

            let updated = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: [
                "enabled": false, "timeout_ms": 5000, "credential": "crm-key", "description": .null,
                "options": ["query": .null, "test_path": "/ping"],
            ])
            #expect(updated.status == .ok)
            #expect(updated.json["enabled"] == false)
            #expect(updated.json["timeout_ms"] == 5000)
            #expect(updated.json["credential"] == "crm-key")
            #expect(updated.json["description"] == .null)
            #expect(updated.json["display_name"] == "CRM")
            #expect(updated.json["options"]?["headers"] == ["X-Tenant": "acme"])
            #expect(updated.json["options"]?["query"] == [:])
            #expect(updated.json["options"]?["test_path"] == "/ping")
            #expect(updated.json["created_at"] == created.json["created_at"])
            #expect(updated.json["id"] == created.json["id"])

            let renamed = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key,
                                                     json: ["connector_name": "crm-eu"])
            #expect(renamed.json["connector_name"] == "crm-eu")
            #expect(try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key).status == .notFound)
            #expect(try await junction.request(.get, "/api/v1/connectors/crm-eu", key: tenant.key).status == .ok)

            // A fetched record can be sent back as it is: read-only fields and the same type are accepted.
            let echoed = try await junction.request(.put, "/api/v1/connectors/crm-eu", key: tenant.key, json: renamed.json)
            #expect(echoed.status == .ok)
            #expect(echoed.json["options"] == renamed.json["options"])
            let retyped = try await junction.request(.put, "/api/v1/connectors/crm-eu", key: tenant.key,
                                                     json: ["connector_type": "graphql"])
            #expect(retyped.status == .badRequest)
            #expect(retyped.errorField == "connector_type")
        }
    }

    @Test func putRejectsBadChangesAndKeepsTheOldRecord() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm)
            _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "other", "connector_type": "http", "connection_url": "https://x.example.com",
            ])
            let cases: [(JSONValue, String, HTTPResponse.Status)] = [
                (["timeout_ms": 0], "timeout_ms", .badRequest),
                (["max_retries": 11], "max_retries", .badRequest),
                (["connection_url": "not a url"], "connection_url", .badRequest),
                (["connection_url": .null], "connection_url", .badRequest),
                (["options": ["headers": "x"]], "options.headers", .badRequest),
                (["options": ["nope": 1]], "options.nope", .badRequest),
                (["credential": "missing"], "credential", .badRequest),
                (["connector_name": "other"], "connector_name", .conflict),
                (["surprise": true], "surprise", .badRequest),
            ]
            for (body, field, status) in cases {
                let answer = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: body)
                #expect(answer.status == status, "\(body)")
                #expect(answer.errorField == field, "\(body)")
            }
            let after = try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key)
            #expect(after.json == created.json)
            let missing = try await junction.request(.put, "/api/v1/connectors/ghost", key: tenant.key, json: ["enabled": true])
            #expect(missing.status == .notFound)
        }
    }

    /// A valid create body with `changes` applied (`null` removes a member).
    static func body(_ changes: [String: JSONValue]) -> JSONValue {
        var body: [String: JSONValue] = [
            "connector_name": "x", "connector_type": "http", "connection_url": "https://x.example.com",
        ]
        for (key, value) in changes { body[key] = value.isNull ? nil : value }
        return .object(body)
    }

    static let badBodies: [(JSONValue, String)] = [
        (body(["connector_name": .null]), "connector_name"),
        (body(["connector_name": "Bad_Name"]), "connector_name"),
        (body(["connector_name": .string(String(repeating: "a", count: 64))]), "connector_name"),
        (body(["connector_type": .null]), "connector_type"),
        (body(["connector_type": "teleport"]), "connector_type"),
        (body(["connection_url": .null]), "connection_url"),
        (body(["connection_url": "ftp://x.example.com"]), "connection_url"),
        (body(["timeout_ms": "fast"]), "timeout_ms"),
        (body(["enabled": "yes"]), "enabled"),
        (body(["options": ["insecure_skip_verify": "no"]]), "options.insecure_skip_verify"),
        (body(["options": []]), "options"),
        (body(["mode": "inbound"]), "mode"),
        (body(["template": "no-such-template"]), "template"),
        (body(["credential": "ghost"]), "credential"),
        (body(["connection_url": "https://user:pw@x.example.com"]), "connection_url"),
        (body(["options": ["headers": ["Authorization": "Bearer abc"]]]), "options.headers.Authorization"),
        (body(["options": ["headers": ["Bad Header": "x"]]]), "options.headers.Bad Header"),
    ]

    @Test(arguments: badBodies)
    func badConnectorsAreRejectedNamingTheField(body: JSONValue, field: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: body)
            #expect(answer.status == .badRequest)
            #expect(answer.errorCode == "invalid_input")
            #expect(answer.errorField == field)
            #expect(answer.json["error"]?["message"]?.stringValue?.isEmpty == false)
            let listed = try await junction.request(.get, "/api/v1/connectors", key: tenant.key)
            #expect(listed.json["connectors"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func namesAreUniquePerTenantButMayRepeatAcrossTenants() async throws {
        try await withJunction { junction in
            let a = try await junction.createTenant("tenant-a")
            let b = try await junction.createTenant("tenant-b")
            #expect(try await junction.request(.post, "/api/v1/connectors", key: a.key, json: Self.crm).status == .created)
            let duplicate = try await junction.request(.post, "/api/v1/connectors", key: a.key, json: Self.crm)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorField == "connector_name")
            #expect(try await junction.request(.post, "/api/v1/connectors", key: b.key, json: Self.crm).status == .created)
        }
    }

    @Test func deleteIsBlockedByLinkedAgentsUnlessForced() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm).status == .created)
            let agent: JSONValue = ["name": "triage", "type": "llm", "model": "openai/gpt-4o-mini"]
            #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
            #expect(try await junction.request(.post, "/api/v1/agents/triage/links/crm", key: tenant.key).status == .created)
            let blocked = try await junction.request(.delete, "/api/v1/connectors/crm", key: tenant.key)
            #expect(blocked.status == .conflict)
            #expect(blocked.json["error"]?["details"]?["agents"] == ["triage"])
            #expect(try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key).status == .ok)
            let badForce = try await junction.request(.delete, "/api/v1/connectors/crm?force=yes", key: tenant.key)
            #expect(badForce.status == .badRequest)
            let forced = try await junction.request(.delete, "/api/v1/connectors/crm?force=true", key: tenant.key)
            #expect(forced.status == .noContent)
            #expect(try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key).status == .notFound)
            #expect(try await junction.request(.delete, "/api/v1/connectors/crm", key: tenant.key).status == .notFound)
        }
    }

    @Test func connectorTypesListTheHTTPSpec() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let types = try await junction.request(.get, "/api/v1/connector-types", key: tenant.key)
            let http = try #require(types.json["connector_types"]?.arrayValue?.first { $0["type"] == "http" })
            #expect(http["connection_url"] == "required")
            #expect(http["capabilities"] == ["invoke", "test"])
            let fields = http["fields"]?.arrayValue ?? []
            #expect(fields.contains { $0["name"] == "headers" && $0["type"] == "headers" && $0["secret"] == false })
            #expect(fields.contains { $0["name"] == "insecure_skip_verify" && $0["default"] == false })
            let one = try await junction.request(.get, "/api/v1/connector-types/http", key: tenant.key)
            #expect(one.json == http)
            #expect(try await junction.request(.get, "/api/v1/connector-types/teleport", key: tenant.key).status == .notFound)
        }
    }
}
