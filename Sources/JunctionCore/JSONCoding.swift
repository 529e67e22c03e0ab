import Foundation

/// The JSON encoders and decoders Junction uses, configured once so every surface agrees on
/// key order and date format.
public enum JSONCoding {
    /// Decodes `JSONValue` from UTF-8 bytes, reporting syntax errors as `invalid_input`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(JunctionError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw JunctionError.invalidInput("Request body is not valid JSON.")
        }
    }

    /// Encodes a value with sorted keys and ISO 8601 dates.
    public static func encode(_ value: some Encodable) throws -> Data {
        try encoder().encode(value)
    }

    /// A new encoder: sorted keys, unescaped slashes, ISO 8601 dates with milliseconds.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    /// A new decoder reading the dates `encoder()` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not an ISO 8601 date: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// ISO 8601 timestamps with millisecond precision in UTC, as every Junction surface writes them.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let plainStyle = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// The current time truncated to whole milliseconds, the precision every store keeps, so
    /// that a value returned on creation equals the one read back later.
    public static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// `2026-11-22T21:19:31.123Z`.
    public static func format(_ date: Date) -> String {
        style.format(date)
    }

    /// Parses a timestamp with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? plainStyle.parse(text))
    }
}
