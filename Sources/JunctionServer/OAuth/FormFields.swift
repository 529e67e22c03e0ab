import Foundation
import JunctionRuntime

/// The fields of an `application/x-www-form-urlencoded` body (or query string), each at most
/// once, as OAuth requires of its parameters.
struct FormFields: Sendable {
    private(set) var values: [String: String] = [:]

    /// Reads `text`; a field given twice (or an undecodable one) is an `invalid_request`.
    init(_ text: Substring) throws(OAuthError) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw OAuthError(.invalidRequest, "The form is not valid URL encoding.")
            }
            guard values[name] == nil else { throw OAuthError(.invalidRequest, "The parameter '\(name.prefix(50))' is given more than once.") }
            values[name] = value
        }
    }

    subscript(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The field `name`, or `invalid_request` naming it.
    func require(_ name: String) throws(OAuthError) -> String {
        guard let value = self[name] else { throw OAuthError(.invalidRequest, "The parameter '\(name)' is missing.") }
        return value
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// `fields` as URL encoding (for a query string).
    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }
}
