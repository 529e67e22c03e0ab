/// A W3C Trace Context `traceparent` (`00-<trace id>-<parent id>-<flags>`), as a caller sends
/// it (an HTTP header, MCP's `_meta.traceparent`): carried through a call into its audit event
/// and logs, and on to HTTP upstreams, so one trace spans the agent, Junction and the API.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    /// The header value, lowercase.
    public let description: String

    /// The value `text` if it is a well-formed `traceparent` (version `00`, a trace id and a
    /// parent id that are not all zeros); `nil` otherwise, so a bad one is dropped, not passed on.
    public init?(_ text: String) {
        let value = text.lowercased()
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00",
              parts[1].utf8.count == 32, parts[2].utf8.count == 16, parts[3].utf8.count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy(Self.isHexDigit) }),
              parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        description = value
    }

    /// The trace id, 32 hexadecimal digits.
    public var traceID: Substring {
        description.split(separator: "-")[1]
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
