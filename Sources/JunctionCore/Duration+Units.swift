import Foundation

extension Duration {
    /// The duration in whole milliseconds (truncated).
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The duration in seconds, for `Date` arithmetic.
    public var timeInterval: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
