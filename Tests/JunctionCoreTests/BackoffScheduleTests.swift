import JunctionCore
import Testing

struct BackoffScheduleTests {
    /// A webhook's default schedule: 10 s doubling to at most 4 hours, 17 attempts.
    let schedule = BackoffSchedule(base: .seconds(10), maximum: .seconds(4 * 3600))

    @Test func pausesDoubleUpToTheLongest() {
        let pauses = (1...16).map { schedule.nominalPause(afterAttempt: $0) }
        #expect(pauses.prefix(4) == [.seconds(10), .seconds(20), .seconds(40), .seconds(80)])
        #expect(pauses[10] == .seconds(10_240))
        #expect(pauses.suffix(5).allSatisfy { $0 == .seconds(14_400) }, "capped at retry_max_ms")
        #expect(schedule.nominalPause(afterAttempt: 1000) == .seconds(14_400), "no overflow for late attempts")
    }

    @Test func theDefaultAttemptsSpanAboutADay() {
        let hours = schedule.span(ofAttempts: 17).timeInterval / 3600
        #expect((24...27).contains(hours), "\(hours) hours")
        #expect(schedule.span(ofAttempts: 1) == .zero)
    }

    @Test func pausesAreSpreadWithinTheJitter() {
        #expect(schedule.pause(afterAttempt: 2, spread: -1) == .seconds(16))
        #expect(schedule.pause(afterAttempt: 2, spread: 1) == .seconds(24))
        #expect(schedule.pause(afterAttempt: 2, spread: 0) == .seconds(20))
        let spread = Set((0..<200).map { _ in schedule.pause(afterAttempt: 3).timeInterval })
        #expect(spread.allSatisfy { (32...48).contains($0) })
        #expect(spread.count > 100, "random pauses differ")
    }
}
