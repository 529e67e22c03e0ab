import Foundation
import Testing

@testable import JunctionCore

@Suite struct TimestampTests {
    /// `2026-11-22T21:19:31Z`.
    static let base: TimeInterval = 1_795_382_371

    /// A date with whole milliseconds, built the way `Timestamp.now()` builds one.
    static func date(millisecondsSinceEpoch millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    @Test func formatsWholeSecondsWithThreeFractionDigitsInUTC() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.base)) == "2026-11-22T21:19:31.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func formatsMillisecondsThatAreExactInBinary() {
        // .5, .25 and .125 are exact binary fractions, so no rounding is involved.
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.base + 0.5)) == "2026-11-22T21:19:31.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.base + 0.25)) == "2026-11-22T21:19:31.250Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.base + 0.125)) == "2026-11-22T21:19:31.125Z")
    }

    @Test func parsesWithAndWithoutFraction() throws {
        let plain = try #require(Timestamp.parse("2026-11-22T21:19:31Z"))
        #expect(plain.timeIntervalSince1970 == Self.base)
        let fractional = try #require(Timestamp.parse("2026-11-22T21:19:31.500Z"))
        #expect(fractional.timeIntervalSince1970 == Self.base + 0.5)
        let millis = try #require(Timestamp.parse("2026-11-22T21:19:31.123Z"))
        #expect(Self.milliseconds(millis) == Int64(Self.base) * 1000 + 123)
    }

    @Test(arguments: ["", "yesterday", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22 21:19:31", "21:19:31Z"])
    func rejectsNonTimestamps(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func nowHasWholeMilliseconds() {
        for _ in 0..<100 {
            let now = Timestamp.now()
            let scaled = now.timeIntervalSince1970 * 1000
            // Within a microsecond of a whole millisecond (Date keeps a Double).
            #expect(abs(scaled - scaled.rounded()) < 0.001)
        }
    }

    /// Every millisecond value of one second is formatted with its own digits.
    @Test func formatWritesTheDatesOwnMilliseconds() {
        var wrong: [String] = []
        for millis in 0..<1000 {
            let date = Self.date(millisecondsSinceEpoch: Int64(Self.base) * 1000 + Int64(millis))
            let text = Timestamp.format(date)
            let expected = "2026-11-22T21:19:31." + String(repeating: "0", count: 3 - String(millis).count) + String(millis) + "Z"
            if text != expected { wrong.append("\(expected) → \(text)") }
        }
        let count = wrong.count
        #expect(count == 0, "formatted wrongly, e.g. \(wrong.prefix(3))")
    }

    /// Text → Date → text gives back the same text.
    @Test func textRoundTrip() throws {
        var wrong: [String] = []
        for millis in 0..<1000 {
            let text = "2026-11-22T21:19:31." + String(repeating: "0", count: 3 - String(millis).count) + String(millis) + "Z"
            let date = try #require(Timestamp.parse(text))
            if Timestamp.format(date) != text { wrong.append(text) }
        }
        let count = wrong.count
        #expect(count == 0, "changed, e.g. \(wrong.prefix(3))")
    }

    /// Date → text → Date gives back an equal date, as the doc of `now()` promises.
    @Test func dateRoundTrip() throws {
        var wrong = 0
        for millis in 0..<1000 {
            let date = Self.date(millisecondsSinceEpoch: Int64(Self.base) * 1000 + Int64(millis))
            let parsed = try #require(Timestamp.parse(Timestamp.format(date)))
            if parsed != date { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of 1000 dates changed")
    }

    /// Even where equality is lost, the round trip must stay at the same millisecond.
    @Test func dateRoundTripStaysWithinTheMillisecond() throws {
        var wrong = 0
        for millis in 0..<1000 {
            let date = Self.date(millisecondsSinceEpoch: Int64(Self.base) * 1000 + Int64(millis))
            let parsed = try #require(Timestamp.parse(Timestamp.format(date)))
            if Self.milliseconds(parsed) != Self.milliseconds(date) { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of 1000 dates moved")
    }

    @Test func coderDatesRoundTripThroughISOText() throws {
        struct Stamped: Codable, Equatable { var at: Date }
        let value = Stamped(at: Date(timeIntervalSince1970: Self.base + 0.5))
        let data = try JSONCoding.encode(value)
        #expect(String(decoding: data, as: UTF8.self) == #"{"at":"2026-11-22T21:19:31.500Z"}"#)
        #expect(try JSONCoding.decoder().decode(Stamped.self, from: data) == value)
        let plain = try JSONCoding.decoder().decode(Stamped.self, from: Data(#"{"at":"2026-11-22T21:19:31Z"}"#.utf8))
        #expect(plain.at.timeIntervalSince1970 == Self.base)
    }

    @Test func coderRejectsNonISODates() {
        struct Stamped: Codable { var at: Date }
        #expect(throws: DecodingError.self) {
            try JSONCoding.decoder().decode(Stamped.self, from: Data(#"{"at":"last tuesday"}"#.utf8))
        }
    }
}
