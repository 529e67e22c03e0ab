import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionTesting
import Testing

/// Real published API descriptions (`../shared/corpus/openapi`, unmodified vendor documents of
/// 1–3 MB) imported with default settings: every operation becomes a resource or is reported
/// as skipped, a second import is identical, the template reads back and builds a connector,
/// and every schema, in every tool format and over MCP, is valid JSON Schema 2020-12 with no
/// reference leading nowhere.
@Suite(.enabled(if: Corpus.directory != nil && PythonPeer.isAvailable,
                "needs ../shared/corpus/openapi (or JUNCTION_CORPUS_DIR) and JUNCTION_TEST_PYTHON (scripts/test sets both)"))
struct CorpusImportTests {
    /// The operations a document has: the methods under each of its paths.
    static func operationCount(_ document: JSONValue) -> Int {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return (document["paths"]?.objectValue ?? [:]).values.reduce(0) { count, item in
            count + (item.objectValue ?? [:]).keys.filter(methods.contains).count
        }
    }

    @Test(arguments: Corpus.documents)
    func aPublishedDocumentBecomesWorkingTools(_ file: String) async throws {
        let bytes = try Array(Data(contentsOf: try #require(Corpus.directory).appendingPathComponent(file)))
        let operations = Self.operationCount(try DocumentText.parse(bytes))
        let text = String(decoding: bytes, as: UTF8.self)
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            func importing(_ slug: String) async throws -> JunctionHarness.Answer {
                try await junction.request(.post, "/api/v1/templates/import?slug=\(slug)", key: tenant.key, raw: text)
            }
            let imported = try await importing("vendor")
            #expect(imported.status == .created, "\(imported.text.prefix(500))")
            let resources = imported.json["resources"]?.arrayValue ?? []
            let skipped = imported.json["skipped"]?.arrayValue ?? []
            #expect(resources.count + skipped.count == operations)
            #expect(skipped.isEmpty, "\(skipped.prefix(5))")

            let again = try await importing("vendor-again")
            #expect(again.json["resources"] == imported.json["resources"], "two imports of one document differ")

            #expect(try await junction.request(.get, "/api/v1/templates", key: tenant.key).status == .ok)
            let read = try await junction.request(.get, "/api/v1/templates/vendor", key: tenant.key)
            #expect(read.json["resources"] == imported.json["resources"])
            let connector = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "vendor", "connector_type": "http", "template": "vendor",
                "connection_url": "http://127.0.0.1:9",
            ])
            #expect(connector.status == .created, "\(connector.text.prefix(500))")

            let listed = try await junction.request(.get, "/api/v1/tools", key: tenant.key)
            let tools = listed.json["tools"]?.arrayValue ?? []
            #expect(tools.count == resources.count)
            var schemas: [String: JSONValue] = [:]
            for tool in tools {
                let name = tool["name"]?.stringValue ?? "?"
                schemas["junction \(name) input"] = tool["input_schema"]
                if let output = tool["output_schema"], !output.isNull { schemas["junction \(name) output"] = output }
            }
            for format in ["openai", "anthropic", "gemini"] {
                let answer = try await junction.request(.get, "/api/v1/tools?format=\(format)", key: tenant.key)
                let checked = try await PeerScripts.checkTools(format: format, document: answer.json)
                #expect(checked["ok"] == true, "\(format): \(checked)")
                // OpenAI takes at most 128 tools a request: a larger selection says so.
                #expect((answer.json["warnings"] != nil) == (format == "openai" && tools.count > 128), "\(format)")
            }
            let reads = try await junction.request(.get, "/api/v1/tools?format=openai&kind=read&limit=100", key: tenant.key)
            #expect(reads.json["warnings"] == nil)
            #expect(reads.json["count"]?.intValue == min(100, tools.filter { $0["kind"] == "read" }.count))
            // Several megabytes of tools in pages, while the other documents import beside it.
            let client = try await MCPClientDriver.http(
                url: junction.baseURL + "/mcp", headers: ["Authorization": "Bearer \(tenant.key)"], timeout: .seconds(180))
            let mcpTools = try await client.use { try await $0.listTools() }
            #expect(mcpTools.count == resources.count)
            for tool in mcpTools {
                let name = tool["name"]?.stringValue ?? "?"
                schemas["mcp \(name) input"] = tool["inputSchema"]
                if let output = tool["outputSchema"], !output.isNull { schemas["mcp \(name) output"] = output }
            }
            let checked = try await PeerScripts.checkSchemas(schemas)
            #expect(checked["invalid_count"] == 0, "\(checked["invalid"] ?? .null)")
            #expect(checked["dangling_count"] == 0, "\(checked["dangling"] ?? .null)")
        }
    }
}

extension CorpusImportTests {
    /// Plain task descriptions, as a model or a person would write them, and the tool that
    /// should rank first among all the corpus's tools at once (1,374 in five connectors).
    static let searches: [(String, String)] = [
        // PagerDuty
        ("list incidents", "pagerduty__list-incidents"),
        ("create an incident", "pagerduty__create-incident"),
        ("get a pagerduty user", "pagerduty__get-user"),
        ("list services", "pagerduty__list-services"),
        ("delete a team", "pagerduty__delete-team"),
        ("list on-calls", "pagerduty__list-on-calls"),
        ("who is on call right now", "pagerduty__list-on-calls"),
        ("acknowledge an incident", "pagerduty__update-incident"),
        ("list escalation policies", "pagerduty__list-escalation-policies"),
        ("add a note to an incident", "pagerduty__create-incident-note"),
        ("create a maintenance window", "pagerduty__create-maintenance-window"),
        // Slack
        ("send a message to a slack channel", "slack__chat-post-message"),
        ("schedule a slack message for later", "slack__chat-schedule-message"),
        ("add an emoji reaction to a slack message", "slack__reactions-add"),
        ("look up a slack user by email", "slack__users-lookup-by-email"),
        ("set the topic of a channel", "slack__conversations-set-topic"),
        ("read the message history of a conversation", "slack__conversations-history"),
        ("upload a file to slack", "slack__files-upload"),
        ("create a reminder", "slack__reminders-add"),
        ("search slack messages", "slack__search-messages"),
        ("invite someone to a slack channel", "slack__conversations-invite"),
        // Twilio
        ("send a text message with twilio", "twilio__create-message"),
        ("make an outbound phone call", "twilio__create-call"),
        ("list the recordings of a call", "twilio__list-call-recording"),
        ("buy a phone number", "twilio__create-incoming-phone-number"),
        ("check the account balance", "twilio__fetch-balance"),
        ("search for available local phone numbers", "twilio__list-available-phone-number-local"),
        ("delete a queue", "twilio__delete-queue"),
        // Discord
        ("ban a user from a discord server", "discord__ban-user-from-guild"),
        ("create a thread from a message", "discord__create-thread-from-message"),
        ("list the members of a guild", "discord__list-guild-members"),
        ("create a channel invite", "discord__create-channel-invite"),
        ("pin a message in a discord channel", "discord__create-pin"),
        ("create a webhook for a discord channel", "discord__create-webhook"),
        // Box
        ("create a folder in box", "box__post-folders"),
        ("list the items in a folder", "box__get-folders-id-items"),
        ("get information about a file", "box__get-files-id"),
        ("download file content", "box__get-files-id-content"),
        ("copy a file", "box__post-files-id-copy"),
        ("add a comment to a file", "box__post-comments"),
        ("create a group", "box__post-groups"),
    ]

    @Test func aTaskInPlainWordsFindsItsToolFirst() async throws {
        let directory = try #require(Corpus.directory)
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            for (file, slug) in [
                ("pagerduty.json", "pagerduty"), ("slack-web-v2.json", "slack"), ("twilio-api-v2010.json", "twilio"),
                ("discord.json", "discord"), ("box.json", "box"),
            ] {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                #expect(try await junction.request(.post, "/api/v1/templates/import?slug=\(slug)", key: tenant.key, raw: text).status == .created)
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": .string(slug), "connector_type": "http", "template": .string(slug),
                    "connection_url": "http://127.0.0.1:9",
                ]).status == .created)
            }
            var misses: [String] = []
            for (task, expected) in Self.searches {
                let query = task.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? task
                let found = try await junction.request(.get, "/api/v1/tools?q=\(query)&limit=3", key: tenant.key)
                let names = found.json["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                if names.first != expected { misses.append("\(task): \(names)") }
            }
            #expect(misses.isEmpty, "\(misses.count) of \(Self.searches.count) missed: \(misses)")
        }
    }
}

/// The corpus of published API descriptions.
enum Corpus {
    /// The corpus's `openapi` folder: `JUNCTION_CORPUS_DIR`, or `shared/corpus/openapi` beside
    /// a directory above this file.
    static let directory: URL? = {
        if let named = ProcessInfo.processInfo.environment["JUNCTION_CORPUS_DIR"] {
            return URL(fileURLWithPath: named).appendingPathComponent("openapi")
        }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/corpus/openapi")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }()

    static let documents: [String] = {
        guard let directory else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") }.sorted()
    }()

}
