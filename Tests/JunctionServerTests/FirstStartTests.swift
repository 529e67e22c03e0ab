import Foundation
import JunctionCore
import JunctionServer
import JunctionStorage
import Testing

@Suite struct FirstStartTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("junction-start-\(UUID().uuidString)/data")
    }

    static func mode(of url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func firstStartCreatesThePrivateDataDirectoryOnce() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        let first = try await JunctionApplication(configuration: configuration)
        let adminKey = try #require(first.bootstrap.createdAdminKey)
        #expect(first.bootstrap.createdMasterKey)
        let keyFile = directory.appendingPathComponent("admin.key")
        #expect(try String(contentsOf: keyFile, encoding: .utf8) == adminKey + "\n")
        #expect(try Self.mode(of: keyFile) == 0o600)
        #expect(try Self.mode(of: directory.appendingPathComponent("master.key")) == 0o600)
        #expect(try Self.mode(of: directory.appendingPathComponent("junction.sqlite")) == 0o600)
        #expect(try Self.mode(of: directory) == 0o700)

        let second = try await JunctionApplication(configuration: configuration)
        #expect(second.bootstrap.createdAdminKey == nil)
        #expect(!second.bootstrap.createdMasterKey)
        #expect(second.secrets.primary.id == first.secrets.primary.id)
        #expect(try await second.store.keys(tenantID: nil).count == 1)
    }

    @Test func anEnvironmentMasterKeyIsUsedAndNoKeyFileIsWritten() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        var configuration = try await ServerConfiguration.load(
            environment: ["JUNCTION_MASTER_KEY": key, "JUNCTION_DATA_DIR": directory.path])
        #expect(configuration.masterKey == key)
        configuration.port = 0
        let junction = try await JunctionApplication(configuration: configuration)
        #expect(!junction.bootstrap.createdMasterKey)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))

        configuration.masterKey = "dG9vIHNob3J0"
        await #expect(throws: JunctionError.self) { try await JunctionApplication(configuration: configuration) }
    }

    @Test func configurationReadsEnvironmentOverTheYAMLFile() async throws {
        let directory = Self.temporaryDirectory().deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("junction.yaml")
        try "host: 0.0.0.0\nport: 9000\ndata_dir: /srv/junction\nmode: saas\nmax_body_bytes: 2048\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try await ServerConfiguration.load(environment: [:], configFile: file.path)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.port == 9000)
        #expect(fromFile.dataDirectory == "/srv/junction")
        #expect(fromFile.mode == .saas)
        #expect(fromFile.maxBodyBytes == 2048)
        let overridden = try await ServerConfiguration.load(
            environment: ["JUNCTION_PORT": "0", "JUNCTION_MODE": "invpc"], configFile: file.path)
        #expect(overridden.port == 0)
        #expect(overridden.mode == .invpc)
        #expect(overridden.host == "0.0.0.0")
        let defaults = try await ServerConfiguration.load(environment: [:])
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8080)
        #expect(defaults.dataDirectory == "./junction-data")
        #expect(defaults.mode == .invpc)
        #expect(defaults.maxBodyBytes == 1 << 20)
        await #expect(throws: JunctionError.self) {
            try await ServerConfiguration.load(environment: ["JUNCTION_PORT": "eighty"])
        }
        await #expect(throws: JunctionError.self) {
            try await ServerConfiguration.load(environment: ["JUNCTION_MODE": "cloud"])
        }
        await #expect(throws: (any Error).self) {
            try await ServerConfiguration.load(environment: [:], configFile: directory.appendingPathComponent("missing.yaml").path)
        }
    }
}
