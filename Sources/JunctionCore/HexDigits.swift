/// Lowercase hexadecimal text for bytes (digests, fingerprints, generated secrets).
public enum HexDigits {
    /// The sixteen digits, `0`–`9` then `a`–`f`, as ASCII.
    static let ascii = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(ascii[Int(byte >> 4)])
            text.append(ascii[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
