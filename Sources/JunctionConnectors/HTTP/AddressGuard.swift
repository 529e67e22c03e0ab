#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JunctionCore
import NIOPosix
import Synchronization

/// Refuses connections to addresses the `NetworkPolicy` denies (cloud metadata services by
/// default), so that a connector cannot be pointed at them (server-side request forgery).
///
/// Literal IP hosts are checked directly; names are resolved off the event loops and the
/// answers cached for `cacheTime`. Every address a name resolves to must be permitted, and
/// the request then connects to the checked address (`HTTPClients.withClient(for:at:)`), not
/// to whatever a second look-up would answer (DNS rebinding).
public final class AddressGuard: Sendable {
    /// The policy enforced.
    public let policy: NetworkPolicy
    private let cacheTime: Duration
    private let resolved = Mutex<[String: (addresses: [[UInt8]], expires: ContinuousClock.Instant)]>([:])
    private let resolve: @Sendable (String) -> [[UInt8]]

    /// - Parameters:
    ///   - cacheTime: how long a name's addresses are reused before it is resolved again.
    ///   - resolve: a name's IPv4 and IPv6 addresses, empty when it does not resolve (default:
    ///     the system resolver); it runs on a thread pool, so it may block.
    public init(
        policy: NetworkPolicy, cacheTime: Duration = .seconds(30),
        resolve: @escaping @Sendable (String) -> [[UInt8]] = AddressGuard.systemResolve
    ) {
        self.policy = policy
        self.cacheTime = cacheTime
        self.resolve = resolve
    }

    /// Throws `policy_denied` when `host` is, or resolves to, a denied address. Returns, for a
    /// name, the address to connect to (the first it resolved to), and nil for an IP address.
    @discardableResult
    public func check(host: String) async throws -> [UInt8]? {
        if let literal = IPAddressBytes.parse(host) {
            try verdict(host: host, addresses: [literal])
            return nil
        }
        let now = ContinuousClock.now
        if let cached = resolved.withLock({ $0[host] }), cached.expires > now {
            try verdict(host: host, addresses: cached.addresses)
            return cached.addresses[0]
        }
        let resolve = self.resolve
        let addresses = try await NIOThreadPool.singleton.runIfActive { resolve(host) }
        guard !addresses.isEmpty else {
            // Fail closed: a name that cannot be checked is not connected to.
            throw JunctionError(.connectionRefused, "The host \(host) does not resolve (DNS).", retryable: true)
        }
        resolved.withLock { $0[host] = (addresses, now + cacheTime) }
        try verdict(host: host, addresses: addresses)
        return addresses[0]
    }

    /// Throws `policy_denied` when `address`, the IP literal `host` spells, is denied (what
    /// `check(host:)` does for a literal, without parsing it again).
    public func check(host: String, literal address: [UInt8]) throws {
        try verdict(host: host, addresses: [address])
    }

    private func verdict(host: String, addresses: [[UInt8]]) throws {
        if let denied = addresses.first(where: { !policy.permits($0) }) {
            throw JunctionError(
                .policyDenied,
                "Connections to \(host) (\(IPAddressBytes.format(denied))) are not allowed on this server.")
        }
    }

    /// The IPv4 and IPv6 addresses of `host` from the system resolver (`getaddrinfo`), empty
    /// when it does not resolve.
    public static func systemResolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}

/// The `ServiceValues` key for the shared `AddressGuard`.
public enum AddressGuardKey: ServiceKey {
    public typealias Value = AddressGuard
}
