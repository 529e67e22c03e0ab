/// Reads the members of a JSON object one by one with precise errors: wrong types and unknown
/// members are `invalid_input` naming the field.
///
/// ```swift
/// var reader = try FieldReader(body)
/// let name = try reader.requiredString("name")
/// let note = try reader.string("description")
/// try reader.finish()   // any member not read is an unknown field
/// ```
public struct FieldReader: Sendable {
    private let object: [String: JSONValue]
    private let prefix: String?
    private var consumed: Set<String> = []

    /// Starts reading `value`, which must be an object.
    public init(_ value: JSONValue, field: String? = nil) throws(JunctionError) {
        guard case .object(let object) = value else {
            throw .invalidInput("Expected a JSON object, got \(value.typeName).", field: field)
        }
        self.object = object
        self.prefix = field
    }

    /// The dotted path of `key` for error messages.
    public func path(_ key: String) -> String {
        prefix.map { "\($0).\(key)" } ?? key
    }

    /// Whether the object has a member `key` (even `null`).
    public func contains(_ key: String) -> Bool {
        object[key] != nil
    }

    /// The raw member, marking it read; `nil` when absent.
    public mutating func value(_ key: String) -> JSONValue? {
        consumed.insert(key)
        return object[key]
    }

    /// Marks members as read without using them (e.g. read-only fields echoed back).
    public mutating func skip(_ keys: some Sequence<String>) {
        consumed.formUnion(keys)
    }

    /// A string member; `nil` when absent or `null`.
    public mutating func string(_ key: String, maxLength: Int = 4096) throws(JunctionError) -> String? {
        guard let value = value(key), !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw .invalidInput("Expected a string, got \(value.typeName).", field: path(key))
        }
        guard text.count <= maxLength else {
            throw .invalidInput("Must be at most \(maxLength) characters.", field: path(key))
        }
        return text
    }

    /// A string member that must be present and non-empty.
    public mutating func requiredString(_ key: String, maxLength: Int = 4096) throws(JunctionError) -> String {
        guard let text = try string(key, maxLength: maxLength) else {
            throw .invalidInput("Missing required field '\(key)'.", field: path(key))
        }
        guard !text.isEmpty else { throw .invalidInput("Must not be empty.", field: path(key)) }
        return text
    }

    /// A slug member; `nil` when absent or `null`.
    public mutating func slug(_ key: String) throws(JunctionError) -> Slug? {
        guard let text = try string(key, maxLength: 200) else { return nil }
        return try Slug(validating: text, field: path(key))
    }

    /// A slug member that must be present.
    public mutating func requiredSlug(_ key: String) throws(JunctionError) -> Slug {
        try Slug(validating: try requiredString(key, maxLength: 200), field: path(key))
    }

    /// An integer member within `range`; `nil` when absent or `null`.
    public mutating func int(_ key: String, in range: ClosedRange<Int>) throws(JunctionError) -> Int? {
        guard let value = value(key), !value.isNull else { return nil }
        guard let number = value.intValue else {
            throw .invalidInput("Expected an integer, got \(value.typeName).", field: path(key))
        }
        guard range.contains(number) else {
            throw .invalidInput("Must be between \(range.lowerBound) and \(range.upperBound).", field: path(key))
        }
        return number
    }

    /// A boolean member; `nil` when absent or `null`.
    public mutating func bool(_ key: String) throws(JunctionError) -> Bool? {
        guard let value = value(key), !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw .invalidInput("Expected a boolean, got \(value.typeName).", field: path(key))
        }
        return flag
    }

    /// An object member; `nil` when absent or `null`.
    public mutating func object(_ key: String) throws(JunctionError) -> [String: JSONValue]? {
        guard let value = value(key), !value.isNull else { return nil }
        guard let members = value.objectValue else {
            throw .invalidInput("Expected an object, got \(value.typeName).", field: path(key))
        }
        return members
    }

    /// The members not read so far.
    public var remaining: [String: JSONValue] {
        object.filter { !consumed.contains($0.key) }
    }

    /// Throws `invalid_input` for the first member (alphabetically) that was not read.
    public func finish() throws(JunctionError) {
        if let unknown = remaining.keys.min() {
            throw .invalidInput("Unknown field '\(unknown.prefix(80))'.", field: path(unknown))
        }
    }
}
