import Foundation

/// A workflow step's `when`: one operand, true unless it is `false`, `null`, `0`, `""` or
/// empty, or two operands compared with `==`, `!=`, `<`, `<=`, `>` or `>=`. Operands are
/// references (`{{steps.check.data.status}}`) or JSON literals (`'active'`, `"active"`, `3`,
/// `true`, `null`). Ordering compares numbers as numbers (a string holding a number, such as a
/// form field, counts as one) and other strings by their characters.
///
/// ```yaml
/// when: "{{steps.lookup.data.status}} == 'active'"
/// ```
public struct Condition: Sendable, Hashable {
    /// One side of the condition.
    public enum Operand: Sendable, Hashable {
        case reference(ValueReference)
        case literal(JSONValue)
    }

    /// How two operands compare.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case less = "<"
        case greater = ">"
    }

    public var left: Operand
    public var comparison: (Comparison, Operand)?

    /// Parses `text`, naming `field` on a malformed condition.
    public init(parsing text: String, field: String) throws(JunctionError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // The operator is the first one outside a placeholder or a quoted literal.
        if let (comparison, range) = Self.firstOperator(in: trimmed) {
            let right = String(trimmed[range.upperBound...])
            guard Self.firstOperator(in: right) == nil else {
                throw .invalidInput("A condition compares two operands once; use one operator.", field: field)
            }
            left = try Self.operand(String(trimmed[..<range.lowerBound]), field: field)
            self.comparison = (comparison, try Self.operand(right, field: field))
        } else {
            left = try Self.operand(trimmed, field: field)
            comparison = nil
        }
    }

    /// The references the condition reads.
    public var references: [ValueReference] {
        [left, comparison?.1].compactMap { operand in
            if case .reference(let reference)? = operand { reference } else { nil }
        }
    }

    /// Whether the condition holds in `scope`; a missing reference is an error.
    public func holds(in scope: JSONValue) throws(JunctionError) -> Bool {
        let value = try Self.value(left, in: scope)
        guard let (comparison, rightOperand) = comparison else { return Self.isTruthy(value) }
        let right = try Self.value(rightOperand, in: scope)
        switch comparison {
        case .equal: return JSONComparison.equal(value, right)
        case .notEqual: return !JSONComparison.equal(value, right)
        default:
            guard let order = JSONComparison.order(value, right) else {
                throw .invalidInput("Cannot order \(value.typeName) and \(right.typeName) with \(comparison.rawValue).")
            }
            switch comparison {
            case .less: return order == .orderedAscending
            case .lessOrEqual: return order != .orderedDescending
            case .greater: return order == .orderedDescending
            default: return order != .orderedAscending
            }
        }
    }

    private static func value(_ operand: Operand, in scope: JSONValue) throws(JunctionError) -> JSONValue {
        switch operand {
        case .reference(let reference): try reference.resolve(in: scope)
        case .literal(let value): value
        }
    }

    private static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .integer(let number): number != 0
        case .number(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let items): !items.isEmpty
        case .object(let members): !members.isEmpty
        }
    }

    private static func firstOperator(in text: String) -> (Comparison, Range<String.Index>)? {
        var index = text.startIndex
        var quote: Character?
        var depth = 0
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if text[index...].hasPrefix("{{") {
                depth += 1
            } else if text[index...].hasPrefix("}}") {
                depth = max(depth - 1, 0)
            } else if character == "'" || character == "\"" {
                quote = character
            } else if depth == 0 {
                // Two-character operators are listed first, so `<=` is not read as `<`.
                for comparison in Comparison.allCases where text[index...].hasPrefix(comparison.rawValue) {
                    return (comparison, index..<text.index(index, offsetBy: comparison.rawValue.count))
                }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func operand(_ raw: String, field: String) throws(JunctionError) -> Operand {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{{"), text.hasSuffix("}}") {
            let interpolation = try Interpolation(parsing: text, field: field)
            if interpolation.parts.count == 1, case .reference(let reference) = interpolation.parts[0] {
                return .reference(reference)
            }
        }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'"), !text.dropFirst().dropLast().contains("'") {
            return .literal(.string(String(text.dropFirst().dropLast())))
        }
        if !text.isEmpty, let value = try? JSONCoding.decode(Array(text.utf8)), value.objectValue == nil, value.arrayValue == nil {
            return .literal(value)
        }
        throw .invalidInput(
            "'\(text.prefix(80))' is not an operand: use a reference such as {{steps.ID.data.NAME}} or a literal such as 'text', 3, true or null.",
            field: field)
    }
}

extension Condition {
    public static func == (lhs: Condition, rhs: Condition) -> Bool {
        lhs.left == rhs.left && lhs.comparison?.0 == rhs.comparison?.0 && lhs.comparison?.1 == rhs.comparison?.1
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(left)
        hasher.combine(comparison?.0)
        hasher.combine(comparison?.1)
    }
}
