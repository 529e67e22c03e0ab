import AsyncHTTPClient
import JunctionCore
import NIOCore
import Synchronization

/// HTTP clients that connect to a host name only at the address the address guard checked.
///
/// The guard resolves a name and judges its addresses; left alone, the client would resolve
/// the name again when it connects, and a name whose answers change in between (DNS
/// rebinding) would reach an address the policy denies. A pinned client maps the name to the
/// checked address (`dnsOverride`): the request still carries the name in `Host`, and TLS
/// still sends it as SNI and verifies the certificate for it.
///
/// One client per host name (and TLS mode). When the name's checked address changes, a new
/// client takes over and the old one is shut down once its last request has ended.
final class PinnedClients: Sendable {
    private struct Key: Hashable {
        var host: String
        var insecure: Bool
    }

    private struct Pin {
        var id: Int
        var address: String
        var client: HTTPClient
    }

    private struct State {
        var pins: [Key: Pin] = [:]
        /// Requests running on each pin (a pin with none has no entry).
        var running: [Int: Int] = [:]
        /// Replaced pins still running requests, shut down when the last ends.
        var retired: [Int: HTTPClient] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let makeClient: @Sendable (_ host: String, _ address: String, _ insecure: Bool) -> HTTPClient

    /// `makeClient` builds a client that connects to `host` at `address`.
    init(makeClient: @escaping @Sendable (_ host: String, _ address: String, _ insecure: Bool) -> HTTPClient) {
        self.makeClient = makeClient
    }

    /// Runs `body` with the client that reaches `host` at `address` only.
    func withClient<T>(
        host: String, address: [UInt8], insecure: Bool, isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> sending T
    ) async throws -> sending T {
        let (id, client, replaced) = try acquire(Key(host: host, insecure: insecure), address: IPAddressBytes.format(address))
        if let replaced { try? await replaced.shutdown() }
        do {
            let result = try await body(client)
            await release(id)
            return result
        } catch {
            await release(id)
            throw error
        }
    }

    /// Shuts every client down, running requests failing; no client is handed out afterwards.
    func shutdown() async {
        let clients = state.withLock { state in
            state.closed = true
            let clients = state.pins.values.map(\.client) + state.retired.values
            state.pins = [:]
            state.retired = [:]
            return clients
        }
        for client in clients { try? await client.shutdown() }
    }

    /// The pin for `key` at `address`, made when there is none or the address changed; and the
    /// replaced client when no request runs on it (the caller shuts it down).
    private func acquire(_ key: Key, address: String) throws -> (Int, HTTPClient, replaced: HTTPClient?) {
        try state.withLock { state in
            guard !state.closed else { throw HTTPClientError.alreadyShutdown }
            var replaced: HTTPClient?
            if let pin = state.pins[key] {
                if pin.address == address {
                    state.running[pin.id, default: 0] += 1
                    return (pin.id, pin.client, nil)
                }
                if state.running[pin.id] == nil { replaced = pin.client } else { state.retired[pin.id] = pin.client }
            }
            state.nextID += 1
            let pin = Pin(id: state.nextID, address: address, client: makeClient(key.host, address, key.insecure))
            state.pins[key] = pin
            state.running[pin.id] = 1
            return (pin.id, pin.client, replaced)
        }
    }

    private func release(_ id: Int) async {
        let finished: HTTPClient? = state.withLock { state in
            let left = (state.running[id] ?? 1) - 1
            state.running[id] = left > 0 ? left : nil
            return left > 0 ? nil : state.retired.removeValue(forKey: id)
        }
        if let finished { try? await finished.shutdown() }
    }
}
