import Foundation
import JunctionCore

/// Checks URLs given in configuration.
public enum URLCheck {
    /// Throws unless `text` is an absolute URL with a host and one of `schemes`.
    public static func check(_ text: String, schemes: [String], field: String) throws(JunctionError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw .invalidInput("'\(text.prefix(200))' is not an absolute URL.", field: field)
        }
        guard schemes.isEmpty || schemes.contains(scheme) else {
            throw .invalidInput("URL scheme must be one of: \(schemes.joined(separator: ", ")).", field: field)
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidInput("A URL must not carry a user or password: put them in a credential.", field: field)
        }
    }

    static func http(_ text: String, field: String) throws(JunctionError) {
        try check(text, schemes: ["http", "https"], field: field)
    }
}
