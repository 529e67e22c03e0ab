import Foundation
import JunctionCore
import Testing

struct CronScheduleTests {
    /// `text` (`yyyy-MM-dd HH:mm:ss`) in `zone`.
    static func time(_ text: String, _ zone: String = "UTC") -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)!
    }

    static func next(_ expression: String, _ zone: String = "UTC", after text: String) throws -> Date? {
        try CronSchedule(expression, timeZone: zone).next(after: time(text, zone))
    }

    @Test func fieldsTakeStarsListsRangesStepsAndNames() throws {
        #expect(try Self.next("*/15 * * * *", after: "2026-11-23 10:07:00") == Self.time("2026-11-23 10:15:00"))
        #expect(try Self.next("*/15 * * * *", after: "2026-11-23 10:15:00") == Self.time("2026-11-23 10:30:00"), "strictly after")
        #expect(try Self.next("0 9 * * MON-FRI", after: "2026-11-21 12:00:00") == Self.time("2026-11-23 09:00:00"), "Saturday → Monday")
        #expect(try Self.next("5,35 8-9 * * *", after: "2026-11-23 08:40:00") == Self.time("2026-11-23 09:05:00"))
        #expect(try Self.next("0 0 1 JAN,jul *", after: "2026-02-01 00:00:00") == Self.time("2026-07-01 00:00:00"))
        #expect(try Self.next("0 12 * * 7", after: "2026-11-23 00:00:00") == Self.time("2026-11-29 12:00:00"), "7 is Sunday")
        #expect(try Self.next("10/20 * * * *", after: "2026-11-23 10:31:00") == Self.time("2026-11-23 10:50:00"))
        #expect(try Self.next("*/20 * * * * *", after: "2026-11-23 10:00:41") == Self.time("2026-11-23 10:01:00"), "six fields: seconds first")
    }

    @Test func aDayFieldStartingWithAStarMustMatchToo() throws {
        // Every other day of the month (1, 3, 5, …): not every day.
        #expect(try Self.next("0 0 */2 * *", after: "2026-11-23 12:00:00") == Self.time("2026-11-25 00:00:00"))
        // Every other weekday (Sun, Tue, Thu, Sat): 2026-11-23 is a Monday.
        #expect(try Self.next("0 0 * * */2", after: "2026-11-23 12:00:00") == Self.time("2026-11-24 00:00:00"))
        // The 13th only when it is also a Sunday, Tuesday, Thursday or Saturday (Vixie: a `*` field means AND).
        #expect(try Self.next("0 0 13 * */2", after: "2026-11-23 00:00:00") == Self.time("2026-12-13 00:00:00"))
        #expect(try Self.next("0 0 13 * */2", after: "2026-12-14 00:00:00") == Self.time("2027-02-13 00:00:00"), "13 Jan 2027 is a Wednesday")
    }

    @Test func restrictedDayFieldsMatchEitherDay() throws {
        // The 13th, or any Friday (Vixie cron): 2026-11-27 is a Friday before December 13th.
        #expect(try Self.next("0 0 13 * FRI", after: "2026-11-23 00:00:00") == Self.time("2026-11-27 00:00:00"))
        #expect(try Self.next("0 0 13 * *", after: "2026-11-23 00:00:00") == Self.time("2026-12-13 00:00:00"))
        #expect(try Self.next("0 0 29 2 *", after: "2026-03-01 00:00:00") == Self.time("2028-02-29 00:00:00"), "the next leap day")
    }

    @Test func timesAreReadInTheTimeZoneAcrossDaylightSavingChanges() throws {
        #expect(try Self.next("0 9 * * *", "Europe/Berlin", after: "2026-11-23 10:00:00") == Self.time("2026-11-24 09:00:00", "Europe/Berlin"))
        #expect(try Self.next("0 9 * * *", "Europe/Berlin", after: "2026-11-23 10:00:00") == Self.time("2026-11-24 08:00:00"), "UTC+1 in winter")
        // 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00): that day does not fire.
        #expect(try Self.next("30 2 * * *", "Europe/Berlin", after: "2026-03-29 00:00:00")
            == Self.time("2026-03-30 02:30:00", "Europe/Berlin"))
        #expect(try Self.next("0 9 * * *", "America/New_York", after: "2026-07-01 12:00:00") == Self.time("2026-07-02 13:00:00"), "UTC-4 in summer")
        // 2026-11-01 01:30 happens twice in New York (01:59:59 EDT → 01:00 EST): both fire.
        let first = try #require(try Self.next("30 1 * * *", "America/New_York", after: "2026-11-01 00:00:00"))
        #expect(first == Self.time("2026-11-01 05:30:00"))
        #expect(try CronSchedule("30 1 * * *", timeZone: "America/New_York").next(after: first) == Self.time("2026-11-01 06:30:00"))
    }

    @Test func badSchedulesAreRefusedNamingTheField() {
        for expression in ["* * * *", "* * * * * * *", "61 * * * *", "5-1 * * * *", "*/0 * * * *", "0 0 31 2 *", "0 0 * * FUNDAY", "1,,2 * * * *"] {
            let error = #expect(throws: JunctionError.self, "\(expression)") { try CronSchedule(expression, field: "options.schedule") }
            #expect(error?.field == "options.schedule", "\(expression)")
        }
        let zone = #expect(throws: JunctionError.self) { try CronSchedule("* * * * *", timeZone: "Mars/Olympus", timeZoneField: "options.timezone") }
        #expect(zone?.field == "options.timezone")
        #expect(zone?.message.contains("IANA") == true)
    }
}
