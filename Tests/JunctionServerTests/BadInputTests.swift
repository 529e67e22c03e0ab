import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

@Suite struct BadInputTests {
    @Test(arguments: [
        ("{\"connector_name\": \"crm\",", "invalid_input"),
        ("[1, 2, 3]", "invalid_input"),
        ("\"just a string\"", "invalid_input"),
        ("", "invalid_input"),
        ("null", "invalid_input"),
    ])
    func malformedBodiesAre400AndWriteNothing(raw: String, code: String) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            for path in ["/api/v1/connectors", "/api/v1/credentials"] {
                let answer = try await junction.request(.post, path, key: tenant.key, raw: raw)
                #expect(answer.status == .badRequest, "\(path) \(raw)")
                #expect(answer.errorCode == code)
            }
            let listed = try await junction.request(.get, "/api/v1/connectors", key: tenant.key)
            #expect(listed.json["connectors"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withJunction(maxBodyBytes: 4096) { junction in
            let tenant = try await junction.createTenant("acme")
            let big = String(repeating: "x", count: 5000)
            let answer = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "crm", "connector_type": "http", "connection_url": "https://x.example.com",
                "description": .string(big),
            ])
            #expect(answer.status == .contentTooLarge)
            #expect(answer.errorCode == "payload_too_large")
            #expect(try await junction.request(.get, "/api/v1/connectors/crm", key: tenant.key).status == .notFound)
            // Just under the limit is accepted.
            let fits = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "crm", "connector_type": "http", "connection_url": "https://x.example.com",
                "description": .string(String(repeating: "x", count: 1900)),
            ])
            #expect(fits.status == .created)
        }
    }

    @Test func nonJSONContentTypesAre415() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let answer = try await junction.request(
                .post, "/api/v1/connectors", key: tenant.key, raw: "connector_name=crm", headers: headers)
            #expect(answer.status == .unsupportedMediaType)
            #expect(answer.errorCode == "unsupported_media_type")
        }
    }

    @Test func requestIDsAreEchoedOrMade() async throws {
        try await withJunction { junction in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "trace-123"
            let echoed = try await junction.request(.get, "/health", key: nil, headers: headers)
            #expect(echoed.headers[HTTPField.Name("X-Request-Id")!] == "trace-123")
            let made = try await junction.request(.get, "/health", key: nil)
            #expect(made.headers[HTTPField.Name("X-Request-Id")!]?.hasPrefix("req_") == true)
        }
    }
}
