import HTTPTypes
import Foundation
import Hummingbird
import JunctionCore
import JunctionRuntime
import NIOCore

/// The fields of a console form (`application/x-www-form-urlencoded`, or `multipart/form-data`
/// with files), a repeated name keeping every value.
struct ConsoleForm: Sendable {
    private var fields: [String: [String]] = [:]
    /// Uploaded files by field name.
    private(set) var files: [String: MultipartFormData.Part] = [:]

    init(fields: [String: [String]] = [:]) {
        self.fields = fields
    }

    /// Reads the form `request` carries, at most `reader.limit` bytes.
    static func read(_ request: Request, with reader: JSONBodyReader) async throws -> ConsoleForm {
        let bytes = Array(try await reader.bytes(request).readableBytesView)
        let contentType = request.headers[.contentType] ?? ""
        var form = ConsoleForm()
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = MultipartFormData.boundary(in: contentType) else {
                throw JunctionError.invalidInput("The form has no multipart boundary.")
            }
            for part in try MultipartFormData(body: bytes, boundary: boundary).parts {
                if part.filename != nil {
                    form.files[part.name] = part
                } else {
                    form.fields[part.name, default: []].append(String(decoding: part.body, as: UTF8.self))
                }
            }
        } else {
            for (name, value) in RequestInput.fields(formEncoded: String(decoding: bytes, as: UTF8.self)).objectValue ?? [:] {
                form.fields[name] = value.arrayValue?.compactMap(\.stringValue) ?? value.stringValue.map { [$0] } ?? []
            }
        }
        return form
    }

    /// The field's first value with line endings as `\n`, `nil` when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = fields[name]?.first, !value.isEmpty else { return nil }
        return value.contains("\r\n") ? value.replacingOccurrences(of: "\r\n", with: "\n") : value
    }

    /// The field's first value trimmed of spaces, `nil` when that leaves nothing.
    func trimmed(_ name: String) -> String? {
        self[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every non-empty value of the field.
    func values(_ name: String) -> [String] {
        (fields[name] ?? []).filter { !$0.isEmpty }
    }

    /// Whether a checkbox named `name` was checked.
    func isChecked(_ name: String) -> Bool { self[name] != nil }
}
