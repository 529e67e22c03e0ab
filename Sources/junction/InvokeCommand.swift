import ArgumentParser
import Foundation
import JunctionClient
import JunctionCore

/// `junction invoke CONNECTOR RESOURCE --data JSON`: runs an action and prints its envelope.
struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Run a connector's resource and print the envelope.",
        discussion: """
            Exits 0 when the envelope says success, 1 otherwise.
            Example: junction invoke crm get-customer --data '{"id": "42"}' --timeout-ms 5000
            """
    )
    @OptionGroup var options: ClientOptions
    @Argument(help: "The connector's name.") var connector: String
    @Argument(help: "The resource's slug.") var resource: String
    @Option(help: "The input as JSON (default {}; @PATH reads a file, @- standard input).") var data: String?
    @Flag(help: "Answer from the resource's mock, without any network call.") var mock = false
    @Option(help: "Use this credential instead of the connector's.") var credential: String?
    @Option(name: .customLong("timeout-ms"), help: "Per-attempt timeout in milliseconds.") var timeoutMilliseconds: Int?
    @Option(help: "Retries of retryable failures.") var retries: Int?
    @Option(name: .customLong("header"), help: "A header as NAME=VALUE; it wins over any credential.") var headers: [String] = []
    @Option(name: .customLong("idempotency-key"), help: "Allows retrying a write resource.") var idempotencyKey: String?

    func run() async throws {
        let callOptions = Junction.InvokeOptions(
            credential: credential, timeout: timeoutMilliseconds.map { .milliseconds($0) }, retries: retries, mock: mock,
            headers: try parseFields(headers, option: "--header", typed: false).compactMapValues(\.stringValue))
        let input = try Self.input(data)
        let (_, envelope) = try await options.client().exchange(
            .post, "/api/v1/connectors/\(segment(connector))/resources/\(segment(resource))/invoke",
                        body: ["data": input, "options": callOptions.json],
            headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
        try options.output(envelope, columns: [])
        guard envelope["success"] == true else { throw ExitCode(1) }
    }

    private static func input(_ text: String?) throws -> JSONValue {
        guard var text else { return .object([:]) }
        if text == "@-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if text.hasPrefix("@") {
            text = try String(contentsOfFile: String(text.dropFirst()), encoding: .utf8)
        }
        do {
            return try JSONCoding.decode(Array(text.utf8))
        } catch {
            throw ValidationError("--data must be JSON.")
        }
    }
}
