extension JSONSchema {
    /// One schema object, its keywords read into typed fields.
    ///
    /// Fields are set only while `Program` compiles; afterwards a node is never mutated, which is
    /// what makes the unchecked `Sendable` sound. (`Regex` is not `Sendable`, but a compiled regex
    /// is safe to match from several threads: its lowered program is initialised atomically.)
    final class Node: @unchecked Sendable {
        /// The `false` schema.
        var rejectsAll = false
        /// No keyword constrains anything (`true`, `{}`, or only annotations).
        var acceptsAll = false
        /// OpenAPI 3.0 `nullable: true`: `null` is accepted outright.
        var nullable = false

        var types: TypeSet?
        /// The `type` names as written, for messages.
        var typeNames: [String] = []
        /// An index into `Program.targets`.
        var ref: Int?
        var refText = ""
        var enumValues: [JSONValue]?
        var constValue: JSONValue?

        var minimum: JSONValue?
        var maximum: JSONValue?
        var exclusiveMinimum: JSONValue?
        var exclusiveMaximum: JSONValue?
        var multipleOf: JSONValue?

        var minLength: Int?
        var maxLength: Int?
        var pattern: Pattern?
        var format: Format?

        var prefixItems: [Node] = []
        /// Applies to the items after `prefixItems`.
        var items: Node?
        var minItems: Int?
        var maxItems: Int?
        var uniqueItems = false
        var contains: Node?
        var minContains: Int?
        var maxContains: Int?

        var properties: [String: Node] = [:]
        var patternProperties: [(pattern: Pattern, node: Node)] = []
        var additionalProperties: Node?
        var required: [String] = []
        var minProperties: Int?
        var maxProperties: Int?

        var allOf: [Node] = []
        var anyOf: [Node] = []
        var oneOf: [Node] = []
        var not: Node?

        var hasNumberKeywords = false
        var hasStringKeywords = false
        var hasArrayKeywords = false
        var hasObjectKeywords = false
        /// Whether any of `properties`, `patternProperties` or `additionalProperties` is set.
        var hasMemberKeywords = false
        var hasCombinators = false

        /// Derives the summary flags once every keyword is read.
        func seal() {
            hasNumberKeywords =
                minimum != nil || maximum != nil || exclusiveMinimum != nil || exclusiveMaximum != nil
                || multipleOf != nil
            hasStringKeywords = minLength != nil || maxLength != nil || pattern != nil || format != nil
            hasArrayKeywords =
                !prefixItems.isEmpty || items != nil || minItems != nil || maxItems != nil || uniqueItems
                || contains != nil
            hasMemberKeywords = !properties.isEmpty || !patternProperties.isEmpty || additionalProperties != nil
            hasObjectKeywords =
                hasMemberKeywords || !required.isEmpty || minProperties != nil || maxProperties != nil
            hasCombinators = !allOf.isEmpty || !anyOf.isEmpty || !oneOf.isEmpty || not != nil
            acceptsAll =
                !rejectsAll && types == nil && ref == nil && enumValues == nil && constValue == nil
                && !hasNumberKeywords && !hasStringKeywords && !hasArrayKeywords && !hasObjectKeywords
                && !hasCombinators
        }
    }

    /// A compiled `pattern`, kept with its source for messages.
    struct Pattern {
        var source: String
        var regex: Regex<AnyRegexOutput>

        /// Whether the pattern matches anywhere in `text` (patterns are not implicitly anchored).
        func matches(_ text: String) -> Bool {
            text.contains(regex)
        }
    }

    /// The JSON types a `type` keyword allows.
    struct TypeSet: OptionSet {
        var rawValue: UInt8

        static let null = TypeSet(rawValue: 1 << 0)
        static let boolean = TypeSet(rawValue: 1 << 1)
        static let integer = TypeSet(rawValue: 1 << 2)
        static let number = TypeSet(rawValue: 1 << 3)
        static let string = TypeSet(rawValue: 1 << 4)
        static let array = TypeSet(rawValue: 1 << 5)
        static let object = TypeSet(rawValue: 1 << 6)

        init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The type a JSON Schema type name stands for, if it is one.
        init?(name: String) {
            switch name {
            case "null": self = .null
            case "boolean": self = .boolean
            case "integer": self = .integer
            case "number": self = .number
            case "string": self = .string
            case "array": self = .array
            case "object": self = .object
            default: return nil
            }
        }

        /// Whether `value` has one of these types. `integer` admits floats with no fraction;
        /// `number` admits integers.
        func admits(_ value: JSONValue) -> Bool {
            switch value {
            case .null: contains(.null)
            case .bool: contains(.boolean)
            case .integer: contains(.integer) || contains(.number)
            case .number(let double):
                contains(.number) || (contains(.integer) && double.isFinite && double.rounded(.towardZero) == double)
            case .string: contains(.string)
            case .array: contains(.array)
            case .object: contains(.object)
            }
        }
    }
}
