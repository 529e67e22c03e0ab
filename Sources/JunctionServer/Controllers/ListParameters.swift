import Hummingbird
import JunctionCore

/// Query parameters that listings share.
enum ListParameters {
    /// `?status=a,b` as a set of `Status` values; `invalid_input` naming the unknown one.
    static func statuses<Status: RawRepresentable & CaseIterable & Hashable>(
        _ text: Substring?, of type: Status.Type = Status.self
    ) throws -> Set<Status> where Status.RawValue == String {
        var statuses: Set<Status> = []
        for item in (text.map(String.init) ?? "").split(separator: ",") {
            guard let status = Status(rawValue: String(item)) else {
                let known = Status.allCases.map(\.rawValue).joined(separator: ", ")
                throw JunctionError.invalidInput("Unknown status '\(item.prefix(40))': use \(known).", field: "status")
            }
            statuses.insert(status)
        }
        return statuses
    }

    /// `?limit=` from 1 to 500, or `fallback` when absent.
    static func limit(_ text: Substring?, default fallback: Int) throws -> Int {
        guard let text else { return fallback }
        guard let number = Int(text), (1...500).contains(number) else {
            throw JunctionError.invalidInput("Must be an integer from 1 to 500.", field: "limit")
        }
        return number
    }
}
