import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction credentials …`.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Manage credentials (secrets are accepted, never shown again).",
        subcommands: [List.self, Create.self, Connect.self, Delete.self]
    )

    static let columns = [("NAME", "name"), ("KIND", "kind"), ("STATUS", "status"), ("CREATED", "created_at")]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client().send(.get, "/api/v1/credentials")
                try options.output(page, rows: page["credentials"]?.arrayValue ?? [], columns: CredentialsCommand.columns)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a credential.",
            discussion: """
                Examples:
                  junction credentials create stripe --kind bearer --field token=@-        (token read from stdin)
                  junction credentials create crm --kind api_key --field key_name=X-Api-Key --field value=env:CRM_KEY
                  junction credentials create db --kind basic --field username=app --field password=file:/run/secrets/db
                  junction credentials create slack --kind bearer --field token=@- --template slack   (bound to slack.com)
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The credential's name (a slug).") var name: String
        @Option(help: "api_key, bearer, basic, oauth2_client_credentials, oauth2 (--field app=NAME) or headers.") var kind: String
        @Option(name: .customLong("field"), help: "A field as KEY=VALUE (VALUE @- reads stdin, @PATH a file).")
        var fields: [String] = []
        @Option(name: .customLong("allowed-hosts"), help: "Only send it to these hosts (comma separated patterns, e.g. api.example.com,*.example.com).")
        var allowedHosts: String?
        @Option(name: .customLong("allowed-connectors"), help: "Only let these connectors use it (comma separated name patterns).")
        var allowedConnectors: String?
        @Option(help: "Bind it to this template's host (its base URL's).") var template: String?

        func run() async throws {
            try await runClient {
                var body = try parseFields(fields, option: "--field", typed: false)
                body["name"] = .string(name)
                body["kind"] = .string(kind)
                for (field, list) in [("allowed_hosts", allowedHosts), ("allowed_connectors", allowedConnectors)] {
                    guard let list else { continue }
                    body[field] = commaList(list)
                }
                if let template { body["template"] = .string(template) }
                let credential = try await options.client().send(
                    .post, "/api/v1/credentials", body: .object(body))
                try options.output(credential, columns: CredentialsCommand.columns)
            }
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start connecting an oauth2 credential: prints the provider's authorization URL to open.",
            discussion: "The provider sends the browser back to Junction's /oauth/callback, which stores the tokens; `credentials list` then shows it connected.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The credential's name.") var name: String

        func run() async throws {
            try await runClient {
                let started = try await options.client().send(.post, "/api/v1/credentials/\(segment(name))/connect")
                if options.json {
                    try options.output(started, columns: [])
                } else {
                    print("Open this URL to authorize \(name) (valid for 10 minutes, once):")
                    print(started["authorization_url"]?.stringValue ?? "")
                    print("Register this redirect URI with the provider's app: \(started["redirect_uri"]?.stringValue ?? "")")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a credential no connector uses.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The credential's name.") var name: String

        func run() async throws {
            try await runClient {
                _ = try await options.client().send(
                    .delete, "/api/v1/credentials/\(segment(name))")
                print("Deleted credential \(name).")
            }
        }
    }
}
