import Foundation
import JunctionCore
import Yams

/// Reads a JSON or YAML document into `JSONValue`.
enum DocumentText {
    /// Whether the document is JSON (its first non-blank character is `{`).
    static func isJSON(_ bytes: [UInt8]) -> Bool {
        bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "{")
    }

    /// The document's value; YAML plain scalars keep their YAML types, quoted ones stay strings.
    static func parse(_ bytes: [UInt8]) throws(JunctionError) -> JSONValue {
        if isJSON(bytes) {
            return try JSONCoding.decode(bytes)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidInput("The document is neither JSON nor UTF-8 YAML.")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else { throw JunctionError.invalidInput("The document is empty.") }
            return try value(of: node)
        } catch let error as JunctionError {
            throw error
        } catch {
            throw .invalidInput("The document is not valid YAML: \(error).")
        }
    }

    private static func value(of node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let flag = node.bool { return .bool(flag) }
            if let number = node.int { return .integer(number) }
            if let number = node.float, scalar.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                return .number(number)
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                object[key.string ?? String(describing: key)] = try self.value(of: value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map(value(of:)))
        case .alias:
            throw JunctionError.invalidInput("YAML aliases are not supported in OpenAPI documents.")
        }
    }
}
