import Foundation
import JunctionConnectors
import JunctionCore
import JunctionTesting
import Synchronization
import Testing

/// A connector connects to the address the address guard checked, not to what a second look-up
/// of the name would answer: a name rebound to a denied address after the check cannot reach it.
struct DNSPinningTests {
    /// A resolver whose answer the test changes, counting look-ups.
    final class Resolver: Sendable {
        let answer: Mutex<[UInt8]>
        init(_ answer: [UInt8]) { self.answer = Mutex(answer) }
        func set(_ address: [UInt8]) { answer.withLock { $0 = address } }
        var resolve: @Sendable (String) -> [[UInt8]] { { [self] _ in [answer.withLock { $0 }] } }
    }

    /// An `http` connector for `url` whose live test requests `/echo/pinned`.
    static func connector(url: String, services: ServiceValues) throws -> HTTPConnector {
        let configuration = ConnectorConfiguration(
            id: "con_pinned", tenantID: "ten_pinned", name: Slug("pinned")!, connectionURL: url,
            options: ConnectorOptions(validated: ["test_path": "/echo/pinned"]), credential: nil, resources: [],
            timeout: .seconds(5), maxRetries: 0)
        return try HTTPConnector(configuration: configuration, context: ConnectorContext(services: services))
    }

    static func call() -> CallContext {
        CallContext(requestID: "req_pinned", deadline: .now + .seconds(5))
    }

    @Test func requestsGoToTheCheckedAddressWithTheNameAsHostAndFollowItWhenItChanges() async throws {
        try await UpstreamServer.with { upstream in
            let port = try #require(URLComponents(string: upstream.url)?.port)
            let resolver = Resolver([127, 0, 0, 1])
            // Resolved again on every call, as after each cache expiry.
            let addressGuard = AddressGuard(policy: NetworkPolicy(), cacheTime: .zero, resolve: resolver.resolve)
            try await HTTPClients.with { clients in
                var services = ServiceValues()
                services[HTTPClientsKey.self] = clients
                services[AddressGuardKey.self] = addressGuard
                // `.invalid` never resolves (RFC 2606): only a client that connects to the checked
                // address, without a look-up of its own, reaches the upstream.
                let connector = try Self.connector(url: "http://upstream.invalid:\(port)", services: services)
                try await connector.testConnection(call: Self.call())
                #expect(upstream.lastEcho?["authority"] == .string("upstream.invalid:\(port)"))
                #expect(upstream.lastEcho?["path"] == "/echo/pinned")

                // Rebound to the metadata service: refused before anything is sent.
                resolver.set([169, 254, 169, 254])
                let denied = try await #require(throws: JunctionError.self) { try await connector.testConnection(call: Self.call()) }
                #expect(denied.code == .policyDenied)

                // Moved to another permitted address: the connection goes there (nothing listens
                // on 127.0.0.2), not to the address connected to before.
                resolver.set([127, 0, 0, 2])
                let moved = try await #require(throws: JunctionError.self) { try await connector.testConnection(call: Self.call()) }
                #expect(moved.code == .connectionRefused)

                resolver.set([127, 0, 0, 1])
                try await connector.testConnection(call: Self.call())
                #expect(upstream.count("echo") == 2)
            }
        }
    }

    @Test func outboundDeliveriesArePinnedToo() async throws {
        try await UpstreamServer.with { upstream in
            let port = try #require(URLComponents(string: upstream.url)?.port)
            let addressGuard = AddressGuard(policy: NetworkPolicy(), resolve: Resolver([127, 0, 0, 1]).resolve)
            try await HTTPClients.with { clients in
                let sender = HTTPSender(clients: clients, addressGuard: addressGuard)
                let answer = try await sender.post(
                    "http://hooks.invalid:\(port)/echo/delivery", headers: [("Content-Type", "application/json")],
                    body: Array(#"{"ok":true}"#.utf8), timeout: .seconds(5), context: "the test receiver")
                #expect(answer.status == 201)
                #expect(upstream.lastEcho?["authority"] == .string("hooks.invalid:\(port)"))
                #expect(upstream.lastEcho?["body"] == ["ok": true])
            }
        }
    }
}
