import Foundation
import JunctionCore

/// A real SMTP server for tests: aiosmtpd (PyPI) storing what it accepts in a Maildir, with
/// an optional login (AUTH PLAIN/LOGIN as `user` with `password`), STARTTLS or implicit TLS on
/// a self-signed certificate for 127.0.0.1, and recipients at `nowhere.example` refused.
public struct MailPeer: Sendable {
    /// How the server secures its connections.
    public enum Security: String, Sendable {
        case none, starttls, implicit
    }

    /// `smtp://127.0.0.1:port` (or `smtps://` with implicit TLS).
    public var url: String
    /// The PEM of the server's certificate (nil without TLS).
    public var certificate: String?
    private var maildir: URL

    public static let user = "mailer"

    /// Runs `body` with a server; `password` nil: no login is asked for, else `login` with it.
    public static func with<T: Sendable>(
        login: String = user, password: String? = nil, security: Security = .none, _ body: @Sendable (MailPeer) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var pem: String?
        var context = ""
        if security != .none {
            let (certificate, key) = try SelfSignedCertificate.write(to: directory)
            pem = try String(contentsOfFile: certificate, encoding: .utf8)
            context = "context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\ncontext.load_cert_chain(\(python(certificate)), \(python(key)))"
        }
        let maildir = directory.appendingPathComponent("maildir")
        var options = ["hostname=\"127.0.0.1\"", "port=port"]
        // aiosmtpd counts only STARTTLS as TLS for auth_require_tls (implicit TLS is TLS all the same).
        if password != nil { options += ["authenticator=authenticator", "auth_required=True", "auth_require_tls=\(security == .starttls ? "True" : "False")"] }
        switch security {
        case .none: break
        case .starttls: options += ["tls_context=context", "require_starttls=True"]
        case .implicit: options += ["ssl_context=context"]
        }
        let script = """
            import signal, ssl, sys
            from aiosmtpd.controller import Controller
            from aiosmtpd.handlers import Mailbox
            from aiosmtpd.smtp import AuthResult, LoginPassword
            port = int(sys.argv[1])
            context = None
            \(context)
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and auth_data.login == \(python(login)).encode() and auth_data.password == \(python(password ?? "")).encode()
                return AuthResult(success=ok, handled=False)
            class Handler(Mailbox):
                async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                    if address.endswith("@nowhere.example"):
                        return "550 5.1.1 No such user here"
                    envelope.rcpt_tos.append(address)
                    return "250 OK"
                async def handle_DATA(self, server, session, envelope):
                    answer = await super().handle_DATA(server, session, envelope)
                    with open(\(python(directory.appendingPathComponent("envelopes").path)), "a") as log:
                        log.write(envelope.mail_from + " " + ",".join(envelope.rcpt_tos) + "\\n")
                    return answer
            controller = Controller(Handler(\(python(maildir.path))), \(options.joined(separator: ", ")))
            controller.start()
            signal.sigwait({signal.SIGTERM})
            controller.stop()
            """
        let certificate = pem
        return try await PythonPeer.with(script: script) { peer in
            let port = peer.url.split(separator: ":").last.map(String.init) ?? ""
            let mail = MailPeer(
                url: (security == .implicit ? "smtps" : "smtp") + "://127.0.0.1:\(port)", certificate: certificate, maildir: maildir,
                envelopesFile: directory.appendingPathComponent("envelopes"))
            return try await body(mail)
        }
    }

    private var envelopesFile: URL

    private init(url: String, certificate: String?, maildir: URL, envelopesFile: URL) {
        self.url = url
        self.certificate = certificate
        self.maildir = maildir
        self.envelopesFile = envelopesFile
    }

    /// Each accepted envelope: `MAIL FROM recipient,recipient`.
    public func envelopes() -> [String] {
        ((try? String(contentsOf: envelopesFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The messages in the Maildir, parsed by Python's `email` package: `headers` (name →
    /// value, decoded), `text`, `html`, `attachments` ({filename, content_type, content} in base64).
    public func messages() throws -> [JSONValue] {
        let new = maildir.appendingPathComponent("new")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
        return try files.map { file in try Self.parse(new.appendingPathComponent(file).path) }
    }

    static func parse(_ path: String) throws -> JSONValue {
        guard let python = PythonPeer.python else { throw HarnessError("JUNCTION_TEST_PYTHON is not set") }
        let script = """
            import base64, email, json, sys
            from email import policy
            message = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
            result = {"headers": {k: str(v) for k, v in message.items()}, "attachments": [], "defects": [str(d) for d in message.defects]}
            for part in message.walk():
                if part.is_multipart():
                    continue
                if part.get_content_disposition() == "attachment":
                    result["attachments"].append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                        "content": base64.b64encode(part.get_payload(decode=True)).decode()})
                elif part.get_content_type() == "text/plain":
                    result["text"] = part.get_content()
                elif part.get_content_type() == "text/html":
                    result["html"] = part.get_content()
            print(json.dumps(result))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONValue(parsing: Array(data))
    }

    private static func python(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
