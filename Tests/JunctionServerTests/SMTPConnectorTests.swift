import Foundation
import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// The `smtp` connector type against aiosmtpd (a real SMTP server, storing what it accepts in
/// a Maildir that Python's own `email` parser reads back): logins, STARTTLS and implicit TLS,
/// MIME with attachments, refused recipients, header injection refused, and mail as a tool.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with aiosmtpd (scripts/test sets it)"))
struct SMTPConnectorTests {
    static let password = "smtp-Secret-\(UUID().uuidString.prefix(8))"

    /// A tenant with the connector `mail`, logging in with `password` (none: no credential).
    static func setUp(_ junction: JunctionHarness, _ mail: MailPeer, options: JSONValue = [:], password: String? = nil) async throws -> String {
        let tenant = try await junction.createTenant("acme")
        if let password {
            let credential = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                "name": "mailbox", "kind": "basic", "username": .string(MailPeer.user), "password": .string(password),
            ])
            #expect(credential.status == .created)
        }
        var settings: [String: JSONValue] = ["from": "Junction Agents <agents@example.com>"]
        if let certificate = mail.certificate { settings["tls_ca"] = .string(certificate) } else { settings["starttls"] = false }
        for (name, value) in options.objectValue ?? [:] { settings[name] = value }
        let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
            "connector_name": "mail", "connector_type": "smtp", "connection_url": .string(mail.url),
            "credential": password == nil ? .null : "mailbox", "options": .object(settings), "max_retries": 0, "timeout_ms": 10_000,
        ])
        #expect(created.status == .created, "\(created.text)")
        return tenant.key
    }

    static func send(_ junction: JunctionHarness, _ key: String, _ data: JSONValue) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key, json: ["connector": "mail", "resource": "send", "data": data])
    }

    @Test func aMessageWithAttachmentsLandsIntactAfterSTARTTLSAndALogin() async throws {
        try await MailPeer.with(password: Self.password, security: .starttls) { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail, password: Self.password)
                let tested = try await junction.request(.post, "/api/v1/connectors/mail/test", key: key)
                #expect(tested.json["success"] == true, "\(tested.text)")
                let binary = Data((0..<2048).map { UInt8($0 % 256) })
                let dotted = ".hidden line\r\n.\r\n..two dots\r\nend"
                let sent = try await Self.send(junction, key, [
                    "to": ["Ana Lima <ana@example.com>", "Zoë Ünal <zoe@example.com>"], "cc": "ops@example.com", "bcc": ["audit@example.com"],
                    "reply_to": "help@example.com",
                    "subject": "Your order — ready ✓", "text": "Hello Ana,\nyour order is ready.\n.\nBye", "html": "<p>Hello <b>Ana</b></p>",
                    "attachments": [
                        ["filename": "bytes.bin", "content": .string(binary.base64EncodedString())],
                        ["filename": "notes.txt", "content_type": "text/plain", "content": .string(Data(dotted.utf8).base64EncodedString())],
                        ["filename": "Überblick.pdf", "content_type": "application/pdf", "content": "JVBERi0xLjQK"],
                    ],
                ])
                #expect(sent.json["success"] == true, "\(sent.text)")
                let messageID = try #require(sent.json["data"]?["message_id"]?.stringValue)
                #expect(sent.json["data"]?["accepted"] == ["ana@example.com", "zoe@example.com", "ops@example.com", "audit@example.com"])
                #expect(sent.json["data"]?["rejected"] == [])

                let messages = try mail.messages()
                #expect(messages.count == 1)
                let message = try #require(messages.first)
                let headers = try #require(message["headers"])
                #expect(headers["Subject"] == "Your order — ready ✓")
                #expect(headers["From"] == "Junction Agents <agents@example.com>")
                #expect(headers["To"] == "Ana Lima <ana@example.com>, Zoë Ünal <zoe@example.com>")
                #expect(headers["Cc"] == "ops@example.com")
                #expect(headers["Reply-To"] == "help@example.com")
                #expect(headers["Bcc"] == nil, "Bcc is not in the message")
                #expect(headers["Message-ID"]?.stringValue == messageID)
                #expect(message["text"] == "Hello Ana,\nyour order is ready.\n.\nBye")
                #expect(message["html"] == "<p>Hello <b>Ana</b></p>")
                #expect(message["defects"] == [], "Python's parser found nothing wrong")
                let attachments = message["attachments"]?.arrayValue ?? []
                #expect(attachments.map { $0["filename"] } == ["bytes.bin", "notes.txt", "Überblick.pdf"])
                #expect(attachments.first?["content"] == .string(binary.base64EncodedString()), "binary bytes intact")
                #expect(attachments.dropFirst().first?["content"] == .string(Data(dotted.utf8).base64EncodedString()))
                #expect(attachments.last?["content_type"] == "application/pdf")
                #expect(mail.envelopes() == ["agents@example.com ana@example.com,zoe@example.com,ops@example.com,audit@example.com"],
                        "the Bcc recipient got it too")
            }
        }
    }

    @Test func implicitTLSAndAnUntrustedCertificate() async throws {
        try await MailPeer.with(password: Self.password, security: .implicit) { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail, password: Self.password)
                let sent = try await Self.send(junction, key, ["to": "ana@example.com", "subject": "TLS", "text": "from the first byte"])
                #expect(sent.json["success"] == true, "\(sent.text)")
                #expect(try mail.messages().first?["text"] == "from the first byte")
                let untrusting = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
                    "connector_name": "untrusting", "connector_type": "smtp", "connection_url": .string(mail.url), "credential": "mailbox",
                    "options": ["from": "agents@example.com"],
                ])
                #expect(untrusting.status == .created, "\(untrusting.text)")
                let refused = try await junction.request(.post, "/api/v1/connectors/untrusting/test", key: key)
                #expect(refused.json["error"]?["code"] == "tls_error", "a self-signed certificate is not trusted: \(refused.text)")
            }
        }
    }

    @Test func starttlsIsRequiredUnlessTurnedOff() async throws {
        try await MailPeer.with { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail, options: ["starttls": true])
                let refused = try await Self.send(junction, key, ["to": "ana@example.com", "text": "plain?"])
                #expect(refused.json["error"]?["code"] == "tls_error", "\(refused.text)")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("options.starttls") == true)
                #expect(try mail.messages().isEmpty)
                #expect(try await junction.request(.put, "/api/v1/connectors/mail", key: key, json: ["options": ["from": "agents@example.com", "starttls": false]]).status == .ok)
                let sent = try await Self.send(junction, key, ["to": "ana@example.com", "text": "plain, on purpose"])
                #expect(sent.json["success"] == true, "\(sent.text)")
                #expect(try mail.messages().count == 1)

                // A login given to a server that offers none is not dropped silently.
                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "login", "kind": "basic", "username": "someone", "password": "something",
                ])
                #expect(try await junction.request(.put, "/api/v1/connectors/mail", key: key, json: ["credential": "login"]).status == .ok)
                let unused = try await junction.request(.post, "/api/v1/connectors/mail/test", key: key)
                #expect(unused.json["error"]?["code"] == "authentication_failed", "\(unused.text)")
                #expect(unused.json["error"]?["message"]?.stringValue?.contains("offers no login") == true)
            }
        }
    }

    @Test func aWrongPasswordAndRefusedRecipients() async throws {
        try await MailPeer.with(password: Self.password) { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail, password: "not-the-password")
                let refused = try await junction.request(.post, "/api/v1/connectors/mail/test", key: key)
                #expect(refused.json["error"]?["code"] == "authentication_failed", "\(refused.text)")
                #expect(!refused.text.contains("not-the-password"))
                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "right", "kind": "basic", "username": .string(MailPeer.user), "password": .string(Self.password),
                ])
                #expect(try await junction.request(.put, "/api/v1/connectors/mail", key: key, json: ["credential": "right"]).status == .ok)
                let partly = try await Self.send(junction, key, ["to": ["ana@example.com", "ghost@nowhere.example"], "text": "hi"])
                #expect(partly.json["success"] == true, "\(partly.text)")
                #expect(partly.json["data"]?["accepted"] == ["ana@example.com"])
                #expect(partly.json["data"]?["rejected"]?[0]?["code"] == 550)
                let nobody = try await Self.send(junction, key, ["to": "ghost@nowhere.example", "text": "hi"])
                #expect(nobody.json["error"]?["code"] == "upstream_error", "\(nobody.text)")
                #expect(nobody.json["error"]?["retryable"] == false)
                #expect(try mail.messages().count == 1)
            }
        }
    }

    /// A server (or whoever sits in between) that sends more after its STARTTLS go-ahead, in
    /// plain text, hoping it is read as protected: the connection is dropped.
    static let injectingServer = LineProtocolPeer.script(
        greeting: "220 injector ESMTP\r\n",
        answers: [
            ("EHLO", "250-injector\r\n250 STARTTLS\r\n"),
            ("STARTTLS", "220 Go ahead\r\n250-injector\r\n250 AUTH PLAIN\r\n235 Authentication successful\r\n"),
        ],
        otherwise: "250 OK\r\n")

    @Test func repliesInjectedAfterTheSTARTTLSGoAheadAreRefused() async throws {
        try await PythonPeer.with(script: Self.injectingServer) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "mail", "connector_type": "smtp", "connection_url": .string("smtp" + peer.url.dropFirst(4)),
                    "options": ["from": "agents@example.com"], "max_retries": 0, "timeout_ms": 5000,
                ])
                let answer = try await junction.request(.post, "/api/v1/connectors/mail/test", key: tenant.key)
                #expect(answer.json["error"]?["code"] == "tls_error", "\(answer.text)")
                #expect(answer.json["error"]?["message"]?.stringValue?.contains("injection") == true, "\(answer.text)")
            }
        }
    }

    @Test func headersCannotBeInjected() async throws {
        try await MailPeer.with { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail)
                let cases: [(JSONValue, String)] = [
                    (["to": "ana@example.com", "subject": "Hi\r\nBcc: spy@example.com", "text": "x"], "data.subject"),
                    (["to": "ana@example.com\r\nBcc: spy@example.com", "text": "x"], "data.to"),
                    (["to": ["ok@example.com", "Spy\n <spy@example.com>"], "text": "x"], "data.to[1]"),
                    (["to": "ana@example.com>\r\nRCPT TO:<spy@example.com", "text": "x"], "data.to"),
                    (["to": "ana@example.com", "text": "x", "attachments": [["filename": "a\r\nb.txt", "content": "eA=="]]], "data.attachments[0].filename"),
                    (["to": "ana@example.com", "text": "x", "attachments": [["filename": "a.txt", "content_type": "text/plain\r\nX: y", "content": "eA=="]]],
                     "data.attachments[0].content_type"),
                    (["to": "ana@example.com"], "data.text"),
                    (["subject": "nobody", "text": "x"], "data.to"),
                ]
                for (data, field) in cases {
                    let answer = try await Self.send(junction, key, data)
                    #expect(answer.json["error"]?["code"] == "invalid_input", "\(data): \(answer.text)")
                    #expect(answer.json["error"]?["field"]?.stringValue == field, "\(data): \(answer.text)")
                }
                #expect(try await junction.request(.put, "/api/v1/connectors/mail", key: key, json: ["options": ["max_message_bytes": 2048]]).status == .ok)
                let big = try await Self.send(junction, key, [
                    "to": "ana@example.com", "text": "x", "attachments": [["filename": "big.bin", "content": .string(Data(count: 4096).base64EncodedString())]],
                ])
                #expect(big.json["error"]?["code"] == "payload_too_large", "\(big.text)")
                #expect(big.json["error"]?["message"]?.stringValue?.contains("max_message_bytes") == true)
                let bad = try await junction.request(.put, "/api/v1/connectors/mail", key: key, json: ["options": ["from": "agents@example.com\r\nBcc: x@y.z", "starttls": false]])
                #expect(bad.errorField == "options.from", "\(bad.text)")
                #expect(try mail.messages().isEmpty, "nothing was sent")
                #expect(mail.envelopes().isEmpty)
            }
        }
    }

    @Test func mailIsAToolOverMCPAndAStepOfAWorkflow() async throws {
        try await MailPeer.with { mail in
            try await withJunction { junction in
                let key = try await Self.setUp(junction, mail)
                let session = try await MCPServerTests.openSession(junction, key: key)
                let listed = try await junction.request(.post, "/mcp", key: key, json: ["jsonrpc": "2.0", "id": 2, "method": "tools/list"], headers: session)
                let tool = try #require(listed.json["result"]?["tools"]?.arrayValue?.first { $0["name"] == "mail__send" })
                #expect(tool["annotations"]?["readOnlyHint"] == false)
                let called = try await junction.request(.post, "/mcp", key: key, json: [
                    "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                    "params": ["name": "mail__send", "arguments": ["to": "ana@example.com", "subject": "From MCP", "text": "tool call"]],
                ], headers: session)
                #expect(called.json["result"]?["isError"] == false, "\(called.text)")

                let agent: JSONValue = [
                    "name": "notify", "type": "workflow",
                    "steps": [["id": "mail", "connector": "mail", "resource": "send",
                               "data": ["to": "{{input.email}}", "subject": "Order {{input.order}}", "text": "Order {{input.order}} shipped."]]],
                    "output": ["id": "{{steps.mail.data.message_id}}"],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: key, json: agent).status == .created)
                let started = try await junction.request(.post, "/api/v1/agents/notify/runs", key: key, json: ["input": ["email": "bo@example.com", "order": "42"]])
                let run = try await RunAPITests.finished(try #require(started.json["id"]?.stringValue), in: junction, key: key)
                #expect(run["status"] == "completed", "\(run)")
                let subjects = try mail.messages().compactMap { $0["headers"]?["Subject"]?.stringValue }
                #expect(subjects == ["From MCP", "Order 42"])
                #expect(try mail.messages().last?["headers"]?["Message-ID"] == run["output"]?["id"])
            }
        }
    }
}
