import Foundation

/// The JSON encoders and decoders Junction uses, configured once so every surface agrees on
/// key order and date format.
public enum JSONCoding {
    /// Decodes `JSONValue` from UTF-8 bytes, reporting syntax errors as `invalid_input` that
    /// says what is wrong where.
    public static func decode(_ bytes: some Collection<UInt8>) throws(JunctionError) -> JSONValue {
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw JunctionError.invalidInput("Request body is not valid JSON: \(error).")
        }
    }

    /// Decodes `JSONValue` that Junction itself stored; a failure is `internal`, not the
    /// caller's fault.
    public static func decodeStored(_ bytes: some Collection<UInt8>) throws(JunctionError) -> JSONValue {
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw JunctionError.internal("Stored data is not valid JSON.", cause: error)
        }
    }

    /// Encodes a value with sorted keys and ISO 8601 dates (a `JSONValue` without Foundation's
    /// encoder, which writes the same text).
    public static func encode(_ value: some Encodable) throws -> Data {
        if let json = value as? JSONValue { return Data(json.jsonBytes) }
        return try encoder().encode(value)
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
///
/// Dates are carried as whole milliseconds: `now()` makes them, `normalized(_:)` brings a date
/// read from storage back to the exact same value, and `format`/`parse` round-trip them.
public enum Timestamp {
    private static let secondsStyle = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let fractionalStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// The current time truncated to whole milliseconds, the precision every store keeps, so
    /// that a value returned on creation equals the one read back later.
    public static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// `date` rounded to the nearest whole millisecond (the value `now()` would have made).
    public static func normalized(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// `2026-11-22T21:19:31.123Z`, with the date's own millisecond (rounded, not truncated).
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let wholeSeconds = fraction < 0 ? seconds - 1 : seconds
        let positiveFraction = fraction < 0 ? fraction + 1000 : fraction
        var text = secondsStyle.format(Date(timeIntervalSince1970: TimeInterval(wholeSeconds)))
        guard text.last == "Z" else { return text }
        text.removeLast()
        let digits = String(positiveFraction)
        return text + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses a timestamp with or without fractional seconds; UTC `Z` forms are exact to the
    /// millisecond.
    public static func parse(_ text: String) -> Date? {
        if text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") {
            let digits = text[text.index(after: dot)..<text.index(before: text.endIndex)]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let fraction = Int(digits),
                  let seconds = try? secondsStyle.parse(String(text[..<dot]) + "Z")
            else {
                return try? fractionalStyle.parse(text)
            }
            let milliseconds = (Double(fraction) * pow(10, Double(3 - digits.count))).rounded()
            return Date(timeIntervalSince1970: (seconds.timeIntervalSince1970 * 1000 + milliseconds).rounded() / 1000)
        }
        return (try? secondsStyle.parse(text)) ?? (try? fractionalStyle.parse(text))
    }
}
