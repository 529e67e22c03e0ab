import Foundation
import HTTPTypes
import JunctionClient
import JunctionCore
import JunctionTesting
import Testing

/// The Swift SDK (`Junction`) against a live server and a real loopback upstream.
@Suite struct SwiftSDKTests {
    /// A server with tenant `acme`, its credential `crm-token` and the connector `crm` (the
    /// resources of `InvokeTests.connector`, no retries) on `upstream`, and an SDK client with
    /// the tenant's key.
    static func withCRM(
        _ body: @Sendable (_ junction: Junction, _ harness: JunctionHarness, _ tenant: (id: String, key: String), _ upstream: UpstreamServer)
            async throws -> Void
    ) async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { harness in
                let tenant = try await harness.createTenant("acme")
                let credential = try await harness.request(
                    .post, "/api/v1/credentials", key: tenant.key,
                    json: ["name": "crm-token", "kind": "bearer", "token": "bearer-secret-0123456789"])
                #expect(credential.status == .created)
                let connector = InvokeTests.connector(
                    "crm", url: upstream.url, extra: ["max_retries": 0, "description": "The CRM"])
                let created = try await harness.request(.post, "/api/v1/connectors", key: tenant.key, json: connector)
                #expect(created.status == .created, "\(created.text)")
                try await body(Junction(url: harness.baseURL, apiKey: tenant.key), harness, tenant, upstream)
            }
        }
    }

    /// Runs `call`, requiring it to throw `JunctionAPIError`, and returns that error.
    static func apiError(_ call: () async throws -> Void) async throws -> JunctionAPIError {
        do {
            try await call()
        } catch let error as JunctionAPIError {
            return error
        }
        Issue.record("expected a JunctionAPIError")
        throw HarnessError("no error thrown")
    }

    @Test func aSuccessfulCallReturnsTheTypedEnvelopeWithOptionsAndIdempotencyKeySent() async throws {
        try await Self.withCRM { junction, _, tenant, upstream in
            let envelope = try await junction.connector(
                "crm", "create-customer", ["email": "ana@example.com"],
                options: .init(credential: "crm-token", timeout: .seconds(5), retries: 0, headers: ["X-Team": "core"]),
                idempotencyKey: "signup-1")
            #expect(envelope.success)
            #expect(envelope.error == nil)
            let echoed = try #require(envelope.data)
            #expect(echoed["body"] == ["email": "ana@example.com"], "the upstream saw the input")
            #expect(echoed["method"] == "POST")
            #expect(echoed["headers"]?["authorization"] == "Bearer [redacted]", "options.credential was used")
            #expect(echoed["headers"]?["x-team"] == "core", "options.headers were sent")
            #expect(echoed["headers"]?["idempotency-key"] == "signup-1")
            #expect(envelope.metadata.connector == "crm")
            #expect(envelope.metadata.resource == "create-customer")
            #expect(envelope.metadata.tenant == tenant.id)
            #expect(envelope.metadata.status == 201)
            #expect(envelope.metadata.attempts == 1)
            #expect(envelope.metadata.mock == false)
            #expect(envelope.metadata.durationMilliseconds >= 0)
            #expect(!envelope.metadata.requestID.isEmpty)
            #expect(upstream.count("echo") == 1)

            let read = try await junction.connector("crm", "get-customer", ["id": "a b/c"])
            #expect(read.data?["path"] == "/echo/customers/a%20b%2Fc")
            #expect(read.data?["headers"]?["authorization"] == nil, "no credential unless asked for")
        }
    }

    @Test func aFailedCallIsAnEnvelopeNotAnError() async throws {
        try await Self.withCRM { junction, _, _, upstream in
            let failed = try await junction.connector("crm", "status", ["code": "500"])
            #expect(failed.success == false)
            let failure = try #require(failed.error)
            #expect(failure.code == .upstreamError)
            #expect(failure.upstreamStatus == 500)
            #expect(failed.data?["error"] == "status 500", "the upstream's body is kept")
            #expect(failed.metadata.status == 500)
            #expect(failed.metadata.attempts == 1, "max_retries 0")
            #expect(upstream.count("status") == 1)

            let invalid = try await junction.connector("crm", "get-customer", ["id": 42])
            #expect(invalid.success == false)
            #expect(invalid.error?.code == .invalidInput)
            #expect(invalid.error?.field == "data.id")

            let unknown = try await junction.connector("crm", "no-such-resource")
            #expect(unknown.error?.code == .notFound)
            let ghost = try await junction.connector("ghost", "get-customer")
            #expect(ghost.error?.code == .notFound)
        }
    }

    @Test func theMockOptionAnswersWithoutTheNetwork() async throws {
        try await withJunction { harness in
            let tenant = try await harness.createTenant("acme")
            // Nothing listens on port 1: any network call would fail.
            _ = try await harness.request(
                .post, "/api/v1/connectors", key: tenant.key, json: InvokeTests.connector("crm", url: "http://127.0.0.1:1", extra: ["max_retries": 0]))
            let junction = Junction(url: harness.baseURL, apiKey: tenant.key)
            let mocked = try await junction.connector("crm", "get-customer", ["id": "1"], options: .init(mock: true))
            #expect(mocked.success)
            #expect(mocked.data == ["id": "mock-1", "name": "Mock Customer"])
            #expect(mocked.metadata.mock)
            #expect(mocked.metadata.attempts == 0)
            let live = try await junction.connector("crm", "get-customer", ["id": "1"])
            #expect(live.error?.code == .connectionRefused, "without the option the call goes out")
        }
    }

    @Test func theTimeoutOptionIsHonoured() async throws {
        try await Self.withCRM { junction, _, _, _ in
            // The connector allows 2 s per attempt: 600 ms passes without the option.
            let slowButFine = try await junction.connector("crm", "slow", ["ms": 600])
            #expect(slowButFine.success, "\(String(describing: slowButFine.error))")
            let timedOut = try await junction.connector("crm", "slow", ["ms": 600], options: .init(timeout: .milliseconds(100)))
            #expect(timedOut.success == false)
            #expect(timedOut.error?.code == .timeout, "the same call succeeds without the option")
        }
    }

    @Test func optionsSerializeToWhatTheServerParses() throws {
        let options = Junction.InvokeOptions(
            credential: "cred-b", timeout: .seconds(10), retries: 3, mock: true, headers: ["X-Team": "core"])
        let parsed = try JunctionCore.InvokeOptions(json: options.json)
        #expect(parsed == JunctionCore.InvokeOptions(
            credential: Slug("cred-b"), timeout: .milliseconds(10_000), retries: 3, mock: true, headers: ["X-Team": "core"]))
        #expect(Junction.InvokeOptions().json == [:], "unset options leave the connector's settings")
        #expect(Junction.InvokeOptions(timeout: .microseconds(1500)).json == ["timeout_ms": 2], "rounded up")
        #expect(Junction.InvokeOptions(timeout: .microseconds(1)).json == ["timeout_ms": 1], "never 0")
    }

    @Test func refusedRequestsThrowJunctionAPIError() async throws {
        try await Self.withCRM { junction, harness, _, _ in
            let stranger = Junction(url: harness.baseURL, apiKey: "jk_not-a-key")
            let unauthorized = try await Self.apiError { _ = try await stranger.connector("crm", "get-customer", ["id": "1"]) }
            #expect(unauthorized.status == 401)
            #expect(unauthorized.code == .unauthorized)
            let alsoUnauthorized = try await Self.apiError { _ = try await stranger.loadConnector("crm") }
            #expect(alsoUnauthorized.status == 401)

            let badOptions = try await Self.apiError {
                _ = try await junction.connector("crm", "get-customer", ["id": "1"], options: .init(retries: 99))
            }
            #expect(badOptions.status == 400)
            #expect(badOptions.code == .invalidInput)
            #expect(badOptions.field == "options.retries")

            // AsyncHTTPClient retries refused connections until the deadline, then reports the refusal.
            let nowhere = Junction(url: "http://127.0.0.1:1", apiKey: "jk_x", timeout: .milliseconds(500))
            let unreachable = try await Self.apiError { _ = try await nowhere.connector("crm", "get-customer") }
            #expect(unreachable.status == 0)
            #expect(unreachable.code == .connectionFailed, "\(unreachable)")
            #expect(unreachable.cause != nil)
        }
    }

    @Test func loadConnectorGivesItsResourcesToolsAndCalls() async throws {
        try await Self.withCRM { junction, _, _, _ in
            let crm = try await junction.loadConnector("crm")
            #expect(crm.name == "crm")
            #expect(crm.type == "http")
            #expect(crm.description == "The CRM")
            #expect(crm.record["max_retries"] == 0)

            let resources = try await crm.resources()
            #expect(resources.count == 10)
            let get = try #require(resources.first { $0.slug == "get-customer" })
            #expect(get.kind == .read)
            #expect(get.hasMock)
            #expect(get.description == "A customer by id")
            #expect(get.inputSchema["required"] == ["id"])
            #expect(get.outputSchema == nil)
            let create = try #require(resources.first { $0.slug == "create-customer" })
            #expect(create.kind == .write)
            #expect(create.hasMock == false)

            let tool = try await crm.tool("get-customer")
            #expect(tool.name == "crm__get-customer")
            #expect(tool.connector == "crm")
            #expect(tool.resource == "get-customer")
            #expect(tool.title == "get-customer")
            #expect(tool.description == "A customer by id")
            #expect(tool.kind == .read)
            #expect(tool.inputSchema["type"] == "object")
            #expect(tool.inputSchema["properties"]?["id"] == ["type": "string"])
            let missing = try await Self.apiError { _ = try await crm.tool("no-such-resource") }
            #expect(missing.code == .notFound)
            #expect(try await crm.tools().map(\.resource) == resources.map(\.slug))

            let envelope = try await crm.invoke("get-customer", ["id": "7"])
            #expect(envelope.data?["path"] == "/echo/customers/7")
        }
    }

    @Test func loadingAnUnknownConnectorThrowsNotFound() async throws {
        try await Self.withCRM { junction, _, _, _ in
            for name in ["ghost", "Not A Slug/..", "crm?x=1"] {
                let error = try await Self.apiError { _ = try await junction.loadConnector(name) }
                #expect(error.status == 404, "\(name)")
                #expect(error.code == .notFound, "\(name)")
            }
        }
    }

    @Test func toolDefinitionsAreProviderReadyForEveryFormat() async throws {
        try await Self.withCRM { junction, harness, tenant, upstream in
            _ = try await harness.request(
                .post, "/api/v1/connectors", key: tenant.key, json: InvokeTests.connector("billing", url: upstream.url))
            let all = try await junction.tools()
            #expect(Set(all.map(\.connector)) == ["billing", "crm"])
            let crmTools = try await junction.tools(connector: "crm")
            #expect(crmTools.count == 10)
            #expect(crmTools.allSatisfy { $0.connector == "crm" })

            let crm = try await junction.loadConnector("crm")
            for format in ToolFormat.allCases {
                let definitions = try await crm.toolDefinitions(for: format)
                let items = try #require(definitions.arrayValue, "\(format)")
                #expect(!items.isEmpty, "\(format)")
                let declarations: [JSONValue]
                switch format {
                case .openai:
                    #expect(items.allSatisfy { $0["type"] == "function" })
                    declarations = items.compactMap { $0["function"] }
                    #expect(declarations.allSatisfy { $0["parameters"]?["type"] == "object" })
                case .anthropic:
                    declarations = items
                    #expect(declarations.allSatisfy { $0["input_schema"]?["type"] == "object" })
                case .gemini:
                    #expect(items.count == 1)
                    declarations = items.first?["functionDeclarations"]?.arrayValue ?? []
                }
                #expect(declarations.compactMap { $0["name"]?.stringValue } == crmTools.map(\.name), "\(format)")
                #expect(declarations.allSatisfy { $0["description"]?.stringValue?.isEmpty == false }, "\(format)")
            }
            let everything = try await junction.toolDefinitions(for: .anthropic)
            #expect(everything.arrayValue?.count == all.count)
        }
    }

    @Test func aPlatformKeyActsOnTheTenantItNames() async throws {
        try await Self.withCRM { _, harness, tenant, _ in
            for name in ["acme", tenant.id] {
                let platform = Junction(url: harness.baseURL, apiKey: harness.adminKey, tenant: name)
                let envelope = try await platform.connector("crm", "get-customer", ["id": "1"])
                #expect(envelope.success)
                #expect(envelope.metadata.tenant == tenant.id)
                #expect(try await platform.loadConnector("crm").name == "crm")
                #expect(try await platform.loadConnector("crm").resources().count == 10)
                #expect(try await platform.tools().count == 10)
            }
            let unscoped = Junction(url: harness.baseURL, apiKey: harness.adminKey)
            let error = try await Self.apiError { _ = try await unscoped.connector("crm", "get-customer", ["id": "1"]) }
            #expect(error.status == 400)
            #expect(error.field == "tenant")
            let elsewhere = Junction(url: harness.baseURL, apiKey: harness.adminKey, tenant: "nobody")
            let missing = try await Self.apiError { _ = try await elsewhere.loadConnector("crm") }
            #expect(missing.code == .notFound)
            #expect(missing.field == "tenant")
        }
    }
}
