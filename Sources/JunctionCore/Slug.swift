import Foundation

/// A URL-safe name: lowercase letters, digits and dashes, starting with a letter or digit,
/// at most 63 characters (`^[a-z0-9][a-z0-9-]{0,62}$`). Connector and credential names are slugs.
public struct Slug: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The validated text.
    public let rawValue: String

    /// Validates `text`, returning `nil` when it is not a slug.
    public init?(_ text: String) {
        guard Slug.isValid(text) else { return nil }
        self.rawValue = text
    }

    /// Validates `text`, throwing `invalid_input` naming `field` when it is not a slug.
    public init(validating text: String, field: String) throws(JunctionError) {
        guard Slug.isValid(text) else {
            throw .invalidInput(
                "'\(text.prefix(80))' is not a valid name: use 1–63 lowercase letters, digits or dashes, starting with a letter or digit.",
                field: field
            )
        }
        self.rawValue = text
    }

    /// Whether `text` matches `^[a-z0-9][a-z0-9-]{0,62}$`.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= 63, first != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Slug, rhs: Slug) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let slug = Slug(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Not a slug: \(text)"))
        }
        self = slug
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Slug {
    /// `text` in kebab-case as a slug (`getWeather`, `get_weather` → `get-weather`), or `nil`
    /// when it holds no ASCII letter or digit.
    public static func from(_ text: String) -> Slug? {
        Slug(kebab(text))
    }

    /// `text` in kebab-case: ASCII letters and digits lowercased, a dash between a lowercase
    /// letter or digit and an uppercase letter, every other run of characters one dash, at most
    /// 63 characters, no dash at either end.
    public static func kebab(_ text: String) -> String {
        var slug = ""
        var previous: Character?
        for character in text {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
                slug.append("-")
            }
            if character.isLetter || character.isNumber, character.isASCII {
                slug.append(Character(character.lowercased()))
            } else if slug.last != "-" && !slug.isEmpty {
                slug.append("-")
            }
            previous = character
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
