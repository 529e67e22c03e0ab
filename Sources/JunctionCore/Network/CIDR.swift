import Foundation

/// An IPv4 or IPv6 address block, such as `169.254.0.0/16` or `fe80::/10`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address bytes (4 or 16).
    public let bytes: [UInt8]
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses `a.b.c.d/n` or an IPv6 block; a bare address is a single-address block.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = IPAddressBytes.parse(String(first)) else { return nil }
        let maximum = bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : maximum
        guard let prefix, (0...maximum).contains(prefix) else { return nil }
        self.bytes = bytes
        self.prefixLength = prefix
    }

    /// Whether `address` (4 or 16 bytes) lies in this block.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            guard address[index] & mask == bytes[index] & mask else { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String {
        "\(IPAddressBytes.format(bytes))/\(prefixLength)"
    }
}

/// Parsing and printing of IP address bytes.
public enum IPAddressBytes {
    /// The 4 or 16 bytes of a textual IPv4 or IPv6 address (brackets allowed), or `nil`.
    public static func parse(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") { return parseIPv6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parse(String(piece)) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + Array(repeating: 0, count: max(0, missing)) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// The textual form (IPv6 without zero compression).
    public static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// Which addresses connectors may reach: a deny list of blocks, with an allow list that wins.
///
/// By default link-local addresses (where cloud metadata services live: 169.254.0.0/16,
/// fe80::/10) and the other well-known metadata addresses are denied; loopback and private
/// ranges are allowed unless the operator denies them (a `saas` server denies them: see
/// `denyingLocalNetworks()`).
///
/// An address is judged in every form it stands for: an IPv6 address carrying an IPv4 one
/// (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) also
/// as that IPv4 address, and the unspecified addresses (`0.0.0.0/8`, `::`), which reach the
/// local host, also as loopback.
public struct NetworkPolicy: Sendable, Hashable {
    /// The blocks denied by default.
    public static let defaultDenied: [CIDR] = [
        "169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128",
    ].compactMap(CIDR.init)

    /// The local host and private networks: loopback, RFC 1918, shared address space (CGNAT),
    /// unique local IPv6.
    public static let localNetworks: [CIDR] = [
        "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
    ].compactMap(CIDR.init)

    /// Blocks connectors may not reach.
    public var denied: [CIDR]
    /// Blocks connectors may reach even when denied.
    public var allowed: [CIDR]

    public init(denied: [CIDR] = NetworkPolicy.defaultDenied, allowed: [CIDR] = []) {
        self.denied = denied
        self.allowed = allowed
    }

    /// This policy with the local host and private networks denied too (those allowed stay allowed).
    public func denyingLocalNetworks() -> NetworkPolicy {
        NetworkPolicy(denied: denied + Self.localNetworks.filter { !denied.contains($0) }, allowed: allowed)
    }

    /// Whether a connector may connect to `address` (4 or 16 bytes).
    public func permits(_ address: [UInt8]) -> Bool {
        let forms = Self.forms(of: address)
        if forms.contains(where: { form in allowed.contains { $0.contains(form) } }) { return true }
        return !forms.contains { form in denied.contains { $0.contains(form) } }
    }

    /// `address` and the addresses it stands for.
    static func forms(of address: [UInt8]) -> [[UInt8]] {
        var forms = [address]
        if address.count == 16 {
            let prefix = address.prefix(12)
            let isMapped = prefix.prefix(10).allSatisfy { $0 == 0 } && address[10] == 0xFF && address[11] == 0xFF
            let isCompatible = prefix.allSatisfy { $0 == 0 } && address.suffix(4).contains { $0 != 0 }
                && address.suffix(4) != [0, 0, 0, 1]
            let isNAT64 = Array(prefix) == nat64Prefix
            if isMapped || isCompatible || isNAT64 { forms.append(Array(address.suffix(4))) }
        }
        // The unspecified address reaches the local host.
        if forms.contains(where: { $0.count == 4 && $0[0] == 0 }) { forms.append([127, 0, 0, 1]) }
        if address == Array(repeating: 0, count: 16) { forms.append(Array(repeating: 0, count: 15) + [1]) }
        return forms
    }

    /// `64:ff9b::/96`, the well-known NAT64 prefix.
    private static let nat64Prefix: [UInt8] = [0x00, 0x64, 0xff, 0x9b] + Array(repeating: 0, count: 8)
}
