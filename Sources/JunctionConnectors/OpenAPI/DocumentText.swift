import Foundation
import JunctionCore
import Yams

/// Reads a JSON or YAML document into `JSONValue`.
public enum DocumentText {
    /// A document's value and, for YAML, the line each value starts on, so that an error
    /// about a field can name its line.
    public struct Located: Sendable {
        public var value: JSONValue
        /// 1-based lines by field path (`steps[1].data.x`, as `FieldReader` names fields).
        public var lines: [String: Int]

        /// The line of `field`, or of the nearest value enclosing it.
        public func line(of field: String) -> Int? {
            var path = Substring(field)
            while !path.isEmpty {
                if let line = lines[String(path)] { return line }
                guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
                path = path[..<cut]
            }
            return lines[""]
        }

        /// `error` with the line of its field in `details.line`, when the document has lines.
        public func locating(_ error: JunctionError) -> JunctionError {
            guard let field = error.field, let line = line(of: field) else { return error }
            var located = error
            var details = error.details?.objectValue ?? [:]
            details["line"] = .integer(line)
            located.details = .object(details)
            return located
        }
    }

    /// Whether the document is JSON (its first non-blank character is `{`).
    public static func isJSON(_ bytes: [UInt8]) -> Bool {
        bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "{")
    }

    /// The document's value; YAML plain scalars keep their YAML types, quoted ones stay strings.
    public static func parse(_ bytes: [UInt8]) throws(JunctionError) -> JSONValue {
        try parseLocated(bytes).value
    }

    /// The document's value with the lines of its values (none for JSON).
    public static func parseLocated(_ bytes: [UInt8]) throws(JunctionError) -> Located {
        if isJSON(bytes) {
            return Located(value: try JSONCoding.decode(bytes), lines: [:])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidInput("The document is neither JSON nor UTF-8 YAML.")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else { throw JunctionError.invalidInput("The document is empty.") }
            var lines: [String: Int] = [:]
            let value = try value(of: node, at: "", lines: &lines)
            return Located(value: value, lines: lines)
        } catch let error as JunctionError {
            throw error
        } catch {
            throw .invalidInput("The document is not valid YAML: \(error).")
        }
    }

    private static func isIntegerLiteral(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func value(of node: Node, at path: String, lines: inout [String: Int]) throws -> JSONValue {
        if let line = node.mark?.line { lines[path] = line }
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let flag = node.bool { return .bool(flag) }
            if let number = node.int { return .integer(number) }
            if let number = node.float, scalar.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                return .number(number)
            }
            // An integer beyond 64 bits (published documents have them in `maximum`) stays a number.
            if Self.isIntegerLiteral(scalar.string), let number = Double(scalar.string) { return .number(number) }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                let name = key.string ?? String(describing: key)
                let member = path.isEmpty ? name : "\(path).\(name)"
                object[name] = try self.value(of: value, at: member, lines: &lines)
                // A member's error points at its key's line.
                if let line = key.mark?.line { lines[member] = line }
            }
            return .object(object)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try value(of: item, at: "\(path)[\(index)]", lines: &lines))
            }
            return .array(items)
        case .alias:
            throw JunctionError.invalidInput("YAML aliases are not supported.")
        }
    }
}
