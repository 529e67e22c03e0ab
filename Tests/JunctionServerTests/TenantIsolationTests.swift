import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// Tenant B must not see, change, test or delete tenant A's things, and gets 404 (not 403)
/// so that names do not leak.
@Suite struct TenantIsolationTests {
    @Test func tenantsSeeOnlyTheirOwnConnectorsAndCredentials() async throws {
        try await withJunction { junction in
            let a = try await junction.createTenant("tenant-a")
            let b = try await junction.createTenant("tenant-b")
            _ = try await junction.request(.post, "/api/v1/credentials", key: a.key,
                                           json: ["name": "a-secret", "kind": "bearer", "token": "token-of-a-1234567890"])
            _ = try await junction.request(.post, "/api/v1/connectors", key: a.key, json: [
                "connector_name": "a-crm", "connector_type": "http", "connection_url": "https://a.example.com",
                "credential": "a-secret",
            ])

            let forB: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "/api/v1/connectors/a-crm", nil),
                (.put, "/api/v1/connectors/a-crm", ["enabled": false]),
                (.delete, "/api/v1/connectors/a-crm", nil),
                (.delete, "/api/v1/connectors/a-crm?force=true", nil),
                (.get, "/api/v1/credentials/a-secret", nil),
                (.delete, "/api/v1/credentials/a-secret", nil),
                (.get, "/api/v1/connectors?tenant=tenant-a", nil),
                (.get, "/api/v1/connectors/a-crm?tenant=tenant-a", nil),
                (.get, "/api/v1/credentials?tenant=\(a.id)", nil),
                (.get, "/api/v1/tenants/tenant-a", nil),
            ]
            for (method, path, body) in forB {
                let answer = try await junction.request(method, path, key: b.key, json: body)
                #expect(answer.status == .notFound, "\(method) \(path)")
                #expect(!answer.text.contains("a.example.com"))
            }
            let bConnectors = try await junction.request(.get, "/api/v1/connectors", key: b.key)
            #expect(bConnectors.json["connectors"]?.arrayValue?.isEmpty == true)
            let bCredentials = try await junction.request(.get, "/api/v1/credentials", key: b.key)
            #expect(bCredentials.json["credentials"]?.arrayValue?.isEmpty == true)
            // B cannot link A's credential either: it does not exist in B.
            let borrow = try await junction.request(.post, "/api/v1/connectors", key: b.key, json: [
                "connector_name": "b-crm", "connector_type": "http", "connection_url": "https://b.example.com",
                "credential": "a-secret",
            ])
            #expect(borrow.status == .badRequest)
            #expect(borrow.errorField == "credential")
            let bAudit = try await junction.request(.get, "/api/v1/audit", key: b.key)
            #expect(!bAudit.text.contains("a-crm"))

            let aStill = try await junction.request(.get, "/api/v1/connectors/a-crm", key: a.key)
            #expect(aStill.status == .ok)
            #expect(aStill.json["enabled"] == true)
            #expect(try await junction.request(.get, "/api/v1/credentials/a-secret", key: a.key).status == .ok)
        }
    }

    @Test func theInVPCPlatformKeySeesAllTenantsAndScopesWithTenant() async throws {
        try await withJunction(mode: .invpc) { junction in
            let a = try await junction.createTenant("tenant-a")
            let b = try await junction.createTenant("tenant-b")
            for (tenant, key) in [("a", a.key), ("b", b.key)] {
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
                    "connector_name": "crm", "connector_type": "http", "connection_url": .string("https://\(tenant).example.com"),
                ])
            }
            let all = try await junction.request(.get, "/api/v1/connectors", key: junction.adminKey)
            #expect(all.json["connectors"]?.arrayValue?.count == 2)
            let onlyB = try await junction.request(.get, "/api/v1/connectors?tenant=tenant-b", key: junction.adminKey)
            #expect(onlyB.json["connectors"]?.arrayValue?.map { $0["tenant_id"]?.stringValue } == [b.id])
            let fetched = try await junction.request(.get, "/api/v1/connectors/crm?tenant=\(a.id)", key: junction.adminKey)
            #expect(fetched.json["connection_url"] == "https://a.example.com")
            let unscoped = try await junction.request(.get, "/api/v1/connectors/crm", key: junction.adminKey)
            #expect(unscoped.status == .badRequest)
            #expect(unscoped.errorField == "tenant")
            let created = try await junction.request(.post, "/api/v1/connectors?tenant=tenant-a", key: junction.adminKey, json: [
                "connector_name": "erp", "connector_type": "http", "connection_url": "https://erp.example.com",
            ])
            #expect(created.status == .created)
            #expect(created.json["tenant_id"]?.stringValue == a.id)
            let unknown = try await junction.request(.get, "/api/v1/connectors?tenant=ghost", key: junction.adminKey)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorField == "tenant")
        }
    }

    @Test func theSaaSPlatformKeyManagesTenantsButReadsNoTenantData() async throws {
        try await withJunction(mode: .saas) { junction in
            let a = try await junction.createTenant("tenant-a")
            _ = try await junction.request(.post, "/api/v1/connectors", key: a.key, json: [
                "connector_name": "crm", "connector_type": "http", "connection_url": "https://a.example.com",
            ])
            for path in ["/api/v1/connectors", "/api/v1/connectors?tenant=tenant-a", "/api/v1/connectors/crm?tenant=tenant-a",
                         "/api/v1/credentials", "/api/v1/credentials?tenant=tenant-a"] {
                let answer = try await junction.request(.get, path, key: junction.adminKey)
                #expect(answer.status == .forbidden, "\(path)")
                #expect(answer.errorCode == "forbidden")
            }
            let audit = try await junction.request(.get, "/api/v1/audit", key: junction.adminKey)
            let actions = Set(audit.json["events"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? [])
            #expect(actions.contains("tenant.create"))
            #expect(!actions.contains("connector.create"))
            // Nor can it mint itself a way in: keys for a tenant are made by the tenant.
            let key = try await junction.request(.post, "/api/v1/keys", key: junction.adminKey, json: ["tenant": "tenant-a"])
            #expect(key.status == .forbidden)
            #expect(key.errorField == "tenant")
            // It may still list (and so revoke) a tenant's keys: that is key management.
            let keys = try await junction.request(.get, "/api/v1/keys?tenant=tenant-a", key: junction.adminKey)
            #expect(keys.status == .ok)
            #expect(keys.json["keys"]?.arrayValue?.count == 1)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: a.key).json["connectors"]?.arrayValue?.count == 1)
        }
    }
}
