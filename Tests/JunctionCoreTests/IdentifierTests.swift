import Foundation
import Testing

@testable import JunctionCore

@Suite struct IdentifierTests {
    private static let hexDigits = Set("0123456789abcdef")

    @Test(arguments: ["ten", "key", "cred", "con", "x"])
    func hasPrefixUnderscoreAndThirtyTwoLowercaseHexDigits(_ prefix: String) {
        let id = Identifier.make(prefix)
        #expect(id.hasPrefix(prefix + "_"))
        #expect(id.count == prefix.count + 1 + 32)
        let body = id.dropFirst(prefix.count + 1)
        #expect(body.count == 32)
        #expect(body.allSatisfy { Self.hexDigits.contains($0) })
    }

    @Test func leadingDigitsEncodeTheMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_795_382_371.123)
        let id = Identifier.make("con", now: date)
        let millis = UInt64(date.timeIntervalSince1970 * 1000)
        let expected = String(millis, radix: 16)
        let timePart = id.dropFirst(4).prefix(12)
        #expect(timePart == String(repeating: "0", count: 12 - expected.count) + expected)
        #expect(UInt64(timePart, radix: 16) == millis)
    }

    @Test func timeBeforeTheEpochClampsToZero() {
        let id = Identifier.make("ten", now: Date(timeIntervalSince1970: -1000))
        #expect(id.dropFirst(4).prefix(12) == "000000000000")
        #expect(id.count == 36)
    }

    @Test func thousandIdentifiersAreUnique() {
        let date = Date(timeIntervalSince1970: 1_795_382_371)
        let ids = (0..<1000).map { _ in Identifier.make("con", now: date) }
        #expect(Set(ids).count == 1000)
        // Same instant, so uniqueness comes from the random part.
        #expect(Set(ids.map { $0.prefix(16) }).count == 1)
    }

    @Test func identifiersSortByCreationTime() {
        let start = 1_700_000_000.0
        // Later instants spread from 1 ms apart to years apart.
        let offsets: [Double] = [0, 0.001, 0.002, 0.5, 1, 60, 3600, 86_400, 31_536_000, 315_360_000]
        let dates = offsets.map { Date(timeIntervalSince1970: start + $0) }
        let ids = dates.map { Identifier.make("con", now: $0) }
        #expect(ids.sorted() == ids)
        #expect(ids.shuffled().sorted() == ids)
    }

    @Test func defaultClockIdentifiersSortByCreationTimeAcrossMilliseconds() {
        let earlier = Identifier.make("key", now: Date(timeIntervalSince1970: 1_000))
        let now = Identifier.make("key")
        #expect(earlier < now)
    }

    @Test func hexDigitsAreTwoLowercaseDigitsPerByte() {
        #expect(HexDigits.lowercase([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(HexDigits.lowercase([UInt8]()) == "")
    }
}
