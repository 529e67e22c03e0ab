import JunctionCore
import MCP
import Testing

@testable import JunctionConnectors

/// Slugs of an MCP server's tools.
@Suite struct MCPToolSlugTests {
    @Test func clashingAndOverlongToolNamesGetDistinctSlugsWithinTheLimit() throws {
        let long = String(repeating: "a", count: 80)
        let tools = [long, long + "_b", "get_weather", "get-weather", "Get Weather", "!!!"].map {
            MCP.Tool(name: $0, description: nil, inputSchema: ["type": "object"])
        }
        let resources = MCPConnector.resources(for: tools)
        let slugs = resources.map(\.slug.rawValue)
        #expect(slugs == [
            String(repeating: "a", count: 63), String(repeating: "a", count: 61) + "-2",
            "get-weather", "get-weather-2", "get-weather-3",
        ])
        #expect(resources.map { $0.binding["tool"]?.stringValue } == [long, long + "_b", "get_weather", "get-weather", "Get Weather"])
    }
}
