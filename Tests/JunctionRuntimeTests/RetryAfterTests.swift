import Foundation
import Testing

@testable import JunctionConnectors

@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T… UTC

    @Test func secondsAreRead() {
        #expect(HTTPTransport.retryAfter("120", now: now) == .seconds(120))
        #expect(HTTPTransport.retryAfter(" 0 ", now: now) == .seconds(0))
        #expect(HTTPTransport.retryAfter("-5", now: now) == .seconds(0))
    }

    @Test func httpDatesAreMeasuredFromNow() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let later = formatter.string(from: now.addingTimeInterval(90))
        #expect(HTTPTransport.retryAfter(later, now: now) == .seconds(90))
        let earlier = formatter.string(from: now.addingTimeInterval(-30))
        #expect(HTTPTransport.retryAfter(earlier, now: now) == .zero)
    }

    @Test func garbageIsIgnored() {
        #expect(HTTPTransport.retryAfter("soon", now: now) == nil)
        #expect(HTTPTransport.retryAfter("", now: now) == nil)
    }
}
