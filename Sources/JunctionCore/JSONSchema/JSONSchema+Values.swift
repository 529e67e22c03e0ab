extension JSONSchema {
    /// JSON Schema equality: numbers compare by value (`1 == 1.0`), containers element-wise.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.integer, .integer), (.integer, .number), (.number, .integer), (.number, .number):
            return compare(lhs, rhs) == 0
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    /// -1, 0 or 1 as numeric `lhs` is below, equal to or above numeric `rhs`. Integers compare exactly.
    static func compare(_ lhs: JSONValue, _ rhs: JSONValue) -> Int {
        if case .integer(let left) = lhs, case .integer(let right) = rhs {
            return left < right ? -1 : (left == right ? 0 : 1)
        }
        let left = lhs.doubleValue ?? .nan
        let right = rhs.doubleValue ?? .nan
        return left < right ? -1 : (left == right ? 0 : 1)
    }

    /// Whether numeric `value` is a multiple of positive `divisor`, allowing for binary
    /// floating-point error (`0.3` is a multiple of `0.1`).
    static func isMultiple(_ value: JSONValue, of divisor: JSONValue) -> Bool {
        if case .integer(let dividend) = value, case .integer(let divisor) = divisor {
            return dividend % divisor == 0
        }
        guard let dividend = value.doubleValue, let divisor = divisor.doubleValue else { return true }
        let quotient = dividend / divisor
        guard quotient.isFinite else { return false }
        return (quotient - quotient.rounded()).magnitude <= max(quotient.magnitude, 1).ulp * 16
    }

    /// The indices of the first two equal elements, if any.
    static func duplicate(in elements: [JSONValue]) -> (first: Int, second: Int)? {
        if elements.count <= 32 {
            for first in elements.indices {
                for second in (first + 1)..<elements.count where equal(elements[first], elements[second]) {
                    return (first, second)
                }
            }
            return nil
        }
        var seen: [JSONValue: Int] = [:]
        seen.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let key = canonical(element)
            if let first = seen[key] { return (first, index) }
            seen[key] = index
        }
        return nil
    }

    /// `value` with integral floats turned into integers, so that `Hashable` agrees with `equal`.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let double): Int(exactly: double).map(JSONValue.integer) ?? value
        case .array(let elements): .array(elements.map(canonical))
        case .object(let members): .object(members.mapValues(canonical))
        default: value
        }
    }

    // MARK: Messages

    /// `value` for a message: strings bare or in single quotes, anything else as compact JSON,
    /// cut short past 60 characters.
    static func describe(_ value: JSONValue, quoted: Bool) -> String {
        let limit = 60
        if case .string(let text) = value {
            let shown = text.count > limit ? String(text.prefix(limit - 3)) + "..." : text
            return quoted ? "'\(shown)'" : shown
        }
        var text = ""
        render(value, into: &text, limit: limit)
        return text.count > limit ? String(text.prefix(limit - 3)) + "..." : text
    }

    /// Appends `value` as compact JSON, stopping early once `text` passes `limit` UTF-8 bytes.
    private static func render(_ value: JSONValue, into text: inout String, limit: Int) {
        guard text.utf8.count <= limit else { return }
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .integer, .number: text += numberText(value)
        case .string(let string):
            text += "\""
            for character in string.unicodeScalars {
                switch character {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                default: text.unicodeScalars.append(character)
                }
            }
            text += "\""
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                render(element, into: &text, limit: limit)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                render(.string(key), into: &text, limit: limit)
                text += ":"
                render(members[key]!, into: &text, limit: limit)
            }
            text += "}"
        }
    }

    /// A number as people write it: `3` rather than `3.0`.
    static func numberText(_ value: JSONValue) -> String {
        switch value {
        case .integer(let integer): String(integer)
        case .number(let double): Int(exactly: double).map { String($0) } ?? String(double)
        default: describe(value, quoted: true)
        }
    }

    /// `"1 item"`, `"3 items"`.
    static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        count == 1 ? "1 \(singular)" : "\(count) \(plural ?? singular + "s")"
    }

    /// The types `node` expects, for a message: `string`, `string or null`, `a, b or c`.
    static func expectedTypes(_ node: Node) -> String {
        var names = node.typeNames
        if node.nullable && !names.contains("null") { names.append("null") }
        guard let last = names.popLast() else { return "nothing" }
        return names.isEmpty ? last : names.joined(separator: ", ") + " or " + last
    }
}
