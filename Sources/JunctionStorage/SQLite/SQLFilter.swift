import GRDB

/// Builds a `WHERE` clause and its arguments from optional conditions.
struct SQLFilter {
    private var clauses: [String] = []
    private(set) var arguments: StatementArguments = []

    /// Adds `column = value` when `value` is given.
    mutating func equal(_ column: String, _ value: (some DatabaseValueConvertible)?) {
        guard let value else { return }
        clauses.append("\(column) = ?")
        arguments += [value]
    }

    /// Adds `column IN (values…)` when `values` is not empty.
    mutating func oneOf(_ column: String, _ values: Set<String>) {
        guard !values.isEmpty else { return }
        clauses.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ",")))")
        arguments += StatementArguments(values.sorted())
    }

    /// Adds `column < value` when `value` is given.
    mutating func less(_ column: String, _ value: (some DatabaseValueConvertible)?) {
        guard let value else { return }
        clauses.append("\(column) < ?")
        arguments += [value]
    }

    /// Adds `column >= value` when `value` is given.
    mutating func atLeast(_ column: String, _ value: (some DatabaseValueConvertible)?) {
        guard let value else { return }
        clauses.append("\(column) >= ?")
        arguments += [value]
    }

    /// Adds a condition written out, with its arguments.
    mutating func raw(_ clause: String, arguments values: StatementArguments) {
        clauses.append(clause)
        arguments += values
    }

    /// `WHERE …`, or nothing when no condition was added.
    var sql: String {
        clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }
}
