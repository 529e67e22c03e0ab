import Foundation
import JunctionConnectors
import Testing

@testable import JunctionCore

private func makeSpec(_ type: String, displayName: String = "Test") -> ConnectorSpec {
    ConnectorSpec(
        type: type, displayName: displayName, description: "A test type.", category: "api",
        capabilities: [.invoke], connectionURL: .none, fields: [])
}

private struct EchoConnector: Connector {
    static let spec = makeSpec("echo", displayName: "Echo (implemented)")
    init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {}
    func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult { ConnectorResult(data: input) }
}

private struct OtherEchoConnector: Connector {
    static let spec = makeSpec("echo", displayName: "Echo v2")
    init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {}
    func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult { ConnectorResult(data: nil) }
}

@Suite struct ConnectorRegistryTests {
    @Test func emptyRegistryKnowsNothing() {
        let registry = ConnectorRegistry()
        #expect(registry.specs.isEmpty)
        #expect(registry.spec(for: "http") == nil)
        #expect(registry.implementation(for: "http") == nil)
    }

    @Test func specOnlyRegistrationHasNoImplementation() {
        var registry = ConnectorRegistry()
        registry.register(spec: makeSpec("postgres"))
        #expect(registry.spec(for: "postgres")?.type == "postgres")
        #expect(registry.implementation(for: "postgres") == nil)
        #expect(registry.spec(for: "mysql") == nil)
    }

    @Test func implementationRegistrationProvidesBoth() throws {
        var registry = ConnectorRegistry()
        registry.register(EchoConnector.self)
        #expect(registry.spec(for: "echo") == EchoConnector.spec)
        let implementation = try #require(registry.implementation(for: "echo"))
        #expect(ObjectIdentifier(implementation) == ObjectIdentifier(EchoConnector.self))
    }

    @Test func specRegistrationKeepsAnExistingImplementation() throws {
        var registry = ConnectorRegistry()
        registry.register(EchoConnector.self)
        registry.register(spec: makeSpec("echo", displayName: "Echo (spec update)"))
        #expect(registry.spec(for: "echo")?.displayName == "Echo (spec update)")
        let implementation = try #require(registry.implementation(for: "echo"))
        #expect(ObjectIdentifier(implementation) == ObjectIdentifier(EchoConnector.self))
    }

    @Test func implementationRegistrationReplacesTheEarlierOne() throws {
        var registry = ConnectorRegistry()
        registry.register(spec: makeSpec("echo", displayName: "Spec only"))
        registry.register(EchoConnector.self)
        registry.register(OtherEchoConnector.self)
        #expect(registry.specs.count == 1)
        #expect(registry.spec(for: "echo")?.displayName == "Echo v2")
        let implementation = try #require(registry.implementation(for: "echo"))
        #expect(ObjectIdentifier(implementation) == ObjectIdentifier(OtherEchoConnector.self))
    }

    @Test func specsAreSortedByTypeName() {
        var registry = ConnectorRegistry()
        for type in ["slack", "http", "postgres", "amqp", "kafka"] {
            registry.register(spec: makeSpec(type))
        }
        #expect(registry.specs.map(\.type) == ["amqp", "http", "kafka", "postgres", "slack"])
    }

    @Test func builtInRegistryHasHTTP() throws {
        let registry = ConnectorRegistry.builtIn
        let http = try #require(registry.spec(for: "http"))
        #expect(http == ConnectorSpec.http)
        #expect(http.capabilities.contains(.invoke))
        #expect(http.connectionURL == .required)
        #expect(http.credentialKinds == CredentialKind.http)
        #expect(registry.specs.map(\.type).contains("http"))
    }

    @Test func capabilityNamesRoundTripThroughJSON() throws {
        let spec = ConnectorSpec.http
        #expect(spec.capabilities.names == ["invoke", "test"])
        let data = try JSONCoding.encode(spec)
        let decoded = try JSONCoding.decoder().decode(ConnectorSpec.self, from: data)
        #expect(decoded == spec)
        let json = try JSONCoding.decode(Array(data))
        #expect(json["capabilities"] == ["invoke", "test"])
        #expect(json["display_name"] == "HTTP / REST API")
        #expect(json["connection_url"] == "required")
        #expect(json["fields"]?.arrayValue?.first?["default"] == [:])
    }
}
