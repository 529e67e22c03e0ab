import JunctionCore

/// How an operation's request body becomes input: an object body (JSON, urlencoded form or
/// multipart) becomes fields placed in the body (`x-in: body`) and sent with its encoding;
/// any other JSON body is one `body` field sent as it is; a body in a media type that `http`
/// connectors cannot send is left out when optional and skips the operation when required.
enum RequestBody {
    /// How the body's fields are sent (`body_encoding` of an `http` resource).
    typealias Encoding = HTTPBodyEncoding

    /// Fields placed in the body, those the body requires, and their encoding.
    case fields([String: JSONValue], required: [String], encoding: Encoding)
    /// The whole body as the `body` field.
    case whole(JSONValue, required: Bool)
    /// No body is sent; the note says why.
    case none(note: String)

    /// - Parameter taken: the parameters' names, which body fields must not reuse.
    init(_ body: JSONValue, resolver: ReferenceResolver, taken: Set<String>) throws(JunctionError) {
        let isRequired = body["required"]?.boolValue == true
        let content = body["content"]?.objectValue ?? [:]
        if let json = Self.jsonContent(body), let schema = json["schema"].map(resolver.inline) {
            let resolved = Self.followed(schema, resolver: resolver)
            if let properties = resolved["properties"]?.objectValue, !properties.keys.contains(where: taken.contains) {
                let fields = properties.mapValues { Self.placed($0) }
                self = .fields(fields, required: isRequired ? Self.requiredNames(resolved) : [], encoding: .json)
            } else {
                var whole = schema.objectValue ?? [:]
                whole["x-in"] = "request-body"
                if let description = body["description"]?.stringValue, whole["description"] == nil {
                    whole["description"] = .string(description)
                }
                self = .whole(.object(whole), required: isRequired)
            }
            return
        }
        for (mediaType, encoding) in [("application/x-www-form-urlencoded", Encoding.form), ("multipart/form-data", .multipart)] {
            guard let media = content.first(where: { $0.key.lowercased().hasPrefix(mediaType) })?.value else { continue }
            let schema = Self.followed(media["schema"].map(resolver.inline) ?? [:], resolver: resolver)
            guard let properties = schema["properties"]?.objectValue, !properties.isEmpty else {
                throw .invalidInput("Its \(mediaType) body has no named fields to send.")
            }
            let styles = media["encoding"]?.objectValue ?? [:]
            var fields: [String: JSONValue] = [:]
            var inputNames: [String: String] = [:]
            for (name, property) in properties {
                // A field with a parameter's name (Twilio's AccountSid) is input as `body_NAME`, sent as NAME.
                let inputName = taken.contains(name) ? "body_" + name : name
                inputNames[name] = inputName
                var field: JSONValue
                if encoding == .multipart, Self.isFile(Self.followed(property, resolver: resolver)) {
                    field = Self.fileField(property)
                } else if styles[name]?["style"]?.stringValue == "deepObject" {
                    field = Self.placed(property, extra: ["x-style": "deepObject"])
                } else {
                    field = Self.placed(property)
                }
                if inputName != name, case .object(var members) = field {
                    members["x-name"] = .string(name)
                    field = .object(members)
                }
                fields[inputName] = field
            }
            if let clash = fields.keys.sorted().first(where: taken.contains) {
                throw .invalidInput("The body field '\(clash)' has the name of a parameter.")
            }
            let required = isRequired ? Self.requiredNames(schema).compactMap { inputNames[$0] } : []
            self = .fields(fields, required: required, encoding: encoding)
            return
        }
        let types = content.keys.sorted().joined(separator: ", ")
        guard !isRequired else {
            throw .invalidInput("Its request body is only accepted as \(types.isEmpty ? "nothing named" : types), which http connectors do not send.")
        }
        self = .none(note: "The optional request body (\(types.isEmpty ? "no media type" : types)) is not sent.")
    }

    /// The `application/json` (or `+json`) media type object of a request body or response.
    static func jsonContent(_ value: JSONValue) -> JSONValue? {
        guard let content = value["content"]?.objectValue else { return nil }
        if let json = content["application/json"] { return json }
        let candidates = content.filter { key, _ in
            let type = key.lowercased()
            return type.hasPrefix("application/json") || (type.hasPrefix("application/") && type.contains("+json"))
        }
        return candidates.min(by: { $0.key < $1.key })?.value
    }

    /// A top-level `#/$defs/X` reference followed to its definition, so that its fields show.
    private static func followed(_ schema: JSONValue, resolver: ReferenceResolver) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/$defs/") else { return schema }
        return resolver.definitions[String(reference.dropFirst("#/$defs/".count))] ?? schema
    }

    private static func requiredNames(_ schema: JSONValue) -> [String] {
        schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private static func placed(_ property: JSONValue, extra: [String: JSONValue] = [:]) -> JSONValue {
        var placed = property.objectValue ?? [:]
        placed["x-in"] = "body"
        placed.merge(extra) { _, new in new }
        return .object(placed)
    }

    /// Whether a multipart field carries a file's bytes.
    private static func isFile(_ schema: JSONValue) -> Bool {
        let format = schema["format"]?.stringValue
        return format == "binary" || format == "base64" || schema["contentMediaType"] != nil
            || schema["contentEncoding"]?.stringValue == "base64"
    }

    /// A file field: its text as a string, or `{data, filename, content_type}` with the bytes in base64.
    private static func fileField(_ property: JSONValue) -> JSONValue {
        let described = property["description"]?.stringValue.map { $0 + " " } ?? ""
        return [
            "description": .string(described + "A file: its text, or {\"data\": base64 bytes, \"filename\", \"content_type\"}."),
            "x-in": "body",
            "x-file": true,
            "anyOf": [
                ["type": "string"],
                [
                    "type": "object",
                    "properties": [
                        "data": ["type": "string", "contentEncoding": "base64"],
                        "filename": ["type": "string"],
                        "content_type": ["type": "string"],
                    ],
                    "required": ["data"],
                ],
            ],
        ]
    }
}
