/// One configurable field of a connector type or credential kind: its name, JSON type,
/// whether it is required or secret, its default and a description for forms and docs.
public struct FieldSpec: Sendable, Hashable, Codable {
    /// The JSON type a field's value must have.
    public enum FieldType: String, Sendable, Hashable, Codable {
        case string
        case integer
        case number
        case boolean
        case object
        /// An object whose every value is a string (e.g. query parameters).
        case stringMap = "string_map"
        /// HTTP headers: names are RFC 9110 tokens and values hold no line breaks. When the field
        /// is not secret, headers that carry credentials (`Authorization`, `Cookie`, …) are refused.
        case headers
        /// An array of strings.
        case stringArray = "string_array"
        /// An array of objects.
        case objectArray = "object_array"
    }

    /// The field's key in `options` (or in a credential body).
    public var name: String
    /// The JSON type of its value.
    public var type: FieldType
    /// Whether a value must be given (a default satisfies this).
    public var required: Bool
    /// Whether the value is a secret: encrypted at rest and never returned.
    public var secret: Bool
    /// Whether Junction makes the value when none is given (a secret made this way is shown
    /// once, in the response that created it).
    public var generated: Bool
    /// The value used when none is given.
    public var defaultValue: JSONValue?
    /// The only values allowed, for string fields.
    public var allowedValues: [String]?
    /// The smallest and largest values allowed, for integer fields.
    public var range: ClosedRange<Int>?
    /// A typical value, for forms and docs (none: the default, if any, serves).
    public var example: JSONValue?
    /// A one-line description for forms, docs and tool schemas.
    public var description: String

    public init(
        _ name: String,
        _ type: FieldType,
        required: Bool = false,
        secret: Bool = false,
        generated: Bool = false,
        default defaultValue: JSONValue? = nil,
        allowedValues: [String]? = nil,
        range: ClosedRange<Int>? = nil,
        example: JSONValue? = nil,
        description: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.secret = secret
        self.generated = generated
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.range = range
        self.example = example
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case name, type, required, secret, generated, description, minimum, maximum, example
        case defaultValue = "default"
        case allowedValues = "enum"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(required, forKey: .required)
        try container.encode(secret, forKey: .secret)
        try container.encode(generated, forKey: .generated)
        try container.encodeIfPresent(defaultValue, forKey: .defaultValue)
        try container.encodeIfPresent(allowedValues, forKey: .allowedValues)
        try container.encodeIfPresent(range?.lowerBound, forKey: .minimum)
        try container.encodeIfPresent(range?.upperBound, forKey: .maximum)
        try container.encodeIfPresent(example, forKey: .example)
        try container.encode(description, forKey: .description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(FieldType.self, forKey: .type)
        required = try container.decode(Bool.self, forKey: .required)
        secret = try container.decode(Bool.self, forKey: .secret)
        generated = try container.decodeIfPresent(Bool.self, forKey: .generated) ?? false
        defaultValue = try container.decodeIfPresent(JSONValue.self, forKey: .defaultValue)
        allowedValues = try container.decodeIfPresent([String].self, forKey: .allowedValues)
        let minimum = try container.decodeIfPresent(Int.self, forKey: .minimum)
        let maximum = try container.decodeIfPresent(Int.self, forKey: .maximum)
        range = minimum.flatMap { low in maximum.map { low...$0 } }
        example = try container.decodeIfPresent(JSONValue.self, forKey: .example)
        description = try container.decode(String.self, forKey: .description)
    }
}

extension FieldSpec {
    /// Checks that `value` has this field's type (and allowed values), naming `path` on failure.
    public func check(_ value: JSONValue, path: String) throws(JunctionError) {
        let matches: Bool
        switch type {
        case .string: matches = value.stringValue != nil
        case .integer: matches = value.intValue != nil
        case .number: matches = value.doubleValue != nil
        case .boolean: matches = value.boolValue != nil
        case .object: matches = value.objectValue != nil
        case .stringMap, .headers: matches = value.objectValue?.values.allSatisfy { $0.stringValue != nil } ?? false
        case .stringArray: matches = value.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false
        case .objectArray: matches = value.arrayValue?.allSatisfy { $0.objectValue != nil } ?? false
        }
        guard matches else {
            throw .invalidInput("Expected \(type.readableName), got \(value.typeName).", field: path)
        }
        if type == .headers, let headers = value.objectValue {
            try HTTPHeaderRules.check(headers, allowCredentials: secret, path: path)
        }
        if let range, let number = value.intValue, !range.contains(number) {
            throw .invalidInput("Must be from \(range.lowerBound) to \(range.upperBound).", field: path)
        }
        if let allowedValues, let text = value.stringValue, !allowedValues.contains(text) {
            throw .invalidInput(
                "'\(text.prefix(80))' is not one of: \(allowedValues.joined(separator: ", ")).",
                field: path
            )
        }
    }
}

extension FieldSpec.FieldType {
    /// The type as a phrase for error messages.
    var readableName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean"
        case .object: "an object"
        case .stringMap: "an object of strings"
        case .headers: "an object of header names and string values"
        case .stringArray: "an array of strings"
        case .objectArray: "an array of objects"
        }
    }
}

extension Array where Element == FieldSpec {
    /// Validates `values` against these fields: rejects unknown keys, wrong types and missing
    /// required fields (naming `prefix.field`), and fills in defaults.
    ///
    /// - Parameter partial: when `true`, required fields may be absent and no defaults are
    ///   added (for merging into an existing value).
    public func validate(
        _ values: [String: JSONValue],
        prefix: String? = nil,
        partial: Bool = false
    ) throws(JunctionError) -> [String: JSONValue] {
        func path(_ name: String) -> String { prefix.map { "\($0).\(name)" } ?? name }
        for key in values.keys.sorted() where !contains(where: { $0.name == key }) {
            let known = map(\.name).joined(separator: ", ")
            throw .invalidInput(
                "Unknown field '\(key.prefix(80))'." + (known.isEmpty ? "" : " Known fields: \(known)."),
                field: path(key)
            )
        }
        var result = values
        for field in self {
            if let value = values[field.name], !value.isNull {
                try field.check(value, path: path(field.name))
            } else if values[field.name] != nil {
                result[field.name] = nil
            }
            if result[field.name] == nil, !partial {
                if let defaultValue = field.defaultValue {
                    result[field.name] = defaultValue
                } else if field.required {
                    throw .invalidInput("Missing required field '\(field.name)'.", field: path(field.name))
                }
            }
        }
        return result
    }
}
