import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

@Suite struct AuditAPITests {
    @Test func everyWriteIsAuditedWithActorAndRequest() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                           json: ["name": "crm-key", "kind": "bearer", "token": "abc"])
            _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "crm", "connector_type": "http", "connection_url": "https://x.example.com",
            ])
            _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["enabled": false])
            _ = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["timeout_ms": -1])
            _ = try await junction.request(.delete, "/api/v1/connectors/crm", key: tenant.key)
            _ = try await junction.request(.delete, "/api/v1/credentials/crm-key", key: tenant.key)

            let audit = try await junction.request(.get, "/api/v1/audit", key: tenant.key)
            #expect(audit.status == .ok)
            let events = audit.json["events"]?.arrayValue ?? []
            #expect(events.compactMap { $0["action"]?.stringValue } == [
                "credential.delete", "connector.delete", "connector.update", "connector.create", "credential.create",
                "tenant.create",
            ])
            let update = try #require(events.first { $0["action"] == "connector.update" })
            #expect(update["details"]?["fields"] == ["enabled"])
            #expect(update["target"] == "crm")
            #expect(update["actor"]?.stringValue?.hasPrefix("key_") == true)
            #expect(update["request_id"]?.stringValue?.hasPrefix("req_") == true)
            #expect(events.allSatisfy { $0["tenant_id"]?.stringValue == tenant.id })

            let page = try await junction.request(.get, "/api/v1/audit?limit=2", key: tenant.key)
            #expect(page.json["events"]?.arrayValue?.count == 2)
            let before = try #require(page.json["next_before"]?.intValue)
            let next = try await junction.request(.get, "/api/v1/audit?limit=10&before=\(before)", key: tenant.key)
            #expect(next.json["events"]?.arrayValue?.first?["action"] == "connector.update")
            let bad = try await junction.request(.get, "/api/v1/audit?limit=0", key: tenant.key)
            #expect(bad.status == .badRequest)
            #expect(bad.errorField == "limit")
        }
    }
}
