import Foundation

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
    /// `••••` plus the last four characters of a long literal (a PEM key: its kind, such as
    /// `•••• OPENSSH PRIVATE KEY`); references are shown as they are, since they name where the
    /// secret lives rather than holding it.
    public static func hint(for value: String) -> String {
        if (try? SecretReference(parsing: value, field: "")) != nil { return value }
        if let begin = value.range(of: "-----BEGIN "), let end = value[begin.upperBound...].range(of: "-----") {
            return "•••• " + value[begin.upperBound..<end.lowerBound].prefix(40)
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16 else { return "••••" }
        return "••••" + trimmed.suffix(4)
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

/// Which secret references tenants may store, set by the operator.
///
/// A reference is read with the server's own privileges, so it must not reach the server's
/// master key, database, unrelated environment or another tenant's secrets: a tenant's
/// environment references start with the prefix and its name (`JUNCTION_SECRET_ACME_…` for
/// tenant `acme`), and its file references lie in its own directory (`DIR/acme/…`).
public struct SecretReferencePolicy: Sendable, Hashable {
    /// Environment variables a reference may name start with this. Default `JUNCTION_SECRET_`.
    public var environmentPrefix: String
    /// The directory file references must be inside; `nil` refuses file references. Default `nil`.
    public var fileDirectory: String?

    public init(environmentPrefix: String = "JUNCTION_SECRET_", fileDirectory: String? = nil) {
        self.environmentPrefix = environmentPrefix
        self.fileDirectory = fileDirectory
    }

    /// The prefix of `tenant`'s environment references, e.g. `JUNCTION_SECRET_ACME_`.
    public func environmentPrefix(for tenant: Slug) -> String {
        environmentPrefix + tenant.rawValue.uppercased().replacingOccurrences(of: "-", with: "_") + "_"
    }

    /// The directory of `tenant`'s file references, when file references are enabled.
    public func fileDirectory(for tenant: Slug) -> String? {
        fileDirectory.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/" + tenant.rawValue }
    }

    /// Throws `invalid_input` naming `field` when `reference` is outside `tenant`'s part of the policy.
    public func check(_ reference: SecretReference, field: String, tenant: Slug) throws(JunctionError) {
        switch reference {
        case .environment(let name):
            let prefix = environmentPrefix(for: tenant)
            guard !environmentPrefix.isEmpty, name.hasPrefix(prefix), name.count > prefix.count else {
                throw .invalidInput("Environment references must name a variable starting with \(prefix).", field: field)
            }
        case .file(let path):
            guard let directory = fileDirectory(for: tenant) else {
                throw .invalidInput(
                    "File references are disabled on this server (the operator sets secret_files_dir).", field: field)
            }
            guard Self.isInside(path, directory: directory) else {
                throw .invalidInput("File references must name a file inside \(directory).", field: field)
            }
        }
    }

    /// Whether `path`, taken lexically, lies strictly inside `directory`.
    public static func isInside(_ path: String, directory: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains(".."), !components.contains(".") else { return false }
        let base = directory.split(separator: "/", omittingEmptySubsequences: true)
        return components.count > base.count && Array(components.prefix(base.count)) == base
    }
}
