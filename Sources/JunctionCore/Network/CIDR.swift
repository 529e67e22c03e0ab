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
/// ranges are allowed unless the operator denies them.
public struct NetworkPolicy: Sendable, Hashable {
    /// The blocks denied by default.
    public static let defaultDenied: [CIDR] = [
        "169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128", "::ffff:169.254.0.0/112",
    ].compactMap(CIDR.init)

    /// Blocks connectors may not reach.
    public var denied: [CIDR]
    /// Blocks connectors may reach even when denied.
    public var allowed: [CIDR]

    public init(denied: [CIDR] = NetworkPolicy.defaultDenied, allowed: [CIDR] = []) {
        self.denied = denied
        self.allowed = allowed
    }

    /// Whether a connector may connect to `address` (4 or 16 bytes).
    public func permits(_ address: [UInt8]) -> Bool {
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the IPv4 address it carries too.
        let forms = Self.isIPv4Mapped(address) ? [address, Array(address.suffix(4))] : [address]
        if forms.contains(where: { form in allowed.contains { $0.contains(form) } }) { return true }
        return !forms.contains { form in denied.contains { $0.contains(form) } }
    }

    private static func isIPv4Mapped(_ address: [UInt8]) -> Bool {
        address.count == 16 && address.prefix(10).allSatisfy { $0 == 0 } && address[10] == 0xFF && address[11] == 0xFF
    }
}
