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
        var text = prefix + "_"
        text.reserveCapacity(prefix.count + 33)
        appendHex(millis & 0xFFFF_FFFF_FFFF, digits: 12, to: &text)
        appendHex(generator.next() & 0xFFFF_FFFF_FFFF_FFFF, digits: 16, to: &text)
        appendHex(UInt64(generator.next() & 0xFFFF), digits: 4, to: &text)
        return text
    }

    private static func appendHex(_ value: UInt64, digits: Int, to text: inout String) {
        let hex = String(value, radix: 16)
        text += String(repeating: "0", count: max(0, digits - hex.count)) + hex
    }
}
