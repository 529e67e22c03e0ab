/// Facts about this build of Junction.
public enum BuildInfo {
    /// The version announced to MCP peers and clients.
    public static let version = "0.1.0"
}
