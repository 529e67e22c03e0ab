import Foundation
import JunctionCore

/// Reads `env:NAME` and `file:PATH` secret references at the moment of use.
///
/// Each reference is checked against the policy again when read, and a file reference is
/// checked after resolving symbolic links, so a link cannot lead outside the allowed directory.
/// Reading a file blocks: call `resolve` off the event loops.
public struct SecretResolver: Sendable {
    /// Which references may be stored and read.
    public let policy: SecretReferencePolicy
    private let environment: @Sendable (String) -> String?

    /// A resolver over the process environment, or `environment` for tests.
    public init(
        policy: SecretReferencePolicy,
        environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    ) {
        self.policy = policy
        self.environment = environment
    }

    /// `value` with every string reference of `tenant` replaced by what it refers to.
    public func resolve(_ value: JSONValue, field: String, tenant: Slug) throws -> JSONValue {
        switch value {
        case .string(let text):
            return .string(try resolve(text, field: field, tenant: tenant))
        case .object(let members):
            var resolved: [String: JSONValue] = [:]
            for (key, member) in members {
                resolved[key] = try resolve(member, field: "\(field).\(key)", tenant: tenant)
            }
            return .object(resolved)
        default:
            return value
        }
    }

    /// `text`, or what it refers to when it is a reference `tenant` may use.
    public func resolve(_ text: String, field: String, tenant: Slug) throws -> String {
        guard let reference = try SecretReference(parsing: text, field: field) else { return text }
        do {
            try policy.check(reference, field: field, tenant: tenant)
        } catch {
            throw JunctionError(.authenticationFailed, "Secret reference \(reference) is not allowed on this server.", field: field)
        }
        switch reference {
        case .environment(let name):
            guard let value = environment(name), !value.isEmpty else {
                throw JunctionError(.authenticationFailed, "Secret reference env:\(name) is not set.", field: field)
            }
            return value
        case .file(let path):
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard let directory = policy.fileDirectory(for: tenant),
                  SecretReferencePolicy.isInside(real, directory: URL(fileURLWithPath: directory).resolvingSymlinksInPath().path),
                  let data = FileManager.default.contents(atPath: real), let text = String(data: data, encoding: .utf8)
            else {
                throw JunctionError(.authenticationFailed, "Secret reference file:\(path) cannot be read.", field: field)
            }
            return text.trimmingCharacters(in: .newlines)
        }
    }
}

