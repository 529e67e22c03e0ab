import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts.
public struct MultipartFormData: Sendable {
    /// One part: a form field, or a file when it has a file name.
    public struct Part: Sendable {
        /// The form field's name.
        public var name: String
        /// The uploaded file's name, for a file.
        public var filename: String?
        /// The part's `Content-Type`, when it has one (RFC 7578 reads none as `text/plain`).
        public var contentType: String?
        /// The part's content.
        public var body: [UInt8]
    }

    /// The parts, in order.
    public var parts: [Part]

    /// Splits `body` at `boundary` (the `boundary` parameter of the request's content type);
    /// `invalid_input` for a body that is not well-formed.
    public init(body: [UInt8], boundary: String) throws(JunctionError) {
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw .invalidInput("The multipart boundary must have 1 to 70 characters.")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n".utf8) + delimiter
        guard var position = Self.find(delimiter, in: body, from: 0) else {
            throw .invalidInput("The multipart body has no part boundary.")
        }
        position += delimiter.count
        var parts: [Part] = []
        while true {
            // After a boundary: "--" ends the body, CRLF starts a part.
            if body[position...].starts(with: Array("--".utf8)) { break }
            guard body[position...].starts(with: Array("\r\n".utf8)) else {
                throw .invalidInput("The multipart body is malformed after a boundary.")
            }
            let start = position + 2
            guard let end = Self.find(separator, in: body, from: start) else {
                throw .invalidInput("The multipart body ends without its closing boundary.")
            }
            parts.append(try Self.part(Array(body[start..<end])))
            position = end + separator.count
        }
        self.parts = parts
    }

    /// The `boundary` parameter of a `multipart/form-data` content type.
    public static func boundary(in contentType: String) -> String? {
        parameters(of: contentType)["boundary"]
    }

    /// The `name=value` parameters after the first `;` of a header value, names lowercased and
    /// quoted values unquoted (a `;` inside quotes belongs to the value).
    static func parameters(of value: String) -> [String: String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\", quoted {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                current.append(character)
            } else if character == ";", !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        var parameters: [String: String] = [:]
        for item in items.dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard pair.count == 2 else { continue }
            parameters[pair[0].lowercased()] = pair[1].unquoted()
        }
        return parameters
    }

    private static func part(_ bytes: [UInt8]) throws(JunctionError) -> Part {
        let blank = Array("\r\n\r\n".utf8)
        let headerEnd: Int
        let bodyStart: Int
        if bytes.starts(with: Array("\r\n".utf8)) {
            (headerEnd, bodyStart) = (0, 2)  // no headers
        } else if let end = find(blank, in: bytes, from: 0) {
            (headerEnd, bodyStart) = (end, end + blank.count)
        } else {
            throw .invalidInput("A multipart part has no end to its headers.")
        }
        var name: String?
        var filename: String?
        var contentType: String?
        for line in String(decoding: bytes[..<headerEnd], as: UTF8.self).split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let value = String(pair[1]).trimmingSpaces()
            switch pair[0].lowercased() {
            case "content-disposition":
                let parameters = Self.parameters(of: value)
                name = parameters["name"]
                filename = parameters["filename"]
            case "content-type":
                contentType = value
            default:
                break
            }
        }
        guard let name else { throw .invalidInput("A multipart part has no form field name.") }
        return Part(name: name, filename: filename, contentType: contentType, body: Array(bytes[bodyStart...]))
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    fileprivate func unquoted() -> String {
        guard count >= 2, hasPrefix("\""), hasSuffix("\"") else { return String(self) }
        return String(dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
    }
}
