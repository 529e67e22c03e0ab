import Crypto
import Foundation
import JunctionCore

/// Webhook authentication: the shared secret itself (`X-Junction-Secret`, compared in constant
/// time), or an HMAC-SHA256 signature `X-Junction-Signature: t=TIMESTAMP,v1=HEX` over
/// `TIMESTAMP.BODY` (Stripe's scheme: the timestamp is signed, so an old request cannot be
/// replayed outside the tolerance window). Outbound deliveries are signed the same way.
public enum WebhookSignature {
    /// The header carrying the signature.
    public static let signatureHeader = "X-Junction-Signature"
    /// The header carrying the secret itself.
    public static let secretHeader = "X-Junction-Secret"

    /// The `X-Junction-Signature` value for `body` sent at `timestamp` (Unix seconds).
    public static func sign(_ body: [UInt8], secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(HexDigits.lowercase(mac(body, secret: secret, timestamp: timestamp)))"
    }

    /// Whether `provided` is the secret, in time independent of where they differ.
    public static func secretMatches(_ provided: String, _ secret: String) -> Bool {
        // Hashing first makes the comparison's length fixed, so timing tells nothing of the secret's length.
        constantTimeEqual(Array(SHA256.hash(data: Array(provided.utf8))), Array(SHA256.hash(data: Array(secret.utf8))))
    }

    /// A parsed `X-Junction-Signature` value.
    public struct Signature: Sendable {
        /// When it was made (Unix seconds).
        public var timestamp: Int
        /// The `v1` signatures (several while a secret is being rotated).
        public var signatures: [[UInt8]]

        /// Parses `t=TIMESTAMP,v1=HEX[,v1=HEX…]`; `unauthorized` when malformed.
        public init(parsing header: String) throws(JunctionError) {
            var timestamp: Int?
            var signatures: [[UInt8]] = []
            for item in header.split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "t": timestamp = Int(pair[1])
                case "v1": if let bytes = WebhookSignature.bytes(hex: pair[1]) { signatures.append(bytes) }
                default: break
                }
            }
            guard let timestamp, !signatures.isEmpty else {
                throw JunctionError(.unauthorized, "\(signatureHeader) must be t=TIMESTAMP,v1=HEX_SIGNATURE.", field: signatureHeader)
            }
            self.timestamp = timestamp
            self.signatures = signatures
        }

        /// Throws `unauthorized` unless the timestamp is within `tolerance` of `now` (checked
        /// before a request's body is even read).
        public func checkFresh(now: Date, tolerance: Duration) throws(JunctionError) {
            let age = abs(now.timeIntervalSince1970 - TimeInterval(timestamp))
            guard age <= tolerance.timeInterval else {
                throw JunctionError(
                    .unauthorized,
                    "The signature's timestamp is \(Int(age)) s from now; at most \(Int(tolerance.timeInterval)) s are allowed.",
                    field: signatureHeader)
            }
        }

        /// The first signature in hex: the same for a replay of the same signed request.
        public var fingerprint: String { HexDigits.lowercase(signatures[0]) }
    }

    /// Throws `unauthorized` unless `header` holds a `v1` signature of `body` by `secret` whose
    /// timestamp is within `tolerance` of `now`; answers the signature.
    @discardableResult
    public static func verify(
        _ header: String, body: [UInt8], secret: String, now: Date, tolerance: Duration
    ) throws(JunctionError) -> Signature {
        let parsed = try Signature(parsing: header)
        try parsed.checkFresh(now: now, tolerance: tolerance)
        let signatures = parsed.signatures
        let expected = mac(body, secret: secret, timestamp: parsed.timestamp)
        // Every candidate is compared in full, so timing tells nothing of which one matched.
        let matched = signatures.reduce(false) { matched, candidate in constantTimeEqual(candidate, expected) || matched }
        guard matched else { throw JunctionError(.unauthorized, "The signature does not match.", field: signatureHeader) }
        return parsed
    }

    private static func mac(_ body: [UInt8], secret: String, timestamp: Int) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }


    static func bytes(hex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = nibble(characters[index]), let low = nibble(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
