/// JSON text kept as it arrived, without the whitespace between tokens: checked once to be
/// well-formed, parsed only when a value is asked for. Members keep the sender's order.
///
/// An upstream's answer passed through to the caller costs its own size this way, not the
/// several times that a tree of strings, arrays and dictionaries costs (a 15 MB answer as a
/// `JSONValue` takes over 80 MB).
public struct JSONText: Sendable, Hashable {
    /// The UTF-8 JSON text, compact (no byte order mark, no whitespace outside strings).
    public let bytes: [UInt8]
    /// Whether some string is spelled with `\/` or a `\u` escape, so that a search of the
    /// bytes for a string's escaped form could miss it.
    let hasUncommonEscapes: Bool

    /// Checks `bytes` as `JSONValue(parsing:)` would (throwing the same error for the same
    /// text) and keeps them, compacted.
    public init(validating bytes: some Collection<UInt8>) throws(JSONValue.SyntaxError) {
        var kept = Array(bytes)
        let checked = kept.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            return Result { () throws(JSONValue.SyntaxError) in (start: try parser.checkDocument(), uncommon: parser.sawUncommonEscape) }
        }
        switch checked {
        case .success(let checked):
            Self.compact(&kept, from: checked.start)
            self.bytes = kept
            self.hasUncommonEscapes = checked.uncommon
        case .failure(let error):
            throw error
        }
    }

    /// The text parsed. It was checked when it was kept, so this cannot fail.
    public var value: JSONValue {
        (try? JSONValue(parsing: bytes)) ?? .null
    }

    /// Whether a string in the text may hold one of `secrets`: certainly not when this is
    /// false. Searches the bytes for each secret as `JSONValue.write(to:)` escapes it; when the
    /// upstream used escapes that search could miss, or a secret is not ASCII (whose text
    /// could be spelled another way), the answer is yes.
    public func mayContain(anyOf secrets: [String]) -> Bool {
        guard !secrets.isEmpty else { return false }
        if hasUncommonEscapes { return true }
        return bytes.withUnsafeBufferPointer { haystack in
            secrets.contains { secret in
                guard secret.utf8.allSatisfy({ $0 < 0x80 }) else { return true }
                var needle: [UInt8] = []
                JSONValue.writeString(secret, to: &needle)
                return Self.contains(haystack, needle.dropFirst().dropLast())
            }
        }
    }

    /// Drops the bytes before `start` and the whitespace outside strings, in place. The text
    /// was checked, so every string is closed and every escape complete.
    private static func compact(_ bytes: inout [UInt8], from start: Int) {
        let kept = bytes.withUnsafeMutableBufferPointer { buffer in
            var write = 0
            var inString = false
            var escaped = false
            for read in start..<buffer.count {
                let byte = buffer[read]
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else if isWhitespace(byte) {
                    continue
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                }
                buffer[write] = byte
                write += 1
            }
            return write
        }
        bytes.removeLast(bytes.count - kept)
    }

    /// Whether `byte` is JSON whitespace (space, tab, line feed, carriage return).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Whether `needle` occurs in `haystack` (a scan for its first byte, then a compare).
    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: ArraySlice<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        let lastStart = haystack.count - needle.count
        var index = 0
        while index <= lastStart {
            guard let found = haystack[index...lastStart].firstIndex(of: first) else { return false }
            if haystack[found..<found + needle.count].elementsEqual(needle) { return true }
            index = found + 1
        }
        return false
    }
}
