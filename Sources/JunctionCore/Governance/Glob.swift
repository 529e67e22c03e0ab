/// A name pattern: `*` stands for any run of characters (also none), `?` for one; everything
/// else matches itself. `create-*` matches `create-contact`; `*` matches every name.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let bytes: [UInt8]
    private let isLiteral: Bool

    /// The pattern `pattern`.
    public init(_ pattern: String) {
        self.pattern = pattern
        bytes = Array(pattern.utf8)
        isLiteral = !bytes.contains(UInt8(ascii: "*")) && !bytes.contains(UInt8(ascii: "?"))
    }

    public var description: String { pattern }

    /// Whether `name` matches.
    public func matches(_ name: String) -> Bool {
        if isLiteral { return name.utf8.elementsEqual(bytes) }
        if let matched = name.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return matched }
        var copy = name
        return copy.withUTF8 { matches(utf8: $0) }
    }

    private func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool {
        // Backtracking over the last `*` only: linear for patterns such as `a*b*c`.
        var p = 0, t = 0, star = -1, resume = 0
        while t < text.count {
            if p < bytes.count, bytes[p] == UInt8(ascii: "?") || bytes[p] == text[t] && bytes[p] != UInt8(ascii: "*") {
                p += 1
                t += 1
            } else if p < bytes.count, bytes[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }
}

/// One or several name patterns: a name matches when any of them does.
public struct GlobSet: Sendable, Hashable, CustomStringConvertible {
    /// The patterns.
    public let globs: [Glob]

    public init(_ globs: [Glob]) {
        self.globs = globs
    }

    /// Whether `name` matches any pattern.
    public func matches(_ name: String) -> Bool {
        globs.withUnsafeBufferPointer { globs in
            for index in globs.indices where globs[index].matches(name) { return true }
            return false
        }
    }

    public var description: String { globs.map(\.pattern).joined(separator: ", ") }

    /// The patterns as written: one string, or an array of them.
    public var json: JSONValue {
        globs.count == 1 ? .string(globs[0].pattern) : list
    }

    /// The patterns as an array.
    public var list: JSONValue {
        .array(globs.map { .string($0.pattern) })
    }

    /// Reads a pattern or an array of 1–100 patterns (each 1–200 characters) at `field`.
    public init(json: JSONValue, field: String) throws(JunctionError) {
        let items: [JSONValue]
        switch json {
        case .string: items = [json]
        case .array(let array) where !array.isEmpty && array.count <= 100: items = array
        default: throw .invalidInput("Expected a name pattern or an array of 1 to 100 of them.", field: field)
        }
        var globs: [Glob] = []
        for (index, item) in items.enumerated() {
            let at = items.count == 1 && json.stringValue != nil ? field : "\(field)[\(index)]"
            guard let text = item.stringValue, !text.isEmpty, text.count <= 200 else {
                throw .invalidInput("A name pattern is a non-empty string of at most 200 characters.", field: at)
            }
            globs.append(Glob(text))
        }
        self.init(globs)
    }
}

extension FieldReader {
    /// A member holding a name pattern or an array of them; `nil` when absent or `null`.
    public mutating func globs(_ key: String, field: String? = nil) throws(JunctionError) -> GlobSet? {
        guard let value = value(key), !value.isNull else { return nil }
        return try GlobSet(json: value, field: field ?? path(key))
    }
}
