import JunctionCore
import JunctionRuntime
import Synchronization
import Testing

/// Token buckets and concurrency caps hold exactly however many callers race.
struct RateLimiterTests {
    static func admitted(_ limiter: RateLimiter, callers: Int, limits: [RateLimit], hold: Duration = .zero) async -> (admitted: Int, refusals: [JunctionError]) {
        await withTaskGroup(of: Result<Void, JunctionError>.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    do {
                        let permit = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: limits)
                        try? await Task.sleep(for: hold)
                        limiter.release(permit)
                        return .success(())
                    } catch let error as JunctionError {
                        return .failure(error)
                    } catch {
                        return .failure(.internal("\(error)"))
                    }
                }
            }
            var admitted = 0
            var refusals: [JunctionError] = []
            for await result in group {
                switch result {
                case .success: admitted += 1
                case .failure(let error): refusals.append(error)
                }
            }
            return (admitted, refusals)
        }
    }

    @Test func fiftyCallersGetExactlyTheBucketsTokens() async {
        let limiter = RateLimiter()
        let (admitted, refusals) = await Self.admitted(limiter, callers: 50, limits: [RateLimit(connector: Slug("crm"), perMinute: 12)])
        #expect(admitted == 12)
        #expect(refusals.count == 38)
        #expect(refusals.allSatisfy { $0.code == .rateLimited && $0.retryable })
        let wait = refusals.first?.details?["retry_after_ms"]?.intValue ?? 0
        #expect(wait > 1000 && wait <= 5000, "one token comes back every 5 s: \(wait)")
        #expect(refusals.first?.details?["limit"] == "connector:crm")
        #expect(refusals.first?.retryAfter != nil)
    }

    @Test func theTenantLimitAndTheConnectorLimitBothHold() async {
        let limiter = RateLimiter()
        let limits = [RateLimit(perSecond: 0.01, burst: 5), RateLimit(connector: Slug("crm"), perMinute: 10)]
        let first = await Self.admitted(limiter, callers: 20, limits: limits)
        #expect(first.admitted == 5, "the tenant's burst is the tighter")
        #expect(first.refusals.first?.details?["limit"] == "tenant")
        let other = try? await limiter.admit(tenantID: "ten_2", connector: "crm", limits: limits)
        #expect(other != nil, "another tenant has its own buckets")
    }

    @Test func callsInFlightAreCappedExactlyAndWaitersGetFreedSlotsInTurn() async {
        let limiter = RateLimiter()
        let refused = await Self.admitted(limiter, callers: 30, limits: [RateLimit(maxInFlight: 4)], hold: .milliseconds(300))
        #expect(refused.admitted == 4)
        #expect(refused.refusals.count == 26)

        let queued = await Self.admitted(limiter, callers: 12, limits: [RateLimit(maxInFlight: 4, queue: .seconds(20))], hold: .milliseconds(50))
        #expect(queued.admitted == 12, "a queue long enough lets every caller through in turn")
    }

    @Test func aQueueWaitsForTokensInsteadOfRefusing() async {
        let limiter = RateLimiter()
        let clock = ContinuousClock()
        let start = clock.now
        let result = await Self.admitted(limiter, callers: 4, limits: [RateLimit(perSecond: 10, burst: 1, queue: .seconds(5))])
        #expect(result.admitted == 4)
        #expect(clock.now - start >= .milliseconds(250), "three of them waited for a token each")
    }

    @Test func aChangedLimitStartsFreshBucketsButKeepsCallsInFlight() async throws {
        let limiter = RateLimiter()
        let tight = [RateLimit(perMinute: 1, maxInFlight: 1)]
        let held = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: tight)
        await #expect(throws: JunctionError.self) { _ = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: tight) }
        let loose = [RateLimit(perMinute: 100, maxInFlight: 2)]
        let second = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: loose)
        await #expect(throws: JunctionError.self, "the call still in flight counts against the new cap") {
            _ = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: loose)
        }
        limiter.release(held)
        limiter.release(second)
        let third = try await limiter.admit(tenantID: "ten_1", connector: "crm", limits: loose)
        limiter.release(third)
    }
}
