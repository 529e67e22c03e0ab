import Foundation
import JunctionCore
@testable import JunctionRuntime
import Testing

/// What a scheduler starting after downtime fires: the latest missed tick, once.
struct CronCatchUpTests {
    @Test func onlyTheLatestMissedTickIsFound() throws {
        let hourly = try CronSchedule("0 * * * *")
        let lastFired = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00:00 UTC
        let now = lastFired.addingTimeInterval(5 * 3600 + 600)
        #expect(CronScheduler.latestTick(of: hourly, after: lastFired, before: now) == lastFired.addingTimeInterval(5 * 3600))
        #expect(CronScheduler.latestTick(of: hourly, after: lastFired, before: lastFired.addingTimeInterval(1800)) == nil, "nothing missed")
        let everySecond = try CronSchedule("* * * * * *")
        let days = lastFired.addingTimeInterval(3 * 86_400)
        let latest = try #require(CronScheduler.latestTick(of: everySecond, after: lastFired, before: days))
        #expect(latest <= days, "a long gap settles for the last tick it reaches")
    }
}
