extension JSONValue {
    /// A JSON syntax error: what was wrong and at which byte offset.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong, e.g. `unexpected '}'`.
        public var reason: String
        /// The byte offset into the text where it was noticed.
        public var offset: Int

        /// `reason at byte offset`.
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// The deepest nesting of arrays and objects accepted (as Foundation's decoder).
    public static let maximumNestingDepth = 512

    /// Parses UTF-8 JSON text (RFC 8259; a top-level scalar is accepted, as is a leading byte
    /// order mark).
    ///
    /// Integers that fit `Int` become `.integer`; every other number becomes `.number`. Strings
    /// must be valid UTF-8 with paired surrogate escapes. A repeated object key keeps its last
    /// value.
    public init(parsing bytes: some Collection<UInt8>) throws(SyntaxError) {
        let parsed: Result<JSONValue, SyntaxError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(buffer)
            return Result { () throws(SyntaxError) in try parser.parseDocument() }
        }
        switch parsed ?? Array(bytes).withUnsafeBufferPointer({ buffer in
            var parser = JSONParser(buffer)
            return Result { () throws(SyntaxError) in try parser.parseDocument() }
        }) {
        case .success(let value): self = value
        case .failure(let error): throw error
        }
    }
}

/// A recursive-descent parser over a contiguous UTF-8 buffer.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    /// Whether a string so far was spelled with `\/` or a `\u` escape: escapes that
    /// `JSONValue.write(to:)` would not write, so that searching the raw text for a string's
    /// escaped form could miss it.
    private(set) var sawUncommonEscape = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // A UTF-8 byte order mark is skipped.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    mutating func parseDocument() throws(JSONValue.SyntaxError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw unexpected() }
        return value
    }

    /// Checks the whole text as `parseDocument` would, building nothing; returns the offset
    /// where the JSON starts (after a byte order mark).
    mutating func checkDocument() throws(JSONValue.SyntaxError) -> Int {
        let start = index
        try skipValue()
        skipWhitespace()
        guard index == bytes.count else { throw unexpected() }
        return start
    }

    /// Checks one value as `parseValue` would, without building it (strings are scanned, not
    /// copied; containers are walked, not collected).
    private mutating func skipValue() throws(JSONValue.SyntaxError) {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try skipContainer(closing: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try skipContainer(closing: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try skipString()
        default: _ = try parseValue()  // a scalar: nothing to allocate
        }
    }

    private mutating func skipContainer(closing: UInt8, keyed: Bool) throws(JSONValue.SyntaxError) {
        try enterContainer()
        skipWhitespace()
        if peek(closing) {
            index += 1
            depth -= 1
            return
        }
        while true {
            if keyed {
                skipWhitespace()
                guard peek(UInt8(ascii: "\"")) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
                try skipString()
                skipWhitespace()
                guard peek(UInt8(ascii: ":")) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
                index += 1
            }
            try skipValue()
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of text") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case closing:
                index += 1
                depth -= 1
                return
            default: throw unexpected()
            }
        }
    }

    /// Checks a string whose opening quote is at `index` as `parseString` would: escapes,
    /// control characters and UTF-8.
    private mutating func skipString() throws(JSONValue.SyntaxError) {
        index += 1
        let start = index
        var runStart = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                if !ascii, !Self.isValidUTF8(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) {
                    throw JSONValue.SyntaxError(reason: "invalid UTF-8 in a string", offset: start)
                }
                index += 1
                if byte == UInt8(ascii: "\"") { return }
                _ = try parseEscape()
                runStart = index
                ascii = true
            case 0..<0x20:
                throw error("unescaped control character in a string")
            default:
                if byte >= 0x80 { ascii = false }
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private mutating func parseValue() throws(JSONValue.SyntaxError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw unexpected()
        }
    }

    private mutating func parseObject() throws(JSONValue.SyntaxError) -> JSONValue {
        try enterContainer()
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
            index += 1
            members[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of text") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            default: throw unexpected()
            }
        }
    }

    private mutating func parseArray() throws(JSONValue.SyntaxError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of text") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default: throw unexpected()
            }
        }
    }

    private mutating func enterContainer() throws(JSONValue.SyntaxError) {
        depth += 1
        guard depth <= JSONValue.maximumNestingDepth else {
            throw error("nested deeper than \(JSONValue.maximumNestingDepth) levels")
        }
        index += 1
    }

    /// A string whose opening quote is at `index`.
    private mutating func parseString() throws(JSONValue.SyntaxError) -> String {
        index += 1
        let start = index
        var ascii = true
        // The common case: no escapes, so the text is the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return String(decoding: text, as: UTF8.self) }
                guard let string = String(validating: text, as: UTF8.self) else {
                    throw JSONValue.SyntaxError(reason: "invalid UTF-8 in a string", offset: start)
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        var unescaped = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: unescaped, as: UTF8.self) else {
                    throw JSONValue.SyntaxError(reason: "invalid UTF-8 in a string", offset: start)
                }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                let scalar = try parseEscape()
                if scalar.isASCII {
                    unescaped.append(UInt8(scalar.value))
                } else {
                    unescaped.append(contentsOf: UTF8.encode(scalar)!)
                }
            case 0..<0x20:
                throw error("unescaped control character in a string")
            default:
                unescaped.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// The character the escape after a backslash stands for.
    private mutating func parseEscape() throws(JSONValue.SyntaxError) -> Unicode.Scalar {
        guard index < bytes.count else { throw error("unterminated string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): return Unicode.Scalar(byte)
        case UInt8(ascii: "/"):
            sawUncommonEscape = true
            return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            sawUncommonEscape = true
            var scalar = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate escape")
                }
                index += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid escape") }
            return unicode
        default:
            index -= 1
            throw error("invalid escape")
        }
    }

    private mutating func parseHex4() throws(JSONValue.SyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// A number per RFC 8259's grammar: an `Int` when it has no fraction or exponent and fits.
    private mutating func parseNumber() throws(JSONValue.SyntaxError) -> JSONValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zero in a number") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            try digits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if integral, let integer = Self.integer(text, negative: negative) { return .integer(integer) }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.isFinite else {
            throw JSONValue.SyntaxError(reason: "number out of range", offset: start)
        }
        return .number(double)
    }

    private mutating func digits() throws(JSONValue.SyntaxError) {
        guard index < bytes.count, isDigit(bytes[index]) else { throw index < bytes.count ? unexpected() : error("unexpected end of text") }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// The integer spelled by `text` (digits after an optional minus), or `nil` on overflow.
    private static func integer(_ text: UnsafeBufferPointer<UInt8>, negative: Bool) -> Int? {
        var value = 0
        for byte in text.dropFirst(negative ? 1 : 0) {
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            // Accumulated negatively so that Int.min fits.
            let (next, overflow2) = times10.subtractingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ word: StaticString) throws(JSONValue.SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw unexpected() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw unexpected()
        }
        index += count
    }

    private func unexpected() -> JSONValue.SyntaxError {
        let byte = bytes[index]
        let shown = (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return JSONValue.SyntaxError(reason: "unexpected \(shown)", offset: index)
    }

    private func error(_ reason: String) -> JSONValue.SyntaxError {
        JSONValue.SyntaxError(reason: reason, offset: index)
    }
}
