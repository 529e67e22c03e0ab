import Foundation

/// A `{{…}}` reference in a workflow value: `input.PATH` (the run's input) or
/// `steps.ID.PATH` (what an earlier step produced, e.g. `steps.lookup.data.email`). Path
/// members that are whole numbers index arrays.
public struct ValueReference: Sendable, Hashable, CustomStringConvertible {
    /// Where the reference starts.
    public enum Root: Sendable, Hashable {
        case input
        case step(String)
    }

    public var root: Root
    /// The members below the root.
    public var path: [String]

    /// Parses `input.a.b` or `steps.ID.a`; `nil` when `text` is neither.
    public init?(_ text: String) {
        let members = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !members.contains(where: \.isEmpty) else { return nil }
        switch members.first {
        case "input":
            root = .input
            path = Array(members.dropFirst())
        case "steps" where members.count >= 2:
            root = .step(members[1])
            path = Array(members.dropFirst(2))
        default:
            return nil
        }
    }

    public var description: String {
        switch root {
        case .input: (["input"] + path).joined(separator: ".")
        case .step(let id): (["steps", id] + path).joined(separator: ".")
        }
    }

    /// The referenced value in `scope` (`{"input": …, "steps": {ID: …}}`); a missing member
    /// is an error naming the reference, never an empty value.
    public func resolve(in scope: JSONValue) throws(JunctionError) -> JSONValue {
        var value: JSONValue
        switch root {
        case .input: value = scope["input"] ?? .null
        case .step(let id):
            guard let step = scope["steps"]?[id] else {
                throw .invalidInput("'{{\(self)}}': step '\(id)' has not run.")
            }
            value = step
        }
        for member in path {
            if case .array(let items) = value, let index = Int(member) {
                guard items.indices.contains(index) else {
                    throw .invalidInput("'{{\(self)}}': there is no item \(index) (the list has \(items.count)).")
                }
                value = items[index]
            } else if let next = value[member] {
                value = next
            } else {
                throw .invalidInput("'{{\(self)}}': there is no '\(member)' (found \(value.typeName)).")
            }
        }
        return value
    }
}

/// A string with `{{ reference }}` placeholders. A string that is exactly one placeholder
/// stands for the referenced value itself, of any JSON type; otherwise each value is written
/// into the text (strings as they are, other values as JSON).
public struct Interpolation: Sendable, Hashable {
    /// A piece of the string.
    public enum Part: Sendable, Hashable {
        case text(String)
        case reference(ValueReference)
    }

    public var parts: [Part]

    /// Parses `text`, naming `field` when a placeholder is unclosed or not a reference.
    public init(parsing text: String, field: String) throws(JunctionError) {
        parts = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .invalidInput("A '{{' is not closed with '}}'.", field: field)
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
            guard let reference = ValueReference(inner) else {
                throw .invalidInput(
                    "'{{\(inner.prefix(80))}}' is not a reference: use {{input.NAME}} or {{steps.ID.data.NAME}}.", field: field)
            }
            parts.append(.reference(reference))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
    }

    /// The references, in order.
    public var references: [ValueReference] {
        parts.compactMap { if case .reference(let reference) = $0 { reference } else { nil } }
    }

    /// The string's value in `scope`.
    public func resolve(in scope: JSONValue) throws(JunctionError) -> JSONValue {
        if parts.count == 1, case .reference(let reference) = parts[0] { return try reference.resolve(in: scope) }
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal): text += literal
            case .reference(let reference):
                let value = try reference.resolve(in: scope)
                if let string = value.stringValue {
                    text += string
                } else {
                    text += (try? JSONCoding.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                }
            }
        }
        return .string(text)
    }

    /// Every reference in the strings of `value` (members and items, recursively), each
    /// string parsed with its field path below `field` for errors.
    public static func references(in value: JSONValue, field: String) throws(JunctionError) -> [ValueReference] {
        switch value {
        case .string(let text) where text.contains("{{"):
            return try Interpolation(parsing: text, field: field).references
        case .object(let members):
            var found: [ValueReference] = []
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                found += try references(in: member, field: "\(field).\(key)")
            }
            return found
        case .array(let items):
            var found: [ValueReference] = []
            for (index, item) in items.enumerated() { found += try references(in: item, field: "\(field)[\(index)]") }
            return found
        default:
            return []
        }
    }

    /// `value` with every string interpolated in `scope`.
    public static func resolve(_ value: JSONValue, in scope: JSONValue) throws(JunctionError) -> JSONValue {
        switch value {
        case .string(let text) where text.contains("{{"):
            return try Interpolation(parsing: text, field: "").resolve(in: scope)
        case .object(let members):
            var resolved: [String: JSONValue] = [:]
            for (key, member) in members { resolved[key] = try resolve(member, in: scope) }
            return .object(resolved)
        case .array(let items):
            var resolved: [JSONValue] = []
            for item in items { resolved.append(try resolve(item, in: scope)) }
            return .array(resolved)
        default:
            return value
        }
    }
}
