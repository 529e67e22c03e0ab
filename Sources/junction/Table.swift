import Foundation
import JunctionCore

/// Renders JSON records as an aligned text table.
enum Table {
    /// One row per record, one column per `(header, key)`; missing values print as `-`.
    static func render(_ rows: [JSONValue], columns: [(String, String)]) -> String {
        let cells = rows.map { row in columns.map { text(row[$0.1]) } }
        let widths = columns.indices.map { index in
            max(columns[index].0.count, cells.map { $0[index].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        var lines = [line(columns.map(\.0))]
        lines += cells.map(line)
        if rows.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n")
    }

    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let text)?: text
        case .bool(let flag)?: flag ? "yes" : "no"
        case .integer(let number)?: String(number)
        case .number(let number)?: String(number)
        case .array(let items)?: items.map { text($0) }.joined(separator: ",")
        case .object?: "{…}"
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
