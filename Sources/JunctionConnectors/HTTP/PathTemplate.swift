import JunctionCore

/// A URL path with `{name}` parameters, such as `/clientes/{id}/pedidos/{pedidoId}`.
///
/// Parsed once per resource; rendering percent-encodes every value so that a parameter can
/// never add path segments or a query.
public struct PathTemplate: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let parts: [Part]
    /// The parameter names, in order.
    public let parameters: [String]

    /// Parses `text`; an unclosed `{` or an empty `{}` is `invalid_input` naming `field`.
    public init(_ text: String, field: String) throws(JunctionError) {
        var parts: [Part] = []
        var parameters: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw .invalidInput("Unclosed '{' in path template '\(text)'.", field: field)
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard !name.isEmpty, !name.contains("{") else {
                throw .invalidInput("Empty or nested parameter in path template '\(text)'.", field: field)
            }
            parts.append(.parameter(name))
            parameters.append(name)
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
        self.parameters = parameters
    }

    /// The path with every parameter replaced by its percent-encoded value.
    ///
    /// - Throws: `invalid_input` naming `fieldPrefix + name` for a missing parameter.
    public func render(_ values: [String: String], fieldPrefix: String = "") throws(JunctionError) -> String {
        var path = ""
        for part in parts {
            switch part {
            case .literal(let text):
                path += text
            case .parameter(let name):
                guard let value = values[name], !value.isEmpty else {
                    throw .invalidInput("Missing path parameter '\(name)'.", field: fieldPrefix + name)
                }
                guard value != "." && value != ".." else {
                    throw .invalidInput("A path parameter cannot be '.' or '..'.", field: fieldPrefix + name)
                }
                path += PercentEncoding.encodePathSegment(value)
            }
        }
        return path
    }
}

/// RFC 3986 percent-encoding.
public enum PercentEncoding {
    /// `pairs` as `name=value&…`, each side percent-encoded (a query string or a form body).
    public static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encodeComponent($0.0))=\(encodeComponent($0.1))" }.joined(separator: "&")
    }

    /// Encodes everything but the unreserved characters (`A-Z a-z 0-9 - . _ ~`).
    public static func encodeComponent(_ text: String) -> String {
        encode(text, keeping: "")
    }

    /// Encodes a value for one path segment: what RFC 3986 allows in a segment (unreserved,
    /// sub-delimiters, `:` and `@`) stays; `/`, `?`, `#`, `%`, spaces and the rest are encoded,
    /// so a value can never add segments or a query.
    public static func encodePathSegment(_ text: String) -> String {
        encode(text, keeping: "!$&'()*+,;=:@")
    }

    private static func encode(_ text: String, keeping extra: String) -> String {
        let kept = Array(extra.utf8)
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where kept.contains(byte):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return encoded
    }
}
