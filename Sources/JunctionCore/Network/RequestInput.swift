import Foundation

/// An inbound request body as a run's input: JSON as is, form fields as an object, text as a
/// string, and multipart uploads as form fields plus `_files` (each `{field, filename,
/// content_type, size, data}` with the content in base64), which `llm` agents pass to the model
/// as inline attachments.
public enum RequestInput {
    /// The key of the uploaded files in a multipart request's input.
    public static let filesKey = "_files"

    /// The input `body` (sent as `contentType`) stands for: `invalid_input` when it is not what
    /// its type says, `unsupported_media_type` for other types.
    public static func parse(_ body: [UInt8], contentType: String?) throws(JunctionError) -> JSONValue {
        guard !body.isEmpty else { return .null }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case _ where mediaType == "application/json" || mediaType.isEmpty || mediaType.hasSuffix("+json"):
            do {
                return try JSONCoding.decode(body)
            } catch {
                throw .invalidInput("The body is not valid JSON.", field: "body")
            }
        case "application/x-www-form-urlencoded":
            return fields(formEncoded: String(decoding: body, as: UTF8.self))
        case "multipart/form-data":
            guard let boundary = contentType.flatMap(MultipartFormData.boundary(in:)) else {
                throw .invalidInput("A multipart/form-data body needs a boundary parameter.", field: "Content-Type")
            }
            return try multipart(MultipartFormData(body: body, boundary: boundary))
        case _ where mediaType.hasPrefix("text/"):
            return .string(String(decoding: body, as: UTF8.self))
        default:
            throw JunctionError(
                .unsupportedMediaType,
                "Send JSON, form fields (urlencoded or multipart) or text, not \(mediaType.prefix(100)).", field: "Content-Type")
        }
    }

    /// `a=1&b=2&b=3` as `{"a":"1","b":["2","3"]}`.
    public static func fields(formEncoded text: String) -> JSONValue {
        var fields = FieldCollector()
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields.add(decode(parts[0]), .string(parts.count > 1 ? decode(parts[1]) : ""))
        }
        return fields.value
    }

    private static func multipart(_ form: MultipartFormData) throws(JunctionError) -> JSONValue {
        var fields = FieldCollector()
        var files: [JSONValue] = []
        for part in form.parts {
            if let filename = part.filename {
                files.append([
                    "field": .string(part.name), "filename": .string(filename),
                    "content_type": .string(part.contentType ?? "application/octet-stream"), "size": .integer(part.body.count),
                    "data": .string(Data(part.body).base64EncodedString()),
                ])
            } else {
                fields.add(part.name, .string(String(decoding: part.body, as: UTF8.self)))
            }
        }
        guard !files.isEmpty else { return fields.value }
        guard case .object(var members) = fields.value else { return fields.value }
        members[filesKey] = .array(files)
        return .object(members)
    }

    /// Form fields by name; a repeated name collects its values in an array.
    private struct FieldCollector {
        var members: [String: JSONValue] = [:]

        mutating func add(_ name: String, _ value: JSONValue) {
            switch members[name] {
            case nil: members[name] = value
            case .array(var values)?:
                values.append(value)
                members[name] = .array(values)
            case let first?: members[name] = [first, value]
            }
        }

        var value: JSONValue { .object(members) }
    }
}
