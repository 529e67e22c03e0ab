import Foundation
import JunctionCore

/// A file or directory on a file-transfer server.
struct RemoteEntry: Sendable {
    enum Kind: String, Sendable {
        case file, directory, symlink, other
    }

    var name: String
    var kind: Kind
    var size: Int?
    var modified: Date?
    /// The permission bits (`0o644`), when the server tells them.
    var permissions: Int?

    var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name), "type": .string(kind.rawValue)]
        object["size"] = size.map(JSONValue.integer) ?? .null
        object["modified"] = modified.map { .string(Timestamp.format($0)) } ?? .null
        object["permissions"] = permissions.map { .string(String($0 & 0o7777, radix: 8)) } ?? .null
        return .object(object)
    }
}

/// What the `sftp` and `ftp` types do on a logged-in session; failures are `JunctionError`s
/// (`not_found` for a missing path, `upstream_error` for a refusal, …). Paths are absolute,
/// already confined to the connector's root.
protocol RemoteFiles: PooledConnection {
    func list(_ path: String) async throws -> [RemoteEntry]
    func stat(_ path: String) async throws -> RemoteEntry
    /// At most `limit` bytes from `offset`; more than `limit` available is an error the caller names.
    func read(_ path: String, offset: Int, limit: Int) async throws -> Data
    func write(_ path: String, data: Data, overwrite: Bool) async throws
    func remove(_ path: String, directory: Bool) async throws
    func rename(_ from: String, to: String) async throws
    func makeDirectory(_ path: String) async throws
    /// Closes the connection at once, without waiting (a cancelled call).
    func abort()
}

/// The resources of the file-transfer types, their input and their run on a `RemoteFiles`
/// session: list, stat, read, write, delete, rename, mkdir, each confined to a root.
enum FileTransferResources {
    /// The options both types share.
    static let fields: [FieldSpec] = [
        FieldSpec("root", .string, default: "/", description: "The directory every path is taken within; a path cannot leave it (.. past it is refused)."),
        FieldSpec("max_file_bytes", .integer, default: .integer(10 << 20), range: 1...(100 << 20),
                  description: "The largest file read or written in one call."),
        FieldSpec("read_only", .boolean, default: false, description: "Offer only list, stat and read."),
        FieldSpec("pool_size", .integer, default: 2, range: 1...20, description: "The most sessions open to the server at once."),
        FieldSpec("pool_timeout_ms", .integer, default: 5000, range: 1...600_000,
                  description: "How long a call waits for a free session before failing with too_many_connections."),
    ]

    private static func path(_ description: String) -> JSONValue {
        ["type": "string", "minLength": 1, "maxLength": 4096, "description": .string(description)]
    }

    private static let entrySchema: JSONValue = [
        "type": "object", "required": ["name", "type"],
        "properties": [
            "name": ["type": "string"], "type": ["type": "string", "enum": ["file", "directory", "symlink", "other"]],
            "size": ["type": ["integer", "null"]], "modified": ["type": ["string", "null"], "format": "date-time"],
            "permissions": ["type": ["string", "null"], "description": "Octal permission bits, e.g. 644."],
        ],
    ]

    private static func resource(_ slug: String, _ name: String, _ description: String, kind: Resource.Kind, input: [String: JSONValue], required: [String],
                                 output: JSONValue) -> Resource {
        Resource(
            slug: Slug(slug)!, name: name, description: description, kind: kind,
            inputSchema: ["type": "object", "additionalProperties": false, "required": .array(required.map(JSONValue.string)), "properties": .object(input)],
            outputSchema: output, binding: ["operation": .string(slug)])
    }

    /// Every resource, the writes left out when `readOnly`.
    static func all(readOnly: Bool) -> [Resource] {
        let reads = [
            resource("list", "List a directory", "Lists the files and directories in a directory (not recursive).", kind: .read,
                     input: ["path": path("The directory (default: the root).")], required: [],
                     output: ["type": "object", "required": ["path", "entries"], "properties": ["path": ["type": "string"], "entries": ["type": "array", "items": entrySchema]]]),
            resource("stat", "Describe a path", "Tells whether a path is a file or a directory, its size, modification time and permissions.", kind: .read,
                     input: ["path": path("The file or directory.")], required: ["path"], output: entrySchema),
            resource("read", "Read a file", "Reads a file's content, as UTF-8 text or base64.", kind: .read,
                     input: [
                        "path": path("The file."),
                        "encoding": ["type": "string", "enum": ["text", "base64"], "default": "text", "description": "text (UTF-8) or base64 for binary files."],
                        "offset": ["type": "integer", "minimum": 0, "default": 0, "description": "Bytes skipped first."],
                     ],
                     required: ["path"],
                     output: ["type": "object", "required": ["path", "content", "encoding", "size"], "properties": [
                        "path": ["type": "string"], "content": ["type": "string"], "encoding": ["type": "string"], "size": ["type": "integer"],
                     ]]),
        ]
        guard !readOnly else { return reads }
        let done: JSONValue = ["type": "object", "properties": ["path": ["type": "string"]]]
        return reads + [
            resource("write", "Write a file", "Writes a file (creating or, unless overwrite is false, replacing it).", kind: .write,
                     input: [
                        "path": path("The file."), "content": ["type": "string", "description": "The content, as text or base64 (see encoding)."],
                        "encoding": ["type": "string", "enum": ["text", "base64"], "default": "text"],
                        "overwrite": ["type": "boolean", "default": true, "description": "Replace an existing file."],
                     ],
                     required: ["path", "content"],
                     output: ["type": "object", "properties": ["path": ["type": "string"], "size": ["type": "integer"]]]),
            resource("delete", "Delete a file or an empty directory", "Deletes a file, or a directory that is empty.", kind: .write,
                     input: ["path": path("The file or empty directory.")], required: ["path"], output: done),
            resource("rename", "Rename or move", "Renames or moves a file or directory within the root.", kind: .write,
                     input: ["from": path("The current path."), "to": path("The new path.")], required: ["from", "to"], output: done),
            resource("mkdir", "Make a directory", "Makes a directory (and its missing parents with parents: true).", kind: .write,
                     input: ["path": path("The directory."), "parents": ["type": "boolean", "default": false]], required: ["path"], output: done),
        ]
    }

    /// A caller's path resolved within `root`: `.` and `..` applied, never above the root.
    static func confine(_ given: String?, root: String, field: String) throws(JunctionError) -> String {
        let text = given ?? ""
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{7F}" }) else {
            throw .invalidInput("A path may not hold control characters.", field: field)
        }
        // Windows servers take "\\" (and "C:") as separators: a name holding them could leave the root.
        guard !text.contains("\\"), !text.contains(":") || !text.split(separator: "/").contains(where: { $0.count >= 2 && $0.dropFirst().first == ":" }) else {
            throw .invalidInput("A path may not hold backslashes or drive letters (they could leave the connector's root); separate directories with /.", field: field)
        }
        var parts: [Substring] = []
        for part in text.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { throw .invalidInput("The path leaves the connector's root (options.root).", field: field) }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + "/" + parts.joined(separator: "/")
    }

    /// Runs `resource` on `files` for `input`. Failures name paths as the caller gave them
    /// (within the root), never the server's absolute paths.
    static func run(_ resource: Resource, input: JSONValue, on files: some RemoteFiles, root: String, maximumBytes: Int) async throws -> JSONValue {
        do {
            return try await perform(resource, input: input, on: files, root: root, maximumBytes: maximumBytes)
        } catch var error as JunctionError {
            let base = root.hasSuffix("/") ? String(root.dropLast()) : root
            if !base.isEmpty { error.message = error.message.replacingOccurrences(of: base + "/", with: "/") }
            if error.code == .notFound, ["write", "mkdir", "rename"].contains(resource.binding["operation"]?.stringValue ?? "") {
                error.message += " Its directory must exist (mkdir with parents: true makes it)."
            }
            throw error
        }
    }

    private static func perform(_ resource: Resource, input: JSONValue, on files: some RemoteFiles, root: String, maximumBytes: Int) async throws -> JSONValue {
        func path(_ name: String = "path") throws(JunctionError) -> String {
            try confine(input[name]?.stringValue, root: root, field: "data.\(name)")
        }
        /// The path as the caller sees it (relative to the root).
        func shown(_ full: String) -> String {
            let base = root.hasSuffix("/") ? String(root.dropLast()) : root
            let inside = String(full.dropFirst(base.count))
            return inside.isEmpty ? "/" : inside
        }
        switch resource.binding["operation"]?.stringValue {
        case "list":
            let target = try path()
            let entries = try await files.list(target).filter { $0.name != "." && $0.name != ".." }.sorted { $0.name < $1.name }
            return ["path": .string(shown(target)), "entries": .array(entries.map(\.json))]
        case "stat":
            var entry = try await files.stat(try path())
            entry.name = shown(try path())
            return entry.json
        case "read":
            let target = try path()
            let offset = input["offset"]?.intValue ?? 0
            let data = try await files.read(target, offset: offset, limit: maximumBytes)
            guard data.count <= maximumBytes else {
                throw JunctionError(.payloadTooLarge, "The file is larger than \(maximumBytes) bytes (options.max_file_bytes); read it in parts with offset.",
                                    field: "data.path")
            }
            if input["encoding"]?.stringValue == "base64" {
                return ["path": .string(shown(target)), "content": .string(data.base64EncodedString()), "encoding": "base64", "size": .integer(data.count)]
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw JunctionError.invalidInput("The file is not UTF-8 text: read it with encoding base64.", field: "data.encoding")
            }
            return ["path": .string(shown(target)), "content": .string(text), "encoding": "text", "size": .integer(data.count)]
        case "write":
            let target = try path()
            let content = input["content"]?.stringValue ?? ""
            let data: Data
            if input["encoding"]?.stringValue == "base64" {
                guard let decoded = Data(base64Encoded: content, options: .ignoreUnknownCharacters) else {
                    throw JunctionError.invalidInput("Expected base64.", field: "data.content")
                }
                data = decoded
            } else {
                data = Data(content.utf8)
            }
            guard data.count <= maximumBytes else {
                throw JunctionError(.payloadTooLarge, "The content is larger than \(maximumBytes) bytes (options.max_file_bytes).", field: "data.content")
            }
            try await files.write(target, data: data, overwrite: input["overwrite"]?.boolValue ?? true)
            return ["path": .string(shown(target)), "size": .integer(data.count)]
        case "delete":
            let target = try path()
            guard target != (try confine("/", root: root, field: "data.path")) else {
                throw JunctionError.invalidInput("The root itself cannot be deleted.", field: "data.path")
            }
            let entry = try await files.stat(target)
            try await files.remove(target, directory: entry.kind == .directory)
            return ["path": .string(shown(target))]
        case "rename":
            let from = try path("from")
            let to = try path("to")
            try await files.rename(from, to: to)
            return ["path": .string(shown(to))]
        case "mkdir":
            let target = try path()
            if input["parents"]?.boolValue == true {
                var current = root.hasSuffix("/") ? String(root.dropLast()) : root
                for part in shown(target).split(separator: "/") {
                    current += "/" + part
                    if (try? await files.stat(current))?.kind == .directory { continue }
                    try await files.makeDirectory(current)
                }
            } else {
                try await files.makeDirectory(target)
            }
            return ["path": .string(shown(target))]
        default:
            throw JunctionError.internal("The resource \(resource.slug) has no file operation.")
        }
    }
}
