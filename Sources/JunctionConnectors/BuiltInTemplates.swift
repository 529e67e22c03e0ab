import Foundation
import JunctionCore

/// The built-in template catalog: the data files in `Resources/catalog`.
public enum BuiltInTemplates {
    /// Every built-in template, validated against the `http` type's resource fields.
    ///
    /// - Throws: when a catalog file is malformed (a packaging error, caught by the tests).
    public static func load() throws -> [Template] {
        guard let directory = Bundle.module.url(forResource: "catalog", withExtension: nil) else {
            throw JunctionError.internal("The template catalog is missing from this build.")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { file in
            let document = try JSONCoding.decode(Array(try Data(contentsOf: file)))
            do {
                return try Template(document: document, bindingFields: ConnectorSpec.http.resourceFields, source: .builtIn)
            } catch {
                throw JunctionError.internal("Catalog file \(file.lastPathComponent) is invalid: \(error)")
            }
        }
    }
}
