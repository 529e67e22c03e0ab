import Foundation
import JunctionCore

/// How an `http` resource's body is sent (`body_encoding`): JSON, urlencoded form fields, or
/// multipart/form-data parts.
///
/// Form fields follow the bracket convention for nested values: `metadata[plan]=pro`,
/// `items[0][price]=5`; an array of plain values repeats its name (`tag=a&tag=b`, OpenAPI's
/// default), or takes brackets (`expand[]=a`) inside nested values and for fields marked
/// `x-style: deepObject`. Multipart sends each field as a part (objects and arrays of objects
/// as JSON parts) and fields marked `x-file` as file parts, from their text or from
/// `{data: base64, filename, content_type}`.
enum HTTPBodyEncoding: String, Sendable {
    case json, form, multipart

    /// What the input schema says about one body field.
    struct FieldStyle: Sendable, Hashable {
        /// A multipart file part.
        var isFile = false
        /// Arrays of plain values in brackets (`name[]=v`).
        var deepObject = false
    }

    /// The request body for `value` (`styles` by top-level field name).
    func body(_ value: JSONValue, styles: [String: FieldStyle]) throws(JunctionError) -> HTTPTransport.Body {
        switch self {
        case .json:
            return .json(value)
        case .form:
            guard case .object(let fields) = value else {
                throw .invalidInput("A form body is a set of named fields (an object), not \(value.typeName).", field: "body")
            }
            var pairs: [(String, String)] = []
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                Self.formPairs(name, field, brackets: styles[name]?.deepObject ?? false, into: &pairs)
            }
            let text = pairs.map { Self.formEscaped($0.0) + "=" + Self.formEscaped($0.1) }.joined(separator: "&")
            return .bytes(Array(text.utf8), contentType: "application/x-www-form-urlencoded")
        case .multipart:
            guard case .object(let fields) = value else {
                throw .invalidInput("A multipart body is a set of named fields (an object), not \(value.typeName).", field: "body")
            }
            var form = MultipartWriter()
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                if styles[name]?.isFile == true {
                    try form.addFile(name, field)
                } else {
                    form.addField(name, field)
                }
            }
            return .bytes(form.finished(), contentType: "multipart/form-data; boundary=\(form.boundary)")
        }
    }

    private static func formPairs(_ name: String, _ value: JSONValue, brackets: Bool, into pairs: inout [(String, String)]) {
        switch value {
        case .null:
            return
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                formPairs("\(name)[\(key)]", member, brackets: true, into: &pairs)
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                switch item {
                case .object, .array: formPairs("\(name)[\(index)]", item, brackets: true, into: &pairs)
                case .null: continue
                default: pairs.append((brackets ? name + "[]" : name, HTTPRoute.text(item)))
                }
            }
        default:
            pairs.append((name, HTTPRoute.text(value)))
        }
    }

    /// `application/x-www-form-urlencoded` escaping: letters, digits and `-._*` as they are,
    /// space as `+`, every other byte of the UTF-8 as `%HH`.
    static func formEscaped(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                escaped.append("+")
            default:
                escaped += "%" + HexDigits.lowercase([byte]).uppercased()
            }
        }
        return escaped
    }
}

/// Writes a multipart/form-data body.
struct MultipartWriter {
    /// The boundary between parts (random, so no field's content contains it by chance).
    let boundary = "junction-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    private var bytes: [UInt8] = []

    /// A plain field: text for plain values, repeated parts for an array of them, JSON for the rest.
    mutating func addField(_ name: String, _ value: JSONValue) {
        switch value {
        case .null:
            return
        case .object:
            addPart(name, filename: nil, contentType: "application/json", Array((try? JSONCoding.encode(value)) ?? Data()))
        case .array(let items) where items.allSatisfy({ $0.objectValue == nil && $0.arrayValue == nil }):
            for item in items where !item.isNull { addPart(name, filename: nil, contentType: nil, Array(HTTPRoute.text(item).utf8)) }
        case .array:
            addPart(name, filename: nil, contentType: "application/json", Array((try? JSONCoding.encode(value)) ?? Data()))
        default:
            addPart(name, filename: nil, contentType: nil, Array(HTTPRoute.text(value).utf8))
        }
    }

    /// A file field: its text, or `{data: base64, filename, content_type}`.
    mutating func addFile(_ name: String, _ value: JSONValue) throws(JunctionError) {
        switch value {
        case .null:
            return
        case .string(let text):
            addPart(name, filename: name, contentType: "application/octet-stream", Array(text.utf8))
        case .object(let file):
            guard let encoded = file["data"]?.stringValue, let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw .invalidInput("A file's data must be base64.", field: "\(name).data")
            }
            addPart(
                name, filename: file["filename"]?.stringValue ?? name,
                contentType: file["content_type"]?.stringValue ?? "application/octet-stream", Array(data))
        default:
            throw .invalidInput("A file is its text or {data, filename, content_type}, not \(value.typeName).", field: name)
        }
    }

    private mutating func addPart(_ name: String, filename: String?, contentType: String?, _ content: [UInt8]) {
        var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\""
        if let filename { head += "; filename=\"\(Self.quoted(filename))\"" }
        head += "\r\n"
        if let contentType { head += "Content-Type: \(Self.quoted(contentType))\r\n" }
        head += "\r\n"
        bytes += Array(head.utf8)
        bytes += content
        bytes += Array("\r\n".utf8)
    }

    /// The body with its closing boundary.
    func finished() -> [UInt8] {
        bytes + Array("--\(boundary)--\r\n".utf8)
    }

    /// A header parameter's text with quotes escaped and line breaks dropped (RFC 7578).
    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
    }
}
