import Foundation
import HTTPTypes
import JunctionClient
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// One connector type as the conformance suite drives it: where a working upstream comes
/// from, and the create body of a connector of the type reaching a given upstream.
struct ConformanceFixture: Sendable, CustomTestStringConvertible {
    /// The type's name.
    var type: String
    /// Runs `body` with the base URL of a real upstream the type works against; `nil` for
    /// types that reach no upstream (triggers).
    var upstream: (@Sendable (_ body: @Sendable (String) async throws -> Void) async throws -> Void)?
    /// A create body for connector `name` reaching the upstream at `url` (`nil`: none), linked to `credential`.
    var body: @Sendable (_ name: String, _ url: String?, _ credential: String?) -> JSONValue
    /// A call that succeeds against the working upstream.
    var call: (resource: String, data: JSONValue)?

    var testDescription: String { type }

    var spec: ConnectorSpec { ConnectorRegistry.builtIn.spec(for: type)! }
    var invokes: Bool { spec.capabilities.contains(.invoke) }

    /// A real Python peer serving `script`.
    static func peer(_ script: @escaping @Sendable () throws -> String) -> @Sendable (@Sendable (String) async throws -> Void) async throws -> Void {
        { body in try await PythonPeer.with(script: try script()) { try await body($0.url) } }
    }

    static let all: [ConformanceFixture] = [
        ConformanceFixture(
            type: "http", upstream: { body in try await UpstreamServer.with { try await body($0.url) } },
            body: { name, url, credential in
                connector(name, "http", url, credential, options: ["resources": [["slug": "ping", "path": "/echo/ping"]]])
            },
            call: ("ping", [:])),
        ConformanceFixture(
            type: "graphql", upstream: peer { GraphQLTests.server },
            body: { name, url, credential in
                connector(name, "graphql", url.map { $0 + "/graphql" }, credential, options: [
                    "resources": [["slug": "ping", "query": "query Ping { __typename }"]],
                ])
            },
            call: ("ping", [:])),
        ConformanceFixture(
            type: "soap", upstream: peer { SOAPTests.server },
            body: { name, url, credential in
                connector(name, "soap", url, credential, options: [
                    "resources": [["slug": "add", "operation": "add", "namespace": "urn:junction:calc"]],
                ])
            },
            call: ("add", ["a": 2, "b": 3])),
        ConformanceFixture(
            type: "mcp", upstream: peer { try MCPConnectorTests.httpPeerScript() },
            body: { name, url, credential in connector(name, "mcp", url.map { $0 + "/mcp" }, credential) },
            call: ("add", ["a": 2, "b": 3])),
        ConformanceFixture(
            type: "llm", upstream: peer { LLMConnectorTests.openAICompatibleServer },
            body: { name, url, credential in
                connector(name, "llm", url.map { $0 + "/v1" }, credential, options: ["provider": "openai", "model": "echo"])
            },
            call: ("chat", ["prompt": "hi"])),
        ConformanceFixture(
            type: "postgres",
            upstream: { body in
                try await TestPostgres.withDatabase { database in
                    try await TestPostgres.ensureRole(ConnectorConformanceTests.login, password: ConnectorConformanceTests.secret)
                    try await body(database.url)
                }
            },
            body: { name, url, credential in
                // The suite's refused and silent upstreams are given as http://host:port.
                let address = url.map { $0.hasPrefix("http://") ? "postgres://" + $0.dropFirst("http://".count) + "/junction" : $0 }
                return connector(name, "postgres", address, credential, options: ["tls": "disable"])
            },
            call: ("query", ["sql": "SELECT 1 AS one"])),
        ConformanceFixture(
            type: "smtp",
            upstream: { body in
                try await MailPeer.with(login: ConnectorConformanceTests.login, password: ConnectorConformanceTests.secret) { try await body($0.url) }
            },
            body: { name, url, credential in
                let address = url.map { $0.hasPrefix("http://") ? "smtp://" + $0.dropFirst("http://".count) : $0 }
                return connector(name, "smtp", address, credential, options: ["from": "agents@example.com", "starttls": false])
            },
            call: ("send", ["to": "ana@example.com", "subject": "Conformance", "text": "hello"])),
        ConformanceFixture(
            type: "sftp",
            upstream: { body in
                try TestSFTP.ensureUser(ConnectorConformanceTests.login, password: ConnectorConformanceTests.secret)
                try await body(TestSFTP.url)
            },
            body: { name, url, credential in
                let address = url.map { $0.hasPrefix("http://") ? "sftp://" + $0.dropFirst("http://".count) : $0 }
                return connector(name, "sftp", address, credential, options: ["host_key_fingerprint": .string(TestSFTP.fingerprint)])
            },
            call: ("list", [:])),
        ConformanceFixture(
            type: "ftp",
            upstream: { body in
                try await FTPPeer.with(login: ConnectorConformanceTests.login, password: ConnectorConformanceTests.secret) { try await body($0.url) }
            },
            body: { name, url, credential in
                let address = url.map { $0.hasPrefix("http://") ? "ftp://" + $0.dropFirst("http://".count) : $0 }
                return connector(name, "ftp", address, credential, options: ["tls": "none"])
            },
            call: ("list", [:])),
        ConformanceFixture(
            type: "webhook", upstream: nil,
            body: { name, _, _ in ["connector_name": .string(name), "connector_type": "webhook", "mode": "inbound"] }),
        ConformanceFixture(
            type: "cron", upstream: nil,
            body: { name, _, _ in
                ["connector_name": .string(name), "connector_type": "cron", "options": ["schedule": "0 3 * * *"]]
            }),
    ]

    static func connector(_ name: String, _ type: String, _ url: String?, _ credential: String?, options: JSONValue = [:]) -> JSONValue {
        var body: [String: JSONValue] = [
            "connector_name": .string(name), "connector_type": .string(type), "options": options, "max_retries": 0,
            "timeout_ms": 10_000,
        ]
        body["connection_url"] = url.map(JSONValue.string)
        body["credential"] = credential.map(JSONValue.string)
        return .object(body)
    }
}

/// The connector conformance suite (DESIGN §8): every registered connector type is created
/// from its spec, refuses bad options naming the field, passes or fails its live test as its
/// upstream deserves, times out and can be cancelled against an upstream that never answers,
/// and never shows a secret. A new type must add its fixture here.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON (scripts/test sets it)"))
struct ConnectorConformanceTests {
    static let secret = "sk_conformance_SECRET_4242"
    /// The user name of the basic credential (a database role of that name has `secret` as its password).
    static let login = "conformance"

    /// The credentials holding `secret`: a bearer token `token` and a basic login `login`.
    static let credentials: [JSONValue] = [
        ["name": "token", "kind": "bearer", "token": .string(secret)],
        ["name": "login", "kind": "basic", "username": .string(login), "password": .string(secret)],
    ]

    /// A tenant with the credentials holding `secret`.
    static func tenant(_ junction: JunctionHarness) async throws -> String {
        let tenant = try await junction.createTenant("acme")
        for body in credentials {
            let credential = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: body)
            #expect(credential.status == .created)
        }
        return tenant.key
    }

    /// The credential a fixture's connectors use: the bearer token, else the basic login.
    static func credential(for fixture: ConformanceFixture) -> String? {
        if fixture.spec.credentialKinds.contains(.bearer) { return "token" }
        return fixture.spec.credentialKinds.contains(.basic) ? "login" : nil
    }

    @Test func everyRegisteredTypeHasAFixture() {
        #expect(Set(ConformanceFixture.all.map(\.type)) == Set(ConnectorRegistry.builtIn.specs.map(\.type)))
    }

    @Test(arguments: ConformanceFixture.all)
    func createdFromItsSpecWithItsDefaults(_ fixture: ConformanceFixture) async throws {
        try await withJunction { junction in
            let key = try await Self.tenant(junction)
            let body = fixture.body("subject", "http://127.0.0.1:1", Self.credential(for: fixture))
            let created = try await junction.request(.post, "/api/v1/connectors", key: key, json: body)
            #expect(created.status == .created, "\(created.text)")
            let stored = try await junction.request(.get, "/api/v1/connectors/subject", key: key)
            let given = body["options"]?.objectValue ?? [:]
            for field in fixture.spec.fields where given[field.name] == nil {
                let shown = stored.json["options"]?[field.name]
                if !field.secret, let defaultValue = field.defaultValue {
                    #expect(shown == defaultValue, "\(fixture.type).\(field.name) defaults to \(defaultValue)")
                }
            }
            for field in fixture.spec.fields where field.generated {
                let value = try #require(created.json[field.name]?.stringValue, "a generated \(field.name) is shown once")
                #expect(!stored.text.contains(value), "and never again")
            }
        }
    }

    @Test(arguments: ConformanceFixture.all)
    func badOptionsAreRefusedNamingTheField(_ fixture: ConformanceFixture) async throws {
        try await withJunction { junction in
            let key = try await Self.tenant(junction)
            let base = fixture.body("subject", "http://127.0.0.1:1", Self.credential(for: fixture))
            func refused(_ name: String, _ value: JSONValue) async throws {
                var body = base.objectValue ?? [:]
                var options = body["options"]?.objectValue ?? [:]
                options[name] = value
                body["options"] = .object(options)
                let answer = try await junction.request(.post, "/api/v1/connectors", key: key, json: .object(body))
                #expect(answer.status == .badRequest, "\(fixture.type).\(name) = \(value): \(answer.text)")
                #expect(answer.errorCode == "invalid_input")
                #expect(answer.errorField == "options.\(name)", "\(fixture.type).\(name) = \(value): \(answer.text)")
            }
            try await refused("no_such_option", "x")
            for field in fixture.spec.fields {
                try await refused(field.name, field.type == .string ? .integer(42) : .string("not-\(field.type.rawValue)"))
                if let range = field.range { try await refused(field.name, .integer(range.upperBound + 1)) }
                if field.allowedValues != nil { try await refused(field.name, "not-an-allowed-value") }
            }
            #expect(try await junction.request(.get, "/api/v1/connectors", key: key).json["connectors"]?.arrayValue?.isEmpty == true,
                    "nothing refused was stored")
        }
    }

    @Test(arguments: ConformanceFixture.all)
    func theLiveTestTellsAWorkingUpstreamFromARefusedOne(_ fixture: ConformanceFixture) async throws {
        guard fixture.spec.capabilities.contains(.test), let upstream = fixture.upstream else {
            try await withJunction { junction in
                let key = try await Self.tenant(junction)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("subject", nil, nil))
                let answer = try await junction.request(.post, "/api/v1/connectors/subject/test", key: key)
                #expect(answer.status == .badRequest, "a type without a live test says so: \(answer.text)")
                #expect(answer.errorCode == "invalid_input")
            }
            return
        }
        try await upstream { url in
            try await withJunction { junction in
                let key = try await Self.tenant(junction)
                let credential = Self.credential(for: fixture)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("working", url, credential))
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("refused", "http://127.0.0.1:1", credential))
                let working = try await junction.request(.post, "/api/v1/connectors/working/test", key: key)
                #expect(working.json["success"] == true, "\(fixture.type): \(working.text)")
                #expect(working.json["health_status"] == "healthy")
                let refused = try await junction.request(.post, "/api/v1/connectors/refused/test", key: key)
                #expect(refused.json["success"] == false)
                #expect(refused.json["health_status"] == "unhealthy")
                let code = refused.json["error"]?["code"]?.stringValue
                #expect(code == "connection_refused" || code == "schema_discovery_failed", "\(fixture.type): \(refused.text)")
                #expect(refused.json["error"]?["message"]?.stringValue?.lowercased().contains("refused") == true, "\(refused.text)")
                for answer in [working, refused] { #expect(!answer.text.contains(Self.secret)) }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: ConformanceFixture.all.filter(\.invokes))
    func anUpstreamThatNeverAnswersTimesOutAndCanBeCancelled(_ fixture: ConformanceFixture) async throws {
        try await MisbehavingServer.with { silent in
            try await withJunction { junction in
                let key = try await Self.tenant(junction)
                let credential = Self.credential(for: fixture)
                var quick = fixture.body("quick", silent.url, credential).objectValue ?? [:]
                quick["timeout_ms"] = 300
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: .object(quick))
                let call = try #require(fixture.call)
                let timedOut = try await junction.request(.post, "/api/v1/invoke", key: key, json: [
                    "connector": "quick", "resource": .string(call.resource), "data": call.data,
                ])
                #expect(timedOut.json["success"] == false)
                let code = timedOut.json["error"]?["code"]?.stringValue
                #expect(code == "timeout" || code == "schema_discovery_failed", "\(fixture.type): \(timedOut.text)")
                #expect(!timedOut.text.contains(Self.secret))
                if fixture.spec.capabilities.contains(.test) {
                    let tested = try await junction.request(.post, "/api/v1/connectors/quick/test", key: key)
                    #expect(tested.json["success"] == false)
                    let message = tested.json["error"]?["message"]?.stringValue ?? ""
                    #expect(message.contains("in time") || message.contains("within 300 ms"), "\(fixture.type): \(tested.text)")
                }

                // A call given ten minutes, cancelled while the upstream keeps silent: it ends at
                // once (the suite's time limit would fail it otherwise) and lets the connection go.
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("patient", silent.url, credential))
                let tenantID = try #require(try await junction.request(.get, "/api/v1/tenants/acme", key: junction.adminKey).json["id"]?.stringValue)
                let before = silent.accepted
                let invoker = junction.junction.runtime.invoker
                let running = Task {
                    await invoker.invoke(InvokeRequest(
                        tenantID: tenantID, connector: "patient", resource: call.resource, data: call.data,
                        options: InvokeOptions(timeout: .seconds(600)), requestID: "req_cancel", idempotencyKey: nil,
                        actor: AuditActor(keyID: "test", scope: .platform, requestID: nil)))
                }
                for _ in 0..<200 where silent.accepted == before { try await Task.sleep(for: .milliseconds(25)) }
                #expect(silent.accepted > before, "the call reached the upstream")
                running.cancel()
                let envelope = await running.value
                #expect(envelope.error?.code == .cancelled, "\(fixture.type): \(envelope.json)")
                for _ in 0..<200 where silent.closed < silent.accepted { try await Task.sleep(for: .milliseconds(25)) }
                #expect(silent.closed == silent.accepted, "\(fixture.type): every connection to the silent upstream is closed")
            }
        }
    }

    @Test(arguments: ConformanceFixture.all.filter { $0.upstream != nil })
    func secretsNeverShowInAnswersOrTheDatabase(_ fixture: ConformanceFixture) async throws {
        try await fixture.upstream! { url in
            try await withJunction { junction in
                let key = try await Self.tenant(junction)
                let credential = Self.credential(for: fixture)
                var answers: [JunctionHarness.Answer] = []
                answers.append(try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("working", url, credential)))
                answers.append(try await junction.request(.post, "/api/v1/connectors", key: key, json: fixture.body("refused", "http://127.0.0.1:1", credential)))
                if let call = fixture.call {
                    for name in ["working", "refused"] {
                        answers.append(try await junction.request(.post, "/api/v1/invoke", key: key, json: [
                            "connector": .string(name), "resource": .string(call.resource), "data": call.data,
                        ]))
                    }
                    #expect(answers[2].json["success"] == true, "\(fixture.type): \(answers[2].text)")
                }
                for path in ["/api/v1/connectors/working/test", "/api/v1/connectors/refused/test"] {
                    answers.append(try await junction.request(.post, path, key: key))
                }
                for path in ["/api/v1/connectors", "/api/v1/connectors/working", "/api/v1/credentials", "/api/v1/audit", "/api/v1/tools"] {
                    answers.append(try await junction.request(.get, path, key: key))
                }
                for answer in answers { #expect(!answer.text.contains(Self.secret), "\(fixture.type): \(answer.text.prefix(300))") }
                let files = try FileManager.default.contentsOfDirectory(atPath: junction.dataDirectory.path)
                    .filter { $0.hasPrefix(DataDirectory.databaseFileName) }
                for file in files {
                    let bytes = try Data(contentsOf: junction.dataDirectory.appendingPathComponent(file))
                    #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds no secret in plain text")
                }
            }
        }
    }

    /// The same calls against `junction serve` logging at `trace`: no secret in its output.
    @Test(
        .enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"),
        arguments: ConformanceFixture.all.filter { $0.upstream != nil })
    func secretsNeverShowInTheServerLog(_ fixture: ConformanceFixture) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcessTests.Server(executable: try #require(ServeProcessTests.executable), directory: directory)
        let url = try await server.url()
        let adminKey = try String(contentsOf: directory.appendingPathComponent("junction-data/admin.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await fixture.upstream! { upstream in
            let admin = ControlPlaneClient(baseURL: url, apiKey: adminKey)
            let key = try #require(try await admin.send(.post, "/api/v1/tenants", body: ["name": "acme"])["api_key"]?.stringValue)
            let tenant = ControlPlaneClient(baseURL: url, apiKey: key)
            for body in Self.credentials { _ = try await tenant.send(.post, "/api/v1/credentials", body: body) }
            let credential = Self.credential(for: fixture)
            _ = try await tenant.send(.post, "/api/v1/connectors", body: fixture.body("working", upstream, credential))
            _ = try await tenant.send(.post, "/api/v1/connectors", body: fixture.body("refused", "http://127.0.0.1:1", credential))
            for name in ["working", "refused"] {
                if let call = fixture.call {
                    let answer = try await tenant.exchange(.post, "/api/v1/invoke", body: [
                        "connector": .string(name), "resource": .string(call.resource), "data": call.data,
                    ])
                    #expect((answer.json["success"] == true) == (name == "working"), "\(fixture.type) \(name): \(answer.json)")
                }
                _ = try await tenant.exchange(.post, "/api/v1/connectors/\(name)/test")
            }
        }
        #expect(try await server.terminate() == 0)
        let printed = server.printed
        #expect(printed.contains("trace") || printed.contains("debug"), "the server logged at trace level")
        #expect(!printed.contains(Self.secret), "\(fixture.type): a secret in the server's log")
    }
}
