import Foundation

/// How workflow conditions and policy conditions compare JSON values: numbers by value
/// (`1 == 1.0`; a string holding a number, such as a form field, counts as one when ordering)
/// and other strings by their characters.
public enum JSONComparison {
    /// JSON equality with numbers compared by value.
    public static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.intValue, let y = b.intValue { return x == y }
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    /// How `a` orders against `b`, or `nil` when they cannot be ordered (an object and a number).
    public static func order(_ a: JSONValue, _ b: JSONValue) -> ComparisonResult? {
        if let x = a.intValue, let y = b.intValue { return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        if let x = number(a), let y = number(b) { return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        if let x = a.stringValue, let y = b.stringValue { return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        return nil
    }

    /// A number, or a string that holds one.
    static func number(_ value: JSONValue) -> Double? {
        value.doubleValue ?? value.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }
}
