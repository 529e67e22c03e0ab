import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction oauth-apps …`: a tenant's registrations with OAuth providers, which `oauth2`
/// credentials name.
struct OAuthAppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauth-apps",
        abstract: "Manage OAuth apps (the client a provider issued; its secret is accepted, never shown again).",
        subcommands: [List.self, Create.self, Update.self, Delete.self]
    )

    static let columns = [("NAME", "name"), ("TEMPLATE", "template"), ("CLIENT ID", "client_id"), ("TOKEN URL", "token_url")]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List OAuth apps.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client().send(.get, "/api/v1/oauth/apps")
                try options.output(page, rows: page["apps"]?.arrayValue ?? [], columns: OAuthAppsCommand.columns)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an OAuth app.",
            discussion: """
                Examples:
                  junction oauth-apps create --template gmail --client-id 123.apps.googleusercontent.com --client-secret @-
                  junction oauth-apps create --template servicenow --client-id ID --client-secret env:JUNCTION_SECRET_ACME_SN --url-parameter instance=acme
                  junction oauth-apps create crm --client-id ID --client-secret @secret.txt --field authorize_url=https://crm.example.com/oauth/authorize --field token_url=https://crm.example.com/oauth/token
                Then: junction credentials create NAME --kind oauth2 --field app=APP, and junction credentials connect NAME.
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app's name (default: the template's slug).") var name: String?
        @Option(help: "A catalog template with OAuth 2.0 whose endpoints, scopes and quirks are the defaults.") var template: String?
        @Option(name: .customLong("client-id"), help: "The client id the provider issued.") var clientID: String
        @Option(name: .customLong("client-secret"), help: "The client secret (@- reads stdin, @PATH a file, env:NAME a reference).")
        var clientSecret: String?
        @Option(name: .customLong("url-parameter"), help: "NAME=VALUE for a placeholder of the template's URLs, e.g. instance=acme.")
        var urlParameters: [String] = []
        @Option(name: .customLong("scope"), help: "A scope to ask for (repeat for several; default: the template's).")
        var scopes: [String] = []
        @Option(name: .customLong("field"), help: "Another member as KEY=VALUE (token_auth_method, scope_separator, authorize_params as JSON, pkce, notify as JSON, …).")
        var fields: [String] = []

        func run() async throws {
            try await runClient {
                var body = try parseFields(fields, option: "--field", typed: true)
                if let name { body["name"] = .string(name) }
                if let template { body["template"] = .string(template) }
                body["client_id"] = .string(clientID)
                if !scopes.isEmpty { body["scopes"] = .array(scopes.map(JSONValue.string)) }
                if let clientSecret { body["client_secret"] = try secretValue(clientSecret) }
                if !urlParameters.isEmpty { body["url_parameters"] = .object(try parseFields(urlParameters, option: "--url-parameter", typed: false)) }
                let app = try await options.client().send(.post, "/api/v1/oauth/apps", body: .object(body))
                try options.output(app, columns: OAuthAppsCommand.columns)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an OAuth app: the members given replace the stored ones.",
            discussion: "Example: junction oauth-apps update gmail --client-secret @-      (a rotated secret, read from stdin)")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app's name.") var name: String
        @Option(name: .customLong("client-id"), help: "A new client id.") var clientID: String?
        @Option(name: .customLong("client-secret"), help: "A new client secret (@- reads stdin, @PATH a file, env:NAME a reference).")
        var clientSecret: String?
        @Option(name: .customLong("scope"), help: "The scopes to ask for from now on (repeat for several).") var scopes: [String] = []
        @Option(name: .customLong("field"), help: "Another member as KEY=VALUE.") var fields: [String] = []

        func run() async throws {
            try await runClient {
                var body = try parseFields(fields, option: "--field", typed: true)
                if let clientID { body["client_id"] = .string(clientID) }
                if let clientSecret { body["client_secret"] = try secretValue(clientSecret) }
                if !scopes.isEmpty { body["scopes"] = .array(scopes.map(JSONValue.string)) }
                let app = try await options.client().send(.put, "/api/v1/oauth/apps/\(segment(name))", body: .object(body))
                try options.output(app, columns: OAuthAppsCommand.columns)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an OAuth app no credential uses.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app's name.") var name: String

        func run() async throws {
            try await runClient {
                _ = try await options.client().send(.delete, "/api/v1/oauth/apps/\(segment(name))")
                print("Deleted OAuth app \(name).")
            }
        }
    }
}

/// A `--client-secret` value: `@-` reads stdin, `@PATH` a file, anything else is the value itself.
private func secretValue(_ text: String) throws -> JSONValue? {
    try parseFields(["client_secret=\(text)"], option: "--client-secret", typed: false)["client_secret"]
}
