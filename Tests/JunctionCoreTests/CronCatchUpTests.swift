import Foundation
import JunctionCore
import Testing

/// What a scheduler starting after downtime fires: the latest missed tick, once.
struct CronCatchUpTests {
    @Test func onlyTheLatestMissedTickIsFound() throws {
        let hourly = try CronSchedule("0 * * * *")
        let lastFired = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00:00 UTC
        let now = lastFired.addingTimeInterval(5 * 3600 + 600)
        #expect(hourly.latestTick(after: lastFired, before: now) == lastFired.addingTimeInterval(5 * 3600))
        #expect(hourly.latestTick(after: lastFired, before: lastFired.addingTimeInterval(1800)) == nil, "nothing missed")
        let everySecond = try CronSchedule("* * * * * *")
        let days = lastFired.addingTimeInterval(3 * 86_400 + 0.5)
        #expect(everySecond.latestTick(after: lastFired, before: days) == lastFired.addingTimeInterval(3 * 86_400),
                "a frequent schedule missed for days: the very last tick")
        let yearly = try CronSchedule("0 0 1 1 *")
        #expect(yearly.latestTick(after: lastFired.addingTimeInterval(-3 * 366 * 86_400), before: lastFired)
            == Date(timeIntervalSince1970: 1_798_761_600), "2027-01-01, years back")
    }
}
