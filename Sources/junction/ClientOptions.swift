import ArgumentParser
import Foundation
import JunctionClient
import JunctionCore

/// Options shared by every command that talks to a running server.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server URL (env JUNCTION_URL; default http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "API key (env JUNCTION_API_KEY; default: ./junction-data/admin.key if readable).")
    var key: String?

    @Option(help: "Tenant id or name to act on (env JUNCTION_TENANT; a platform key with one tenant uses it).")
    var tenant: String? = ProcessInfo.processInfo.environment["JUNCTION_TENANT"]

    @Flag(help: "Print the server's JSON instead of a table.")
    var json = false

    /// A client for the configured server and key, acting on a tenant unless `scoped` is
    /// false: the one given, else the only one the key sees (a tenant key's own; a platform key's
    /// when there is exactly one). With several and none given, the server asks for one.
    func client(scoped: Bool = true) async throws -> ControlPlaneClient {
        let environment = ProcessInfo.processInfo.environment
        let url = url ?? environment["JUNCTION_URL"] ?? "http://127.0.0.1:8080"
        guard let key = key ?? environment["JUNCTION_API_KEY"] ?? Self.localAdminKey() else {
            throw ValidationError("No API key: pass --key, set JUNCTION_API_KEY, or run next to junction-data/admin.key.")
        }
        var client = ControlPlaneClient(baseURL: url, apiKey: key)
        guard scoped else { return client }
        if let tenant {
            client.tenant = tenant
        } else if let only = try await client.send(.get, "/api/v1/tenants")["tenants"]?.arrayValue, only.count == 1 {
            client.tenant = only[0]["name"]?.stringValue
        }
        return client
    }

    private static func localAdminKey() -> String? {
        let directory = ProcessInfo.processInfo.environment["JUNCTION_DATA_DIR"] ?? "./junction-data"
        return (try? String(contentsOfFile: "\(directory)/admin.key", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Prints `value` as JSON when `--json` (or when there are no `columns`), otherwise as a
    /// table of `columns` over `rows`.
    func output(_ value: JSONValue, rows: [JSONValue]? = nil, columns: [(String, String)]) throws {
        if json || columns.isEmpty {
            print(String(decoding: try JSONCoding.encoder().encodingPretty(value), as: UTF8.self))
        } else {
            print(Table.render(rows ?? [value], columns: columns))
        }
    }
}

extension JSONEncoder {
    fileprivate func encodingPretty(_ value: JSONValue) throws -> Data {
        outputFormatting.insert(.prettyPrinted)
        return try encode(value)
    }
}

/// Runs a client call, turning API errors into a clean message and exit code 1.
func runClient(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as JunctionAPIError {
        var message = "error: \(error)"
        if error.code == .connectionFailed {
            message = "error: \(error.message)\n  Is the server running? Start it with `junction serve`, or point --url (JUNCTION_URL) at it."
        } else if error.code == .invalidInput, error.field == "tenant" {
            message = "error: this key acts for several tenants: pass --tenant NAME (or set JUNCTION_TENANT)."
        }
        if let details = error.details, let text = try? JSONCoding.encode(details) {
            message += "\n  details: " + String(decoding: text, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        throw ExitCode(1)
    }
}

/// Parses `KEY=VALUE` pairs; a value of `@-` is read from standard input, `@PATH` from a file,
/// so that secrets need not appear on the command line.
///
/// With `typed`, `true`/`false` and integers are sent as such; JSON objects and arrays always are.
func parseFields(_ pairs: [String], option: String, typed: Bool) throws -> [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    for pair in pairs {
        guard let separator = pair.firstIndex(of: "="), separator != pair.startIndex else {
            throw ValidationError("\(option) takes KEY=VALUE, got '\(pair)'.")
        }
        let key = String(pair[..<separator])
        var value = String(pair[pair.index(after: separator)...])
        if value == "@-" {
            value = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .newlines)
        } else if value.hasPrefix("@") {
            value = try String(contentsOfFile: String(value.dropFirst()), encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        fields[key] = FieldValue.parse(value, typed: typed)
    }
    return fields
}

/// Turns command-line text into the JSON value it stands for.
private enum FieldValue {
    static func parse(_ text: String, typed: Bool) -> JSONValue {
        if typed {
            switch text {
            case "true": return true
            case "false": return false
            default: if let number = Int(text) { return .integer(number) }
            }
        }
        if text.hasPrefix("{") || text.hasPrefix("["), let value = try? JSONCoding.decode(Array(text.utf8)) {
            return value
        }
        return .string(text)
    }
}

/// Parses a `--body` JSON object.
func parseBody(_ text: String?) throws -> [String: JSONValue] {
    guard let text else { return [:] }
    guard case .object(let object)? = try? JSONCoding.decode(Array(text.utf8)) else {
        throw ValidationError("--body must be a JSON object.")
    }
    return object
}

/// `a, b,c` as the JSON array `["a", "b", "c"]` (for options taking name patterns).
func commaList(_ text: String) -> JSONValue {
    .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
}

/// `text` percent-encoded for use as one path segment.
func segment(_ text: String) -> String {
    ControlPlaneClient.pathSegment(text)
}
