import Foundation

/// A real FTP server for tests: pyftpdlib (PyPI) serving a temporary directory to one user,
/// plain, with explicit TLS (AUTH TLS required, data connections protected) or with implicit
/// TLS (TLS from the first byte), on a self-signed certificate for 127.0.0.1.
public struct FTPPeer: Sendable {
    public enum Security: String, Sendable {
        case none, explicit, implicit
    }

    /// `ftp://127.0.0.1:port` (`ftps://` with implicit TLS).
    public var url: String
    /// The directory the user sees as `/`.
    public var home: URL
    /// The server's certificate (nil without TLS).
    public var certificate: String?

    public static let user = "courier"

    public static func with<T: Sendable>(
        login: String = user, password: String, security: Security = .none, _ body: @Sendable (FTPPeer) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-ftp-\(UUID().uuidString)")
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var pem: String?
        var tls = ""
        if security != .none {
            let (certificate, key) = try SelfSignedCertificate.write(to: directory)
            pem = try String(contentsOfFile: certificate, encoding: .utf8)
            tls = """
                Handler = TLS_FTPHandler
                Handler.certfile = \(python(certificate))
                Handler.keyfile = \(python(key))
                Handler.tls_control_required = True
                Handler.tls_data_required = True
                """
            if security == .implicit {
                // pyftpdlib speaks explicit TLS only: this handler starts TLS before the greeting.
                tls += """

                    class Implicit(TLS_FTPHandler):
                        def handle(self):
                            self.secure_connection(self.ssl_context)
                        def handle_ssl_established(self):
                            TLS_FTPHandler.handle(self)
                    Implicit.certfile = Handler.certfile
                    Implicit.keyfile = Handler.keyfile
                    Implicit.tls_control_required = True
                    Implicit.tls_data_required = True
                    Handler = Implicit
                    """
            }
        }
        let script = """
            import logging, sys
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
            from pyftpdlib.servers import FTPServer
            logging.basicConfig(level=logging.WARNING)
            port = int(sys.argv[1])
            authorizer = DummyAuthorizer()
            authorizer.add_user(\(python(login)), \(python(password)), \(python(home.path)), perm="elradfmwMT")
            Handler = FTPHandler
            \(tls)
            Handler.authorizer = authorizer
            Handler.permit_foreign_addresses = False
            FTPServer(("127.0.0.1", port), Handler).serve_forever()
            """
        let certificate = pem
        return try await PythonPeer.with(script: script) { peer in
            let port = peer.url.split(separator: ":").last.map(String.init) ?? ""
            return try await body(FTPPeer(url: (security == .implicit ? "ftps" : "ftp") + "://127.0.0.1:\(port)", home: home, certificate: certificate))
        }
    }

    private static func python(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
