/// A JSON Schema (draft 2020-12 semantics, draft-07 and OpenAPI 3.0 documents accepted) that
/// validates `JSONValue` instances.
///
/// The schema is compiled once, at initialisation: keywords are read into typed nodes, `pattern`
/// regexes are compiled and local `$ref`s are resolved. Validation then runs a message-free pass
/// first and only walks the instance again, building paths and messages, when it is invalid.
///
/// Supported keywords: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
/// `patternProperties`, `items`, `prefixItems`, `additionalItems`, `contains`, `minContains`,
/// `maxContains`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minProperties`,
/// `maxProperties`, `allOf`, `anyOf`, `oneOf`, `not`, `nullable`, `format` and `$ref`. Other
/// keywords, unknown formats and patterns that do not compile are ignored.
public struct JSONSchema: Sendable, Hashable {
    /// One way an instance fails the schema.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// Where in the instance, as a dotted path (`items[2].email`); empty for the root.
        public var path: String
        /// What is wrong, for people (`missing required property 'email'`).
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    /// The schema document.
    public let schema: JSONValue
    /// The document `$ref`s resolve against, when it is not `schema` itself.
    public let root: JSONValue?
    let program: Program

    /// Compiles `schema`, resolving local `$ref`s (`#/$defs/X`, `#/components/schemas/X`) against
    /// `root`, or against `schema` itself when `root` is `nil`.
    public init(_ schema: JSONValue, root: JSONValue? = nil) {
        self.schema = schema
        self.root = root
        self.program = Program(schema: schema, root: root ?? schema)
    }

    /// Whether `instance` satisfies the schema. Builds no messages.
    public func isValid(_ instance: JSONValue) -> Bool {
        var validator = Validator(program: program, collecting: false)
        return validator.validate(program.entry, instance)
    }

    /// Every way `instance` fails the schema, in a stable order; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [Violation] {
        if isValid(instance) { return [] }
        var validator = Validator(program: program, collecting: true)
        _ = validator.validate(program.entry, instance)
        return validator.violations
    }

    /// Throws `invalid_input` for the first violation, naming the field as the violation path
    /// under `field` (`body` + `items[2].email` gives `body.items[2].email`).
    public func check(_ instance: JSONValue, field: String? = nil) throws(JunctionError) {
        guard let violation = validate(instance).first else { return }
        throw .invalidInput(violation.message, field: Self.join(field, violation.path))
    }

    static func join(_ field: String?, _ path: String) -> String? {
        guard let field, !field.isEmpty else { return path.isEmpty ? field : path }
        if path.isEmpty { return field }
        return path.hasPrefix("[") ? field + path : field + "." + path
    }

    public static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool {
        lhs.schema == rhs.schema && lhs.root == rhs.root
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(schema)
        hasher.combine(root)
    }
}
