import JunctionMCP
import Testing

/// The `/mcp` URL `junction mcp --url` derives from a server URL.
struct MCPRelayEndpointTests {
    @Test func theMCPPathAndQueryAreAddedOnce() {
        #expect(MCPRelay.junctionEndpoint(serverURL: "http://127.0.0.1:8080", tenant: nil, mode: .all) == "http://127.0.0.1:8080/mcp")
        #expect(MCPRelay.junctionEndpoint(serverURL: "https://junction.example.com/", tenant: nil, mode: .all)
            == "https://junction.example.com/mcp")
        #expect(MCPRelay.junctionEndpoint(serverURL: "https://example.com/gateway/mcp", tenant: "acme corp", mode: .meta)
            == "https://example.com/gateway/mcp?tenant=acme%20corp&tools=meta")
        #expect(MCPRelay.junctionEndpoint(serverURL: "http://h/base", tenant: "acme", mode: .all) == "http://h/base/mcp?tenant=acme")
        #expect(MCPRelay.junctionEndpoint(serverURL: "http://h/mcp/", tenant: nil, mode: .all) == "http://h/mcp")
    }

    @Test func onlyHTTPURLsWithAHostAreAccepted() {
        for url in ["ftp://example.com", "127.0.0.1:8080", "http://", "not a url", ""] {
            #expect(MCPRelay.junctionEndpoint(serverURL: url, tenant: nil, mode: .all) == nil, "\(url)")
        }
    }
}
