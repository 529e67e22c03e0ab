import Foundation

/// A cron schedule: five fields (`minute hour day-of-month month day-of-week`), or six with a
/// leading `second` field, read in an IANA time zone.
///
/// Each field takes `*`, numbers, ranges (`1-5`), lists (`1,15`) and steps (`*/10`, `0-30/5`);
/// months and weekdays also take names (`JAN`, `MON`), and Sunday is `0` or `7`. As in Vixie
/// cron, when neither day field starts with `*` a day matching either one fires; otherwise a day
/// must match both. Local times that a daylight-saving change skips never fire; those it repeats
/// fire twice.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given (fields separated by single spaces).
    public let expression: String
    /// The time zone the fields are read in.
    public let timeZone: TimeZone
    /// Sorted, for jumping to the next allowed value.
    private let seconds: [Int]
    private let minutes: [Int]
    private let hours: Set<Int>
    private let daysOfMonth: Set<Int>
    private let months: Set<Int>
    /// 1 = Sunday … 7 = Saturday (`Calendar`'s numbering).
    private let weekdays: Set<Int>
    /// Whether a day must match both day fields (one of them starts with `*`) or either.
    private let daysMatchBoth: Bool

    /// Parses `expression` in the time zone `timeZone` (an IANA name such as `Europe/Berlin`).
    /// Errors are `invalid_input` naming `field` (or `timeZoneField` for the time zone).
    public init(
        _ expression: String, timeZone: String = "UTC", field: String = "schedule", timeZoneField: String? = nil
    ) throws(JunctionError) {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw .invalidInput(
                "'\(timeZone.prefix(64))' is not an IANA time zone such as Europe/Berlin.", field: timeZoneField ?? field)
        }
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw .invalidInput(
                "A schedule has five fields (minute hour day-of-month month day-of-week), or six with a leading second.", field: field)
        }
        let fields = parts.count == 6 ? parts : ["0"] + parts
        self.expression = parts.joined(separator: " ")
        self.timeZone = zone
        seconds = try Self.values(fields[0], 0...59, name: "second", field: field).sorted()
        minutes = try Self.values(fields[1], 0...59, name: "minute", field: field).sorted()
        hours = try Self.values(fields[2], 0...23, name: "hour", field: field)
        daysOfMonth = try Self.values(fields[3], 1...31, name: "day of month", field: field)
        months = try Self.values(fields[4], 1...12, name: "month", field: field, names: Self.monthNames)
        let weekdays = try Self.values(fields[5], 0...7, name: "day of week", field: field, names: Self.weekdayNames)
        self.weekdays = Set(weekdays.map { $0 % 7 + 1 })
        daysMatchBoth = fields[3].hasPrefix("*") || fields[5].hasPrefix("*")
        guard next(after: Date(timeIntervalSince1970: 0)) != nil else {
            throw .invalidInput("'\(self.expression)' never fires.", field: field)
        }
    }

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    /// The last time the schedule fires after `start` and at or before `end`, if any. Looks
    /// back from `end` in widening windows, so a frequent schedule missed for long costs little.
    public func latestTick(after start: Date, before end: Date) -> Date? {
        for window: TimeInterval in [60, 3600, 86_400, 32 * 86_400, 366 * 86_400, 9 * 366 * 86_400] {
            var cursor = max(start, end.addingTimeInterval(-window))
            var latest: Date?
            while let tick = next(after: cursor), tick <= end {
                latest = tick
                cursor = tick
            }
            if latest != nil || cursor == start { return latest }
        }
        return nil
    }

    /// The first time after `date` the schedule fires, or `nil` if none within eight years.
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var candidate = Date(timeIntervalSince1970: (date.timeIntervalSince1970 + 1).rounded(.down))
        let limit = date.addingTimeInterval(8 * 366 * 86_400)
        while candidate <= limit {
            let parts = calendar.dateComponents([.month, .day, .weekday, .hour, .minute, .second], from: candidate)
            guard let month = parts.month, let day = parts.day, let weekday = parts.weekday, let hour = parts.hour,
                  let minute = parts.minute, let second = parts.second
            else { return nil }
            if !months.contains(month) {
                candidate = Self.start(of: .month, after: candidate, in: calendar)
            } else if !dayMatches(day: day, weekday: weekday) {
                candidate = Self.start(of: .day, after: candidate, in: calendar)
            } else if !hours.contains(hour) {
                candidate = Self.start(of: .hour, after: candidate, in: calendar)
            } else if let next = minutes.first(where: { $0 >= minute }), next > minute {
                let skipped = TimeInterval(60 * (next - minute - 1))
                candidate = Self.start(of: .minute, after: candidate, in: calendar).addingTimeInterval(skipped)
            } else if !minutes.contains(minute) {
                candidate = Self.start(of: .hour, after: candidate, in: calendar)
            } else if let next = seconds.first(where: { $0 >= second }) {
                if next == second { return candidate }
                candidate = candidate.addingTimeInterval(TimeInterval(next - second))
            } else {
                candidate = Self.start(of: .minute, after: candidate, in: calendar)
            }
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        daysMatchBoth
            ? daysOfMonth.contains(day) && weekdays.contains(weekday)
            : daysOfMonth.contains(day) || weekdays.contains(weekday)
    }

    /// The start of the `unit` (month, day, hour, minute) after the one holding `date`.
    private static func start(of unit: Calendar.Component, after date: Date, in calendar: Calendar) -> Date {
        guard let interval = calendar.dateInterval(of: unit, for: date) else { return date.addingTimeInterval(1) }
        return interval.end
    }

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset + 1 }
    private static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset }

    /// The values one field allows.
    private static func values(
        _ text: String, _ range: ClosedRange<Int>, name: String, field: String, names: [String: Int] = [:]
    ) throws(JunctionError) -> Set<Int> {
        func number(_ part: Substring) throws(JunctionError) -> Int {
            if let value = Int(part) ?? names[part.uppercased()], range.contains(value) { return value }
            throw .invalidInput(
                "'\(part.prefix(20))' is not a \(name) (\(range.lowerBound)–\(range.upperBound)) in '\(text.prefix(40))'.", field: field)
        }
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, !stepParts[0].isEmpty else {
                throw .invalidInput("'\(item.prefix(20))' is not a valid \(name) item.", field: field)
            }
            var step = 1
            if stepParts.count == 2 {
                guard let value = Int(stepParts[1]), value > 0 else {
                    throw .invalidInput("The step in '\(item.prefix(20))' must be a positive number.", field: field)
                }
                step = value
            }
            let bounds: ClosedRange<Int>
            if stepParts[0] == "*" {
                bounds = range
            } else if let dash = stepParts[0].firstIndex(of: "-") {
                let low = try number(stepParts[0][..<dash])
                let high = try number(stepParts[0][stepParts[0].index(after: dash)...])
                guard low <= high else {
                    throw .invalidInput("The range '\(stepParts[0].prefix(20))' runs backwards.", field: field)
                }
                bounds = low...high
            } else {
                let value = try number(stepParts[0])
                // `5/15` means from 5 to the end, every 15.
                bounds = stepParts.count == 2 ? value...range.upperBound : value...value
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }
}
