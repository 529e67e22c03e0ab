import Foundation

/// MCP's `structuredContent` and `outputSchema` must be JSON objects. A result that is not an
/// object travels as `{"result": value}`, and its schema is declared the same way, so the two
/// always agree.
public enum StructuredOutput {
    /// The output schema as MCP declares it: an object schema as is, any other wrapped.
    public static func schema(_ schema: JSONValue) -> JSONValue {
        declaresObject(schema) ? schema : ToolSchema.wrapped(schema, as: "result")
    }

    /// The structured content for `data`: wrapped when the declared schema was wrapped, or,
    /// with no declared schema, when `data` is not an object.
    public static func content(_ data: JSONValue, declaredSchema: JSONValue?) -> JSONValue {
        let wrap = declaredSchema.map { !declaresObject($0) } ?? (data.objectValue == nil)
        return wrap ? ["result": data] : data
    }

    /// `data` as compact JSON text (a string result as itself).
    public static func text(_ data: JSONValue) -> String {
        if case .string(let text) = data { return text }
        return (try? JSONCoding.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The output as compact JSON text (a string result as itself); an upstream's text as it came.
    public static func text(_ payload: JSONPayload) -> String {
        if case .text(let upstream) = payload,
           upstream.bytes.first(where: { !JSONText.isWhitespace($0) }) != UInt8(ascii: "\"")
        {
            return String(decoding: upstream.bytes, as: UTF8.self)
        }
        return text(payload.value)
    }

    /// Whether `schema` says `"type": "object"` (stricter than `ToolSchema.isObjectSchema`: an
    /// output schema that allows anything may describe a non-object result).
    static func declaresObject(_ schema: JSONValue) -> Bool {
        schema["type"]?.stringValue == "object"
    }
}
