import Foundation

/// Generates opaque, roughly time-ordered identifiers with a type prefix, such as
/// `con_0193a1b2c3d4e5f60718293a4b5c6d7e`.
///
/// The first twelve hex digits are the creation time in milliseconds, so identifiers sort by
/// age; the remaining twenty are random.
public enum Identifier {
    /// A new identifier with the given prefix (`ten`, `key`, `cred`, `con`).
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var text: [UInt8] = []
        text.reserveCapacity(prefix.utf8.count + 33)
        text.append(contentsOf: prefix.utf8)
        text.append(UInt8(ascii: "_"))
        appendHex(millis, digits: 12, to: &text)
        appendHex(generator.next(), digits: 16, to: &text)
        appendHex(generator.next(), digits: 4, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The low `digits` hex digits of `value`, most significant first.
    private static func appendHex(_ value: UInt64, digits: Int, to text: inout [UInt8]) {
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            text.append(HexDigits.ascii[Int(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)])
        }
    }
}
