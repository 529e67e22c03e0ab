import Foundation
import JunctionCore

/// The built-in template catalog: the data files in `Resources/catalog`.
public enum BuiltInTemplates {
    /// Every built-in template, its resources validated against the resource fields of the
    /// type it builds on (in `registry`).
    ///
    /// - Throws: when a catalog file is malformed (a packaging error, caught by the tests).
    public static func load(registry: ConnectorRegistry = .builtIn) throws -> [Template] {
        guard let directory = Bundle.module.url(forResource: "catalog", withExtension: nil) else {
            throw JunctionError.internal("The template catalog is missing from this build.")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { file in
            let document = try JSONCoding.decode(Array(try Data(contentsOf: file)))
            let type = document["connector_type"]?.stringValue ?? "http"
            guard let spec = registry.spec(for: type) else {
                throw JunctionError.internal("Catalog file \(file.lastPathComponent) builds on unknown type '\(type)'.")
            }
            do {
                return try Template(document: document, bindingFields: spec.resourceFields, source: .builtIn)
            } catch {
                throw JunctionError.internal("Catalog file \(file.lastPathComponent) is invalid: \(error)")
            }
        }
    }
}
