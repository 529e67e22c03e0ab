/// The MCP protocol revisions Junction serves, on one endpoint and one stdio process.
///
/// A *modern* revision (2026-07-28) is stateless: each request carries its version and
/// client capabilities in `_meta`. A *legacy* revision (2025-11-25 and earlier) negotiates
/// once, in `initialize`, for a session (HTTP) or the process (stdio).
public enum MCPRevision {
    /// The stateless revisions, newest first.
    public static let modern = ["2026-07-28"]
    /// The handshake revisions, newest first; `initialize` asking for another gets the newest.
    public static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    /// Every revision served, newest first (what `server/discover` and `-32022` list).
    public static let supported = modern + legacy

    /// What a request without `MCP-Protocol-Version` in a legacy session speaks: the header
    /// came with 2025-06-18, so such a client is older.
    static let headerless = "2025-03-26"

    /// Whether `version` is a modern revision Junction serves.
    static func isModern(_ version: String) -> Bool { modern.contains(version) }

    /// Whether `version` is a legacy revision Junction serves.
    static func isLegacy(_ version: String) -> Bool { legacy.contains(version) }
}
