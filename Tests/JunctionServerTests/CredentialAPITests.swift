import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

@Suite struct CredentialAPITests {
    static let longSecret = "sk_live_0123456789abcdefSECRET"

    /// One valid body per kind, with the secret field that must never come back.
    static let kinds: [(JSONValue, String)] = [
        (["name": "k-api", "kind": "api_key", "in": "query", "key_name": "appid", "value": .string(longSecret)], "value"),
        (["name": "k-bearer", "kind": "bearer", "token": .string(longSecret)], "token"),
        (["name": "k-basic", "kind": "basic", "username": "bob", "password": .string(longSecret)], "password"),
        ([
            "name": "k-oauth", "kind": "oauth2_client_credentials", "token_url": "https://auth.example.com/token",
            "client_id": "client-1", "client_secret": .string(longSecret), "scopes": ["read", "write"],
        ], "client_secret"),
        (["name": "k-headers", "kind": "headers", "headers": ["X-Api-Key": .string(longSecret)]], "headers"),
    ]

    @Test(arguments: kinds)
    func eachKindIsStoredAndOnlyMaskedComesBack(body: JSONValue, secretField: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
            #expect(created.status == .created)
            #expect(created.json["kind"] == body["kind"])
            #expect(created.json[secretField] != nil)
            #expect(!created.text.contains(Self.longSecret))
            #expect(created.text.contains("CRET"))  // the hint's last four characters
            let name = try #require(body["name"]?.stringValue)
            let fetched = try await junction.request(.get, "/api/v1/credentials/\(name)", key: tenant.key)
            #expect(fetched.status == .ok)
            #expect(!fetched.text.contains(Self.longSecret))
            let listed = try await junction.request(.get, "/api/v1/credentials", key: tenant.key)
            #expect(listed.json["credentials"]?.arrayValue?.count == 1)
            #expect(!listed.text.contains(Self.longSecret))
        }
    }

    @Test func nonSecretFieldsAndDefaultsAreShown() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(
                .post, "/api/v1/credentials", key: tenant.key, json: ["name": "crm", "kind": "api_key", "value": "short"])
            #expect(created.json["in"] == "header")
            #expect(created.json["key_name"] == "X-API-Key")
            #expect(created.json["value"] == "••••")
        }
    }

    @Test func referencesAreKeptAsReferences() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(
                .post, "/api/v1/credentials", key: tenant.key,
                json: ["name": "from-env", "kind": "bearer", "token": "env:JUNCTION_SECRET_ACME_CRM_TOKEN"])
            #expect(created.status == .created)
            #expect(created.json["token"] == "env:JUNCTION_SECRET_ACME_CRM_TOKEN")
        }
    }

    /// A reference is read with the server's privileges: tenants may not point one at the
    /// server's own environment, its data directory or any file outside the operator's choice.
    @Test(arguments: [
        "file:relative", "env:JUNCTION_MASTER_KEY", "env:HOME", "env:JUNCTION_SECRET_", "file:/etc/passwd",
        "file:/tmp/junction-data/master.key", "env:JUNCTION_SECRET_OTHER_TOKEN", "env:JUNCTION_SECRET_ACME_",
    ] as [String])
    func referencesOutsideThePolicyAreRefused(reference: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            for body: JSONValue in [
                ["name": "bad", "kind": "bearer", "token": .string(reference)],
                ["name": "bad", "kind": "headers", "headers": ["X-Key": .string(reference)]],
            ] {
                let answer = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
                #expect(answer.status == .badRequest, "\(reference)")
                #expect(answer.errorField?.hasPrefix(body["kind"] == "headers" ? "headers.X-Key" : "token") == true)
            }
        }
    }

    static let malformed: [(JSONValue, String)] = [
        (["name": "h", "kind": "headers", "headers": ["Bad Name": "v"]], "headers.Bad Name"),
        (["name": "h", "kind": "headers", "headers": ["X-Ok": "line\r\nX-Evil: 1"]], "headers.X-Ok"),
        (["name": "h", "kind": "api_key", "key_name": "", "value": "v"], "key_name"),
        (["name": "h", "kind": "api_key", "key_name": "X Key", "value": "v"], "key_name"),
        (["name": "h", "kind": "oauth2_client_credentials", "token_url": "https://id:pw@auth.example.com/t",
          "client_id": "c", "client_secret": "s"], "token_url"),
    ]

    @Test(arguments: malformed)
    func headerNamesAndURLsAreChecked(body: JSONValue, field: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
            #expect(answer.status == .badRequest)
            #expect(answer.errorField == field)
        }
    }

    @Test func credentialHeadersMayCarryAuthorization() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                "name": "h", "kind": "headers", "headers": ["Authorization": "Token abcdefghijklmnopqrstu"],
            ])
            #expect(answer.status == .created)
            #expect(answer.json["headers"]?["Authorization"] == "••••rstu")
        }
    }

    static let badBodies: [(JSONValue, String)] = [
        (["kind": "bearer", "token": "t"], "name"),
        (["name": "Bad Name", "kind": "bearer", "token": "t"], "name"),
        (["name": "x", "token": "t"], "kind"),
        (["name": "x", "kind": "magic", "token": "t"], "kind"),
        (["name": "x", "kind": "bearer"], "token"),
        (["name": "x", "kind": "bearer", "token": 42], "token"),
        (["name": "x", "kind": "bearer", "token": "t", "extra": 1], "extra"),
        (["name": "x", "kind": "basic", "password": "p"], "username"),
        (["name": "x", "kind": "api_key", "in": "cookie", "value": "v"], "in"),
        (["name": "x", "kind": "headers", "headers": ["A": 1]], "headers"),
        (["name": "x", "kind": "oauth2_client_credentials", "token_url": "ftp://x", "client_id": "c", "client_secret": "s"], "token_url"),
        (["name": "x", "kind": "bearer", "token": "env:1BAD"], "token"),
    ]

    @Test(arguments: badBodies)
    func badCredentialsAreRejectedNamingTheField(body: JSONValue, field: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
            #expect(answer.status == .badRequest)
            #expect(answer.errorCode == "invalid_input")
            #expect(answer.errorField == field)
            let listed = try await junction.request(.get, "/api/v1/credentials", key: tenant.key)
            #expect(listed.json["credentials"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func duplicateNamesConflictAndDeletingUsedCredentialsNamesTheConnectors() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let body: JSONValue = ["name": "crm-key", "kind": "bearer", "token": "t0k3n"]
            #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body).status == .created)
            let duplicate = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorField == "name")
            for name in ["crm", "billing"] {
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": .string(name), "connector_type": "http",
                    "connection_url": "https://api.example.com", "credential": "crm-key",
                ])
                #expect(created.status == .created)
            }
            let blocked = try await junction.request(.delete, "/api/v1/credentials/crm-key", key: tenant.key)
            #expect(blocked.status == .conflict)
            #expect(blocked.json["error"]?["details"]?["connectors"] == ["billing", "crm"])
            #expect(blocked.json["error"]?["message"]?.stringValue?.contains("billing, crm") == true)
            for name in ["crm", "billing"] {
                #expect(try await junction.request(.delete, "/api/v1/connectors/\(name)", key: tenant.key).status == .noContent)
            }
            #expect(try await junction.request(.delete, "/api/v1/credentials/crm-key", key: tenant.key).status == .noContent)
            #expect(try await junction.request(.get, "/api/v1/credentials/crm-key", key: tenant.key).status == .notFound)
            #expect(try await junction.request(.delete, "/api/v1/credentials/crm-key", key: tenant.key).status == .notFound)
        }
    }
}
