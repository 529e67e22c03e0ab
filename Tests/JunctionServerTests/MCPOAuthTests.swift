import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// Junction as the OAuth 2.1 authorization server of `/mcp`, completed by the official Python
/// SDK's OAuth client (discovery from the 401, dynamic registration, consent, PKCE, refresh
/// rotation) and checked on the wire for what the SDK never gets wrong.
struct MCPOAuthTests {
    @Test(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
    func theSDKsOAuthClientAuthorizesWithATenantKeyInBothEras() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                for mode in [MCPClientDriver.Mode.modern, .legacy] {
                    let client = try await MCPClientDriver.http(
                        url: junction.baseURL + "/mcp", mode: mode, oauthConsent: (tenant.key, nil))
                    try await client.use { client in
                        let oauth = client.initialized["oauth"]
                        #expect(oauth?["scope"] == "mcp", "\(client.initialized)")
                        #expect(oauth?["consent_status"] == 302)
                        #expect(oauth?["client_id"]?.stringValue?.hasPrefix("oac_") == true)
                        try await MCPServerTests.expectCRMServed(by: client)
                        let refreshed = try await client.send(["op": "oauth_refresh"])
                        #expect(refreshed["rotated"] == true, "\(refreshed)")
                        #expect(try await client.listTools().count == 4, "the new token works")
                    }
                }
                // The calls ran as the grant, in the tenant's audit log.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=100", key: tenant.key)
                let events = audit.json["events"]?.arrayValue ?? []
                let grants = events.filter { $0["action"] == "oauth.grant" }
                #expect(grants.count == 2)
                #expect(grants.allSatisfy { $0["actor"]?.stringValue == MCPServerTests.keyID(tenant.key) })
                let invokes = events.filter { $0["action"] == "connector.invoke" }
                #expect(invokes.count == 2)
                #expect(invokes.allSatisfy { $0["actor"]?.stringValue?.hasPrefix("oag_") == true })
            }
        }
    }
}
