/// A rate limit and concurrency cap for a tenant's calls, or for one connector's: token
/// buckets (requests per second and per minute, with a burst) and a most calls in flight. A
/// call over the limit waits up to `queue` for its turn, then answers `rate_limited` with
/// `retry_after_ms`.
public struct RateLimit: Sendable, Hashable {
    /// The connector it limits; `nil` limits every call of the tenant.
    public var connector: Slug?
    /// Calls per second, refilled continuously.
    public var perSecond: Double?
    /// Calls per minute, refilled continuously.
    public var perMinute: Double?
    /// How many calls may come at once after a quiet spell (the per-second bucket's size).
    /// Default: the per-second rate, rounded up (at least 1).
    public var burst: Int?
    /// The most calls under way at once.
    public var maxInFlight: Int?
    /// How long a call over the limit waits for its turn before it is refused. Default 0: refused at once.
    public var queue: Duration = .zero

    public init(
        connector: Slug? = nil, perSecond: Double? = nil, perMinute: Double? = nil, burst: Int? = nil, maxInFlight: Int? = nil,
        queue: Duration = .zero
    ) {
        self.connector = connector
        self.perSecond = perSecond
        self.perMinute = perMinute
        self.burst = burst
        self.maxInFlight = maxInFlight
        self.queue = queue
    }

    /// The per-second bucket's size.
    public var perSecondCapacity: Double? {
        perSecond.map { rate in Double(burst ?? max(1, Int(rate.rounded(.up)))) }
    }
}

extension RateLimit {
    /// Reads a limit at `field` (`limits[0]`).
    public init(json: JSONValue, field: String) throws(JunctionError) {
        var reader = try FieldReader(json, field: field)
        connector = try reader.slug("connector")
        perSecond = try Self.rate(&reader, "per_second")
        perMinute = try Self.rate(&reader, "per_minute")
        burst = try reader.int("burst", in: 1...1_000_000)
        maxInFlight = try reader.int("max_in_flight", in: 1...1_000_000)
        queue = .milliseconds(try reader.int("queue_ms", in: 0...300_000) ?? 0)
        try reader.finish()
        guard perSecond != nil || perMinute != nil || maxInFlight != nil else {
            throw .invalidInput("A limit needs per_second, per_minute or max_in_flight.", field: field)
        }
        if burst != nil, perSecond == nil {
            throw .invalidInput("burst sizes the per-second bucket: set per_second too.", field: reader.path("burst"))
        }
    }

    private static func rate(_ reader: inout FieldReader, _ key: String) throws(JunctionError) -> Double? {
        guard let value = reader.value(key), !value.isNull else { return nil }
        guard let rate = value.doubleValue, rate > 0, rate <= 1_000_000 else {
            throw .invalidInput("Must be a number above 0 and at most 1000000.", field: reader.path(key))
        }
        return rate
    }

    /// The limit as written.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let connector { members["connector"] = .string(connector.rawValue) }
        if let perSecond { members["per_second"] = Self.number(perSecond) }
        if let perMinute { members["per_minute"] = Self.number(perMinute) }
        if let burst { members["burst"] = .integer(burst) }
        if let maxInFlight { members["max_in_flight"] = .integer(maxInFlight) }
        members["queue_ms"] = .integer(queue.wholeMilliseconds)
        return .object(members)
    }

    private static func number(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 1e15 ? .integer(Int(value)) : .number(value)
    }
}
