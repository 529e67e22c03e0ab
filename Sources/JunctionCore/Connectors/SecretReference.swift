/// A secret value given indirectly: `env:NAME` reads an environment variable of the Junction
/// process and `file:PATH` reads a file (trailing newline trimmed), both at the moment of use.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Parses `text` when it starts with `env:` or `file:`; returns `nil` for a literal value.
    ///
    /// - Throws: `invalid_input` naming `field` for a malformed reference.
    public init?(parsing text: String, field: String) throws(JunctionError) {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard SecretReference.isEnvironmentName(name) else {
                throw .invalidInput(
                    "'env:' must be followed by an environment variable name (letters, digits, underscores).",
                    field: field
                )
            }
            self = .environment(name)
        } else if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), !path.contains("\0") else {
                throw .invalidInput("'file:' must be followed by an absolute path.", field: field)
            }
            self = .file(path)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }

    private static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}

/// Masked renderings of secrets, safe to show: enough to recognise a value, never to use it.
public enum SecretMask {
    /// `••••` plus the last four characters of a long literal; references are shown as they
    /// are, since they name where the secret lives rather than holding it.
    public static func hint(for value: String) -> String {
        if (try? SecretReference(parsing: value, field: "")) != nil { return value }
        guard value.count >= 16 else { return "••••" }
        return "••••" + value.suffix(4)
    }

    /// Masks every string inside `value` (objects keep their keys).
    public static func hint(for value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(hint(for: text))
        case .object(let members): .object(members.mapValues { hint(for: $0) })
        case .array(let elements): .array(elements.map { hint(for: $0) })
        default: "••••"
        }
    }
}
