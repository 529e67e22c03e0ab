/// A connector's `options` checked against its type's spec, defaults filled in and secrets
/// included: what a connector type reads its settings from, without restating a default or a
/// range (`options.integer("max_attempts")`).
///
/// The typed accessors are for fields the spec gives a default or requires, which are always
/// present; an optional field is read with the subscript (`options["test_path"]?.stringValue`).
public struct ConnectorOptions: Sendable, Hashable {
    /// Every option by name.
    public private(set) var values: [String: JSONValue]

    /// Options already checked against their spec (see `ConnectorSpec.options(_:)`).
    public init(validated values: [String: JSONValue]) {
        self.values = values
    }

    /// The option `name`, if set.
    public subscript(name: String) -> JSONValue? {
        values[name]
    }

    /// The string option `name`.
    public func string(_ name: String) throws(JunctionError) -> String {
        try typed(name, \.stringValue)
    }

    /// The integer option `name`.
    public func integer(_ name: String) throws(JunctionError) -> Int {
        try typed(name, \.intValue)
    }

    /// The boolean option `name`.
    public func bool(_ name: String) throws(JunctionError) -> Bool {
        try typed(name, \.boolValue)
    }

    /// The integer option `name` as a duration in milliseconds (fields named `…_ms`).
    public func milliseconds(_ name: String) throws(JunctionError) -> Duration {
        .milliseconds(try integer(name))
    }

    /// The integer option `name` as a duration in seconds (fields named `…_s`).
    public func seconds(_ name: String) throws(JunctionError) -> Duration {
        .seconds(try integer(name))
    }

    private func typed<T>(_ name: String, _ read: (JSONValue) -> T?) throws(JunctionError) -> T {
        guard let value = values[name].flatMap(read) else {
            throw .invalidInput("Missing required field '\(name)'.", field: "options.\(name)")
        }
        return value
    }
}

extension ConnectorSpec {
    /// `values` checked against the fields (see `validateOptions(_:)`), as the typed options a
    /// connector type reads.
    public func options(_ values: [String: JSONValue]) throws(JunctionError) -> ConnectorOptions {
        ConnectorOptions(validated: try validateOptions(values))
    }

    /// The name of the option that holds a connector's own resources (`http`, `graphql`, `soap`).
    public static let resourcesOption = "resources"

    /// The resources defined in `options`, for a type that takes them (else none).
    public func resources(in options: ConnectorOptions) throws(JunctionError) -> [Resource] {
        guard fields.contains(where: { $0.name == Self.resourcesOption }) else { return [] }
        return try Resource.parseAll(
            options[Self.resourcesOption], bindingFields: resourceFields, field: "options.\(Self.resourcesOption)")
    }
}
