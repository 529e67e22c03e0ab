import Foundation

/// A condition on a call's arguments, written `PATH OPERATOR VALUE`:
/// `data.body.amount > 1000`, `data.path.id in ["a", "b"]`, `data.query.q matches "*@example.com"`,
/// `data.body.note exists`.
///
/// `PATH` starts with `data.` and names a member of the call's input. Input may come structured
/// (`{path, query, headers, body}`) or as flat fields, and a path reads both alike, so a rule
/// cannot be evaded by sending the other form: `data.body.amount` also finds a flat `amount`,
/// and `data.amount` also finds `body.amount` (or `path.`/`query.`/`headers.`).
///
/// Operators: `==`, `!=`, `<`, `<=`, `>`, `>=` (numbers by value, a string holding a number
/// counts as one), `in` and `not in` (an array), `matches` (a name pattern with `*` and `?`),
/// `exists` and `missing` (no value). `VALUE` is JSON, or text in single quotes. On a member
/// the call does not have (or `null`), only `missing`, `!=` and `not in` hold.
public final class PolicyCondition: Sendable, Hashable, CustomStringConvertible {
    /// How the member is tested.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"
        case isIn = "in", notIn = "not in", matches, exists, missing
    }

    /// The condition as written.
    public let text: String
    /// The members below `data`.
    public let path: [String]
    public let comparison: Operator
    /// The operand, `null` for `exists` and `missing`.
    public let operand: JSONValue
    private let glob: Glob?

    public var description: String { text }

    /// Parses `text`, naming `field` when it is malformed.
    public init(parsing text: String, field: String) throws(JunctionError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            throw .invalidInput("Write a condition as PATH OPERATOR VALUE, e.g. data.body.amount > 1000.", field: field)
        }
        let members = trimmed[..<space].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard members.count >= 2, members[0] == "data", !members.contains(where: \.isEmpty) else {
            throw .invalidInput("The path '\(trimmed[..<space].prefix(80))' must start with data. and name a member, e.g. data.body.amount.", field: field)
        }
        path = Array(members.dropFirst())
        var rest = trimmed[space...].drop { $0 == " " }
        var found: Operator?
        for candidate in Operator.allCases where rest.hasPrefix(candidate.rawValue) {
            let after = rest.dropFirst(candidate.rawValue.count)
            // Word operators end at a space or the end (`in` is not `inside`).
            if candidate.rawValue.first!.isLetter, let next = after.first, next != " " { continue }
            found = candidate
            rest = after.drop { $0 == " " }
            break
        }
        guard let found else {
            throw .invalidInput(
                "Unknown operator in '\(text.prefix(80))': use ==, !=, <, <=, >, >=, in, not in, matches, exists or missing.", field: field)
        }
        comparison = found
        switch found {
        case .exists, .missing:
            guard rest.isEmpty else { throw .invalidInput("'\(found.rawValue)' takes no value.", field: field) }
            operand = .null
        default:
            guard !rest.isEmpty else { throw .invalidInput("'\(found.rawValue)' needs a value after it.", field: field) }
            operand = try Self.literal(String(rest), field: field)
        }
        switch found {
        case .isIn, .notIn:
            guard operand.arrayValue != nil else { throw .invalidInput("'\(found.rawValue)' needs an array, e.g. [\"a\", \"b\"].", field: field) }
        case .matches:
            guard let pattern = operand.stringValue else { throw .invalidInput("'matches' needs a text pattern, e.g. 'create-*'.", field: field) }
            glob = Glob(pattern)
            return
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard operand.objectValue == nil, operand.arrayValue == nil, !operand.isNull else {
                throw .invalidInput("'\(found.rawValue)' compares with a number or a text.", field: field)
            }
        default: break
        }
        glob = nil
    }

    /// Whether the condition holds for `data` (structured or flat, as `isStructured` says).
    public func holds(for data: JSONValue, isStructured: Bool) -> Bool {
        guard let value = Self.member(path, of: data, isStructured: isStructured), !value.isNull else {
            return comparison == .missing || comparison == .notIn || comparison == .notEqual
        }
        switch comparison {
        case .exists: return true
        case .missing: return false
        case .equal: return JSONComparison.equal(value, operand)
        case .notEqual: return !JSONComparison.equal(value, operand)
        case .isIn: return operand.arrayValue!.contains { JSONComparison.equal(value, $0) }
        case .notIn: return !operand.arrayValue!.contains { JSONComparison.equal(value, $0) }
        case .matches: return value.stringValue.map { glob!.matches($0) } ?? false
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = JSONComparison.order(value, operand) else { return false }
            switch comparison {
            case .less: return order == .orderedAscending
            case .lessOrEqual: return order != .orderedDescending
            case .greater: return order == .orderedDescending
            default: return order != .orderedAscending
            }
        }
    }

    private static let parts: [String] = ["path", "query", "headers", "body"]

    /// The member at `path` below `data`, reading structured and flat input alike.
    static func member(_ path: [String], of data: JSONValue, isStructured: Bool) -> JSONValue? {
        if isStructured {
            if let value = walk(path[...], from: data) { return value }
            // A flat name finds the member of whichever part carries it (path wins, as when validating).
            for part in parts.reversed() {
                if let value = walk(path[...], from: data[part] ?? .null) { return value }
            }
            return nil
        }
        if let value = walk(path[...], from: data) { return value }
        if path.count > 1, parts.contains(path[0]) { return walk(path.dropFirst(), from: data) }
        return nil
    }

    private static func walk(_ path: ArraySlice<String>, from value: JSONValue) -> JSONValue? {
        var current = value
        for member in path {
            if let object = current.objectValue, let next = object[member] {
                current = next
            } else if let array = current.arrayValue, let index = Int(member), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    private static func literal(_ text: String, field: String) throws(JunctionError) -> JSONValue {
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            return .string(String(text.dropFirst().dropLast()))
        }
        guard let value = try? JSONValue(parsing: Array(text.utf8)) else {
            throw .invalidInput("'\(text.prefix(80))' is not a value: write JSON (1000, \"text\", [\"a\", \"b\"], true) or 'text'.", field: field)
        }
        return value
    }
}

extension PolicyCondition {
    /// Conditions are equal when written alike.
    public static func == (lhs: PolicyCondition, rhs: PolicyCondition) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
