import JunctionCore
@testable import JunctionMCP
import Testing

/// A failed call a person can resolve at a URL (an approval to grant) reaches an MCP client as
/// the request for that URL its revision and capabilities allow, and as words otherwise.
struct MCPUserActionTests {
    static let tool = ToolDefinition(
        name: "crm__delete-customer", connector: Slug("crm")!, resource: Slug("delete-customer")!, title: "Delete customer",
        description: "Delete a customer", kind: .write, inputSchema: ["type": "object"], outputSchema: nil)

    static let pending = InvokeEnvelope(
        success: false, data: nil,
        error: InvokeEnvelope.Failure(
            code: .approvalRequired, message: "Deleting a customer needs an approval.",
            details: ["approval_id": "apr_123", "url": "https://junction.example.com/approvals/apr_123"]),
        metadata: .init(connector: "crm", resource: "delete-customer", tenant: "t", status: nil, durationMilliseconds: 1, attempts: 0, mock: false, requestID: "req_1"))

    static func modern(capabilities: JSONValue) throws -> MCPEra {
        let request = RPCRequest(id: 1, method: "tools/call", params: ["_meta": [
            "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": capabilities,
        ]])
        return .modern(try ModernEnvelope.check(request, headers: nil).get())
    }

    @Test func a2026ClientThatOpensURLsIsAskedToThenRetry() throws {
        let result = try MCPToolServer.result(Self.pending, tool: Self.tool, era: try Self.modern(capabilities: ["elicitation": ["url": [:]]]))
        #expect(result["resultType"] == "input_required")
        let asked = try #require(result["inputRequests"]?["apr_123"])
        #expect(asked["method"] == "elicitation/create")
        #expect(asked["params"] == [
            "mode": "url", "message": "Deleting a customer needs an approval.", "url": "https://junction.example.com/approvals/apr_123",
        ])
        let completed = MCPToolServer.complete(result)
        #expect(completed["resultType"] == "input_required", "an interim result keeps its type")
        #expect(completed["cacheScope"] == nil)
    }

    @Test func a2025ClientThatOpensURLsGetsTheElicitationError() throws {
        let era = MCPEra.legacy(version: "2025-11-25", clientCapabilities: ["elicitation": ["url": [:]]])
        let error = #expect(throws: RPCError.self) { try MCPToolServer.result(Self.pending, tool: Self.tool, era: era) }
        #expect(error?.code == -32042)
        #expect(error?.data?["elicitations"]?[0] == [
            "mode": "url", "message": "Deleting a customer needs an approval.", "url": "https://junction.example.com/approvals/apr_123",
            "elicitationId": "apr_123",
        ])
    }

    @Test func otherClientsAreToldTheURLInTheFailedResult() throws {
        for era in [try Self.modern(capabilities: [:]), .legacy(version: "2025-06-18", clientCapabilities: ["elicitation": [:]])] {
            let result = try MCPToolServer.result(Self.pending, tool: Self.tool, era: era)
            #expect(result["isError"] == true)
            let text = result["content"]?[0]?["text"]?.stringValue ?? ""
            #expect(text == "approval_required: Deleting a customer needs an approval. Open https://junction.example.com/approvals/apr_123 to continue.")
        }
    }
}
