import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

@Suite struct TenantAndKeyTests {
    @Test func healthReadyAndOpenAPIAreServedWithoutAKey() async throws {
        try await withJunction { junction in
            let health = try await junction.request(.get, "/health", key: nil)
            #expect(health.status == .ok)
            #expect(health.json["status"] == "ok")
            let ready = try await junction.request(.get, "/ready", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["status"] == "ready")
            let document = try await junction.request(.get, "/openapi.json", key: nil)
            #expect(document.status == .ok)
            #expect(document.json["openapi"]?.stringValue?.hasPrefix("3.1") == true)
            #expect(document.json["paths"]?["/api/v1/connectors/{name}"] != nil)
        }
    }

    @Test(arguments: [
        ("", "missing"),
        ("Bearer", "empty"),
        ("Bearer jk_nope", "malformed"),
        ("Bearer jk_0123456789abcdef0123456789abcdef_wrongsecret", "unknown id"),
        ("Basic dXNlcjpwYXNz", "wrong scheme"),
    ])
    func everyAPICallWithoutAValidKeyIs401(header: String, label: String) async throws {
        try await withJunction { junction in
            var headers = HTTPFields()
            if !header.isEmpty { headers[.authorization] = header }
            for path in ["/api/v1/connectors", "/api/v1/credentials", "/api/v1/tenants", "/api/v1/audit", "/api/v1/nope"] {
                let answer = try await junction.request(.get, path, key: nil, headers: headers)
                #expect(answer.status == .unauthorized, "\(label) \(path)")
                #expect(answer.errorCode == "unauthorized", "\(label) \(path)")
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test func aKeyWithTheRightIdButWrongSecretIsRejected() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            var forged = tenant.key
            forged.removeLast()
            forged.append(tenant.key.last == "A" ? "B" : "A")
            let answer = try await junction.request(.get, "/api/v1/connectors", key: forged)
            #expect(answer.status == .unauthorized)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: tenant.key).status == .ok)
        }
    }

    @Test func creatingATenantReturnsItsKeyOnceAndTheKeyWorks() async throws {
        try await withJunction { junction in
            let created = try await junction.request(.post, "/api/v1/tenants", key: junction.adminKey, json: ["name": "acme"])
            #expect(created.status == .created)
            #expect(created.json["name"] == "acme")
            let key = try #require(created.json["api_key"]?.stringValue)
            #expect(key.hasPrefix("jk_"))
            let listed = try await junction.request(.get, "/api/v1/tenants", key: junction.adminKey)
            #expect(listed.json["tenants"]?.arrayValue?.count == 1)
            #expect(!listed.text.contains(key))
            let own = try await junction.request(.get, "/api/v1/tenants", key: key)
            #expect(own.json["tenants"]?.arrayValue?.first?["name"] == "acme")
            let keys = try await junction.request(.get, "/api/v1/keys", key: key)
            #expect(keys.json["keys"]?.arrayValue?.count == 1)
            #expect(!keys.text.contains(key))
        }
    }

    @Test func tenantNamesAreSlugsAndUnique() async throws {
        try await withJunction { junction in
            _ = try await junction.createTenant("acme")
            let duplicate = try await junction.request(.post, "/api/v1/tenants", key: junction.adminKey, json: ["name": "acme"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorField == "name")
            for bad: JSONValue in ["Acme", "-x", "", "a b", .integer(3)] {
                let answer = try await junction.request(.post, "/api/v1/tenants", key: junction.adminKey, json: ["name": bad])
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.errorField == "name", "\(bad)")
            }
            let extra = try await junction.request(
                .post, "/api/v1/tenants", key: junction.adminKey, json: ["name": "beta", "plan": "gold"])
            #expect(extra.status == .badRequest)
            #expect(extra.errorField == "plan")
            #expect(try await junction.request(.get, "/api/v1/tenants", key: junction.adminKey).json["tenants"]?.arrayValue?.count == 1)
        }
    }

    @Test func onlyThePlatformKeyCreatesTenants() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/tenants", key: tenant.key, json: ["name": "evil"])
            #expect(answer.status == .forbidden)
            #expect(answer.errorCode == "forbidden")
        }
    }

    @Test func moreKeysCanBeCreatedListedAndRevoked() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let second = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "ci"])
            #expect(second.status == .created)
            #expect(second.json["tenant_id"]?.stringValue == tenant.id)
            let secondKey = try #require(second.json["api_key"]?.stringValue)
            let secondID = try #require(second.json["id"]?.stringValue)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: secondKey).status == .ok)

            let byAdmin = try await junction.request(
                .post, "/api/v1/keys", key: junction.adminKey, json: ["name": "ops", "tenant": "acme"])
            #expect(byAdmin.status == .created)
            #expect(byAdmin.json["tenant_id"]?.stringValue == tenant.id)
            let listed = try await junction.request(.get, "/api/v1/keys", key: tenant.key)
            #expect(listed.json["keys"]?.arrayValue?.count == 3)

            let revoked = try await junction.request(.delete, "/api/v1/keys/\(secondID)", key: tenant.key)
            #expect(revoked.status == .noContent)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: secondKey).status == .unauthorized)
        }
    }

    @Test func aTenantCannotMakeOrRevokeKeysOfAnother() async throws {
        try await withJunction { junction in
            let a = try await junction.createTenant("tenant-a")
            let b = try await junction.createTenant("tenant-b")
            let forOther = try await junction.request(.post, "/api/v1/keys", key: b.key, json: ["tenant": "tenant-a"])
            #expect(forOther.status == .notFound)
            let aKeys = try await junction.request(.get, "/api/v1/keys", key: a.key)
            let aKeyID = try #require(aKeys.json["keys"]?.arrayValue?.first?["id"]?.stringValue)
            let revoke = try await junction.request(.delete, "/api/v1/keys/\(aKeyID)", key: b.key)
            #expect(revoke.status == .notFound)
            #expect(try await junction.request(.get, "/api/v1/connectors", key: a.key).status == .ok)
        }
    }

    @Test func theLastPlatformKeyCannotBeRevokedButOthersCan() async throws {
        try await withJunction { junction in
            let keys = try await junction.request(.get, "/api/v1/keys", key: junction.adminKey)
            let adminID = try #require(keys.json["keys"]?.arrayValue?.first?["id"]?.stringValue)
            let blocked = try await junction.request(.delete, "/api/v1/keys/\(adminID)", key: junction.adminKey)
            #expect(blocked.status == .conflict)
            let unnamed = try await junction.request(.post, "/api/v1/keys", key: junction.adminKey)
            #expect(unnamed.status == .badRequest, "a platform key is never made by omission")
            #expect(unnamed.errorField == "tenant")
            let second = try await junction.request(.post, "/api/v1/keys", key: junction.adminKey, json: ["platform": true])
            #expect(second.status == .created)
            #expect(second.json["tenant_id"] == .null)
            let secondKey = try #require(second.json["api_key"]?.stringValue)
            #expect(try await junction.request(.delete, "/api/v1/keys/\(adminID)", key: secondKey).status == .noContent)
            #expect(try await junction.request(.get, "/api/v1/keys", key: junction.adminKey).status == .unauthorized)
            let badName = try await junction.request(.post, "/api/v1/keys", key: secondKey, json: ["name": ""])
            #expect(badName.status == .badRequest)
            #expect(badName.errorField == "name")
        }
    }

    @Test(arguments: ["//api/v1/connector-types", "/api//v1/connectors", "//api//v1/tenants"])
    func pathsWithEmptySegmentsAreGuardedToo(path: String) async throws {
        try await withJunction { junction in
            let answer = try await junction.request(.get, path, key: nil)
            #expect(answer.status == .unauthorized)
        }
    }

    @Test func aTenantProbingThePlatformKeyGetsNotFound() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let keys = try await junction.request(.get, "/api/v1/keys", key: junction.adminKey)
            let adminID = try #require(keys.json["keys"]?.arrayValue?.first?["id"]?.stringValue)
            let probe = try await junction.request(.delete, "/api/v1/keys/\(adminID)", key: tenant.key)
            #expect(probe.status == .notFound)
            #expect(try await junction.request(.get, "/api/v1/keys", key: junction.adminKey).status == .ok)
        }
    }

    @Test func unknownRoutesAnswerTheErrorShape() async throws {
        try await withJunction { junction in
            let answer = try await junction.request(.get, "/api/v1/nope", key: junction.adminKey)
            #expect(answer.status == .notFound)
            #expect(answer.errorCode == "not_found")
            #expect(answer.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }
}
