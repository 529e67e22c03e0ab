import Foundation

/// A condition on a call's arguments, written `PATH OPERATOR VALUE`:
/// `data.body.amount > 1000`, `data.path.id in ["a", "b"]`, `data.query.q matches "*@example.com"`,
/// `data.body.note exists`.
///
/// `PATH` starts with `data.` and names a member of the call's input. Input may come structured
/// (`{path, query, headers, body}`) or as flat fields, and a path reads both alike, so a rule
/// cannot be evaded by sending the other form: `data.body.amount` also finds a flat `amount`,
/// and `data.amount` also finds `body.amount` (or `path.`/`query.`/`headers.`). Where a path
/// finds several values, a rule that denies or asks for approval holds if any of them matches,
/// one that allows only if all do (`Reading`).
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

    /// How a condition reads a member that the input carries in more than one place (a flat
    /// `amount` beside a `body.amount`, a `path.id` beside a `body.id`).
    public enum Reading: Sendable {
        /// It holds if it holds for any of the values: for rules that deny or ask for approval,
        /// so that a decoy member cannot evade them.
        case any
        /// It holds only if it holds for every one: for rules that allow.
        case all
    }

    /// Whether the condition holds for `data` (structured or flat, as `isStructured` says),
    /// reading every value the path may stand for as `reading` says.
    public func holds(for data: JSONValue, isStructured: Bool, reading: Reading = .any) -> Bool {
        var found = false
        var result = reading == .all
        Self.forEachMember(path, of: data, isStructured: isStructured) { value in
            found = true
            let holds = holds(value)
            switch reading {
            case .any: if holds { result = true; return false }
            case .all: if !holds { result = false; return false }
            }
            return true
        }
        return found ? result : holds(nil)
    }

    /// Whether the condition holds for one value (`nil`: the member is missing).
    private func holds(_ member: JSONValue?) -> Bool {
        guard let value = member, !value.isNull else {
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

    /// Calls `body` with each value `path` may stand for below `data` — in structured input the
    /// member itself and, for a flat name, that member of each part; in flat input the member
    /// itself and, for a path under a part (`body.amount`), the flat member — until `body`
    /// answers `false`.
    static func forEachMember(_ path: [String], of data: JSONValue, isStructured: Bool, _ body: (JSONValue) -> Bool) {
        if let value = walk(path[...], from: data), !body(value) { return }
        let startsWithPart = parts.contains(path[0])
        if isStructured {
            guard !startsWithPart else { return }
            for part in parts {
                if let value = walk(path[...], from: data[part] ?? .null), !body(value) { return }
            }
        } else if startsWithPart, path.count > 1, let value = walk(path.dropFirst(), from: data) {
            _ = body(value)
        }
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
