import JunctionCore
import JunctionRuntime
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(2), maxRetryAfter: .seconds(10))
    let retryable = JunctionError(.upstreamError, "503", retryable: true)

    @Test func onlyRetryableFailuresOfReadsOrKeyedWritesWithinTheBudgetAreRetried() {
        #expect(policy.shouldRetry(retryable, attempt: 1, maxRetries: 3, kind: .read, idempotencyKey: nil))
        #expect(policy.shouldRetry(retryable, attempt: 3, maxRetries: 3, kind: .read, idempotencyKey: nil))
        #expect(!policy.shouldRetry(retryable, attempt: 4, maxRetries: 3, kind: .read, idempotencyKey: nil))
        #expect(!policy.shouldRetry(retryable, attempt: 1, maxRetries: 0, kind: .read, idempotencyKey: nil))
        #expect(!policy.shouldRetry(retryable, attempt: 1, maxRetries: 3, kind: .write, idempotencyKey: nil))
        #expect(policy.shouldRetry(retryable, attempt: 1, maxRetries: 3, kind: .write, idempotencyKey: "k"))
        let final = JunctionError(.upstreamError, "500")
        #expect(!policy.shouldRetry(final, attempt: 1, maxRetries: 3, kind: .read, idempotencyKey: nil))
    }

    @Test(arguments: 1...8)
    func backoffStaysWithinItsExponentialCeiling(attempt: Int) {
        let ceiling = policy.ceiling(attempt: attempt)
        #expect(ceiling == min(.seconds(2), .milliseconds(100) * (1 << (attempt - 1))))
        for _ in 0..<200 {
            let delay = policy.delay(after: retryable, attempt: attempt)
            #expect(delay >= .zero)
            #expect(delay <= ceiling)
        }
    }

    @Test func backoffIsJittered() {
        let delays = Set((0..<50).map { _ in policy.delay(after: retryable, attempt: 4) })
        #expect(delays.count > 10)
    }

    @Test func retryAfterIsHonouredUpToTheCapAndBeyondItTheCallEnds() {
        var limited = JunctionError(.rateLimited, "429", retryable: true)
        limited.retryAfter = .seconds(3)
        #expect(policy.delay(after: limited, attempt: 1) == .seconds(3))
        #expect(policy.shouldRetry(limited, attempt: 1, maxRetries: 3, kind: .read, idempotencyKey: nil))
        limited.retryAfter = .seconds(3600)
        #expect(!policy.shouldRetry(limited, attempt: 1, maxRetries: 3, kind: .read, idempotencyKey: nil))
    }
}
