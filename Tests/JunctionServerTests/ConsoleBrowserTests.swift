import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// The web console driven in headless Chromium through what a new user does: sign in, add a
/// credential and an HTTP connector through the generated form, test it, call a tool from its
/// try-it form, make a webhook trigger and an agent and link them, send an event and watch the
/// run's trace, approve a held call, and delete a connector others depend on. Each page's
/// screenshot is written to the test output folder (`.build/test-output/console`).
@Suite(.enabled(if: WebBrowser.isAvailable, "needs chromium and chromium-driver (scripts/test installs them)"), .serialized)
struct ConsoleBrowserTests {
    static let resources = """
        [
          {"slug": "get-customer", "description": "A customer by id", "path": "/echo/customers/{id}",
           "input_schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "example": "42"}}}},
          {"slug": "create-customer", "kind": "write", "method": "POST", "path": "/echo/customers",
           "input_schema": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}}
        ]
        """

    static let agent = """
        version: "1.0"
        name: lookup
        type: workflow
        description: Looks up the customer an order names.
        steps:
          - id: find
            connector: crm
            resource: get-customer
            data:
              id: "{{input.customer}}"
        output:
          path: "{{steps.find.data.path}}"
        """

    @Test func aNewUsersJourneyThroughTheConsole() async throws {
        try await OAuthProviderServer.with { provider in
        try await UpstreamServer.with { upstream in
            // The test's own API client idles while the browser works: longer than the server's
            // default idle timeout would close its connection under it.
            try await withJunction(configure: { $0.idleTimeout = .seconds(600) }) { junction in
                let tenant = try await junction.createTenant("acme")
                try await WebBrowser.with { browser in
                    try await Self.journey(browser, junction: junction, upstream: upstream, key: tenant.key)
                    try await Self.connectOAuth(browser, junction: junction, provider: provider, key: tenant.key)
                    try await browser.click("form[action='/console/sign-out'] button")
                    try await browser.waitForText("Sign in with an API key")
                    try await Self.platformAdmin(browser, junction: junction)
                }
            }
        }
        }
    }

    /// An oauth2 credential connected from the console: the browser goes to the provider and
    /// comes back to Junction's callback.
    static func connectOAuth(_ browser: WebBrowser, junction: JunctionHarness, provider: OAuthProviderServer, key: String) async throws {
        let base = junction.baseURL
        // The app, registered on the console's OAuth apps page.
        try await browser.open("\(base)/console/oauth-apps")
        try await browser.fill("#name", "mail")
        try await browser.fill("#client_id", OAuthProviderServer.client.id)
        try await browser.fill("#client_secret", OAuthProviderServer.client.secret)
        try await browser.fill("#authorize_url", provider.url + "/authorize")
        try await browser.fill("#token_url", provider.url + "/token")
        try await browser.fill("#scopes", "read")
        try await browser.click("form[action='/console/oauth-apps'] button[type=submit]")
        try await browser.waitForText("OAuth app mail registered")
        #expect(try await !browser.source().contains(OAuthProviderServer.client.secret))
        try await browser.screenshot("25-oauth-apps")
        try await browser.open("\(base)/console/credentials/new")
        try await browser.choose("#kind", value: "oauth2")
        try await browser.fill("#name", "ana-mail")
        try await browser.fill("#oauth2-app", "mail")
        try await browser.click("form[action='/console/credentials/new'] button[type=submit]")
        try await browser.waitForText("Credential ana-mail stored.")
        #expect(try await browser.pageText().contains("pending"))
        try await browser.click("form[action='/console/credentials/ana-mail/connect'] button")
        try await browser.waitForText("Connect credential ana-mail")
        try await browser.screenshot("26-oauth-connect")
        try await browser.click("#authorize")
        try await browser.waitForText("is connected")
        try await browser.screenshot("27-oauth-connected")
        #expect(provider.count("code") == 1)
        try await browser.open("\(base)/console/credentials")
        try await browser.waitForText("token until")
        #expect(try await browser.pageText().contains("connected"))
    }

    static func journey(_ browser: WebBrowser, junction: JunctionHarness, upstream: UpstreamServer, key: String) async throws {
        let base = junction.baseURL
        // Sign in: the page asks for a key, and the session cookie is HttpOnly and Strict.
        try await browser.open("\(base)/")
        #expect(try await browser.url().hasPrefix("\(base)/console/sign-in"))
        try await browser.screenshot("01-sign-in")
        try await browser.fill("#api_key", key)
        try await browser.click("form[action='/console/sign-in'] button[type=submit]")
        try await browser.waitForText("Overview of acme")
        try await browser.screenshot("02-overview")
        let session = try #require(try await browser.cookies().first { $0["name"] == "junction_session" })
        #expect(session["httpOnly"] == true)
        #expect(session["sameSite"] == "Strict")
        #expect(try await browser.execute("return document.cookie;").stringValue?.contains("junction_session") == false)

        // A credential: the kind's fields appear for the kind chosen; only a hint comes back.
        try await browser.open("\(base)/console/credentials/new")
        try await browser.choose("#kind", value: "bearer")
        #expect(try await browser.execute("return document.querySelector('[data-when-kind=basic]').hidden;") == true)
        try await browser.fill("#name", "crm-key")
        try await browser.fill("#bearer-token", "sk_live_browser_0123456789")
        try await browser.screenshot("03-credential-form")
        try await browser.click("form[action='/console/credentials/new'] button[type=submit]")
        try await browser.waitForText("Credential crm-key stored.")
        #expect(try await browser.pageText().contains("••••6789"))
        #expect(try await !browser.source().contains("sk_live_browser"))
        try await browser.screenshot("04-credentials")

        // An HTTP connector through the form generated from the type's spec.
        try await browser.open("\(base)/console/connectors/new")
        try await browser.screenshot("05-connector-types")
        try await browser.click("a[href='/console/connectors/new?type=http']")
        try await browser.waitForText("Create a http connector")
        #expect(try await browser.count("#option-insecure_skip_verify") == 1, "the type's boolean option is a control")
        #expect(try await browser.count("#connection_url[required]") == 1, "http needs a connection URL")
        try await browser.fill("#connector_name", "crm")
        try await browser.fill("#connection_url", upstream.url)
        try await browser.choose("#credential", value: "crm-key")
        try await browser.fill("#option-resources", resources)
        try await browser.screenshot("06-connector-form")
        try await browser.click("form[action='/console/connectors/new?type=http'] button[type=submit]")
        try await browser.waitForText("Connector crm created.")
        try await browser.click("form[action='/console/connectors/crm/test'] button")
        try await browser.waitForText("Connection test passed")
        #expect(try await browser.text(".heading .badge") == "healthy")
        try await browser.screenshot("07-connector")

        // Try a tool: the form starts from the schema's example; the envelope comes back.
        try await browser.open("\(base)/console/tools")
        try await browser.screenshot("08-tools")
        try await browser.click("a[href='/console/tools/crm/get-customer']")
        #expect(try await browser.execute("return JSON.parse(document.getElementById('data').value).id;") == "42")
        try await browser.click("form[action='/console/tools/crm/get-customer'] button[type=submit]")
        try await browser.waitForText("Succeeded")
        #expect(try await browser.text("#result").contains("/echo/customers/42"))
        #expect(upstream.lastEcho?["headers"]?["authorization"] == "Bearer sk_live_browser_0123456789")
        try await browser.screenshot("09-try-it")

        // An inbound webhook: its URL and secret are shown this once.
        try await browser.open("\(base)/console/connectors/new?type=webhook")
        try await browser.fill("#connector_name", "orders")
        try await browser.choose("#mode", value: "inbound")
        try await browser.click("form[action='/console/connectors/new?type=webhook'] button[type=submit]")
        try await browser.waitForText("shown this once")
        let webhookURL = try await browser.text("#webhook-url")
        let secret = try await browser.text("#webhook-secret")
        #expect(secret.hasPrefix("whsec_"))
        try await browser.screenshot("10-webhook-secret")
        try await browser.open("\(base)/console/connectors/orders")
        #expect(try await !browser.source().contains(secret), "the secret is never shown again")

        // An agent from YAML: a refused definition marks its line, a good one is saved.
        try await browser.open("\(base)/console/agents/new")
        try await browser.fill("#definition", agent.replacingOccurrences(of: "type: workflow", with: "type: workflow\ncolour: blue"))
        try await browser.click("form[action='/console/agents/new'] button[type=submit]")
        try await browser.waitForText("line 4")
        #expect(try await browser.execute("return document.querySelector('.editor').dataset.errorLine;") == "4")
        try await browser.screenshot("11-agent-error")
        try await browser.fill("#definition", agent)
        try await browser.click("form[action='/console/agents/new'] button[type=submit]")
        try await browser.waitForText("Agent created.")

        // Link the trigger in the Connector Flow.
        try await browser.choose("form[action='/console/agents/lookup/links'] select", value: "orders")
        try await browser.click("form[action='/console/agents/lookup/links'] button")
        try await browser.waitForText("Linked orders.")
        #expect(try await browser.text(".flow .column").contains("orders"))
        try await browser.screenshot("12-connector-flow")
        // Run now: the run's page, which follows it until it is done.
        try await browser.fill("#input", #"{"customer": "9"}"#)
        try await browser.click("form[action='/console/agents/lookup/runs'] button[type=submit]")
        try await browser.waitForText("completed", timeout: .seconds(20))
        #expect(try await browser.pageText().contains("/echo/customers/9"))

        // An event starts a run, whose trace the run page shows.
        let hookPath = String(webhookURL.dropFirst(base.count))
        let event = try await junction.request(
            .post, hookPath, key: nil, json: ["customer": "7"], headers: [HTTPField.Name("X-Junction-Secret")!: secret])
        let runID = try #require(event.json["run_ids"]?[0]?.stringValue)
        try await browser.open("\(base)/console/runs")
        try await browser.click("a[href='/console/runs/\(runID)']")
        try await browser.waitForText("completed", timeout: .seconds(20))
        #expect(try await browser.text(".trace").contains("crm__get-customer"))
        #expect(try await browser.pageText().contains("/echo/customers/7"))
        try await browser.screenshot("13-run")

        // A write held for approval is approved in the inbox, then goes through once.
        let policy = try await junction.request(.put, "/api/v1/policies", key: key, json: [
            "rules": [["id": "writes-need-a-person", "effect": "require_approval", "kind": "write"]],
        ])
        #expect(policy.status == .ok)
        try await browser.open("\(base)/console/tools/crm/create-customer")
        try await browser.fill("#data", #"{"email": "ana@example.com"}"#)
        try await browser.click("form[action='/console/tools/crm/create-customer'] button[type=submit]")
        try await browser.waitForText("approval_required")
        try await browser.click("#result a[href^='/console/approvals/']")
        try await browser.waitForText("ana@example.com")
        try await browser.screenshot("14-approval")
        try await browser.fill("#reason", "Known customer")
        try await browser.click("button[value=approve]")
        try await browser.waitForText("Known customer")
        #expect(try await browser.text(".heading .badge") == "approved")
        try await browser.open("\(base)/console/tools/crm/create-customer")
        try await browser.fill("#data", #"{"email": "ana@example.com"}"#)
        try await browser.click("form[action='/console/tools/crm/create-customer'] button[type=submit]")
        try await browser.waitForText("Succeeded")
        try await browser.open("\(base)/console/approvals?status=used")
        try await browser.screenshot("15-approvals")

        // Deleting a connector others depend on warns and names them first.
        try await browser.open("\(base)/console/connectors/crm")
        try await browser.click("a[href='/console/connectors/crm/delete']")
        try await browser.waitForText("These depend on crm")
        let warning = try await browser.text(".warning")
        #expect(warning.contains("lookup") && warning.contains("a workflow step calls it") && warning.contains("orders"))
        try await browser.screenshot("16-delete-warning")
        try await browser.click("input[name=force]")
        try await browser.click("form[action='/console/connectors/crm/delete'] button[type=submit]")
        try await browser.waitForText("Connector crm deleted.")
        #expect(try await junction.request(.get, "/api/v1/connectors/crm", key: key).status == .notFound)

        // An API description uploaded from a file becomes a template.
        try await browser.open("\(base)/console/templates")
        try await browser.fill("#slug", "billing")
        try await browser.fill("#document", URL(fileURLWithPath: "examples/billing-openapi.yaml").standardizedFileURL.path)
        try await browser.click("form[action='/console/templates/import'] button[type=submit]")
        try await browser.waitForText("Imported")
        #expect(try await browser.pageText().contains("get-customer"))
        try await browser.screenshot("17-template-imported")

        // The other pages, each answering and pictured.
        for (name, path, text) in [
            ("18-deliveries", "/console/deliveries", "Deliveries"), ("19-audit", "/console/audit?verify=1", "The audit chain is intact"),
            ("20-keys", "/console/keys", "API keys"), ("21-templates", "/console/templates", "HubSpot"),
            ("22-agents", "/console/agents", "lookup"), ("23-connectors", "/console/connectors", "orders"),
            ("24-overview", "/console", "Calls by connector type"),
        ] {
            try await browser.open("\(base)\(path)")
            try await browser.waitForText(text)
            try await browser.screenshot(name)
        }
        // Keyboard: the first Tab reaches the skip link.
        try await browser.execute("document.activeElement.blur();")
        try await browser.open("\(base)/console/connectors")
        #expect(try await browser.execute("return document.querySelector('a.skip').getAttribute('href');") == "#content")
    }

    /// The platform admin (in the same browser, after the journey signs out): makes a tenant,
    /// copies its key once, and switches to it.
    static func platformAdmin(_ browser: WebBrowser, junction: JunctionHarness) async throws {
                let base = junction.baseURL
                try await browser.open("\(base)/console/sign-in")
                try await browser.fill("#api_key", junction.adminKey)
                try await browser.click("form[action='/console/sign-in'] button[type=submit]")
                try await browser.waitForText("signed in with the platform key")
                try await browser.open("\(base)/console/tenants")
                try await browser.fill("input[name=name]", "globex")
                try await browser.click("form[action='/console/tenants'] button[type=submit]")
                try await browser.waitForText("Tenant globex created")
                let key = try await browser.text("#new-key")
                #expect(key.hasPrefix("jk_"))
                #expect(try await browser.execute("return document.querySelector('button[data-copy=new-key]').hidden;") == false)
                try await browser.screenshot("25-tenant-created")
                #expect(try await junction.request(.get, "/api/v1/connectors", key: key).status == .ok)
                try await browser.open("\(base)/console/tenants")
                #expect(try await !browser.source().contains(key), "the key is shown once")
                try await browser.screenshot("26-tenants")
                // Choosing the tenant in the header makes every page act on it.
                try await browser.choose("#tenant-switch", value: try await junction.request(.get, "/api/v1/tenants", key: key).json["tenants"]?[0]?["id"]?.stringValue ?? "")
                try await browser.waitForText("Overview of globex")
    }
}
