import Foundation
import JunctionCore

/// One e-mail, validated and rendered as an RFC 5322 message with MIME parts: addresses and
/// the subject are checked (no line breaks, no control characters, so no header can be
/// injected), non-ASCII header text is RFC 2047-encoded, bodies and attachments are base64 in
/// lines of 76.
struct MailMessage: Sendable {
    /// An address with an optional display name.
    struct Mailbox: Sendable, Hashable {
        var name: String?
        var address: String

        /// `Name <local@domain>` or `local@domain`; field names the input at fault.
        init(parsing text: String, field: String) throws(JunctionError) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
                let display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                name = display.isEmpty ? nil : display
                address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            } else {
                name = nil
                address = trimmed
            }
            if let name, name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw .invalidInput("A display name may not hold control characters or line breaks.", field: field)
            }
            guard Self.isValid(address) else {
                throw .invalidInput("'\(text.prefix(80))' is not an e-mail address (local@domain).", field: field)
            }
        }

        /// A plain `local@domain` in ASCII: an atom or dot-atom local part of at most 64
        /// characters and a domain of labels (or an address literal), 254 in all.
        static func isValid(_ address: String) -> Bool {
            guard address.utf8.count <= 254, let at = address.lastIndex(of: "@") else { return false }
            let local = address[..<at]
            let domain = address[address.index(after: at)...]
            let atext = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
            guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
                  local.unicodeScalars.allSatisfy(atext.contains)
            else { return false }
            if domain.hasPrefix("[") && domain.hasSuffix("]") {
                return IPAddressBytes.parse(String(domain.dropFirst().dropLast()).replacingOccurrences(of: "IPv6:", with: "")) != nil
            }
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            let labelCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
            return labels.count >= 1 && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy(labelCharacters.contains)
            }
        }

        /// The header form: the name encoded when it is not plain ASCII.
        var header: String {
            guard let name else { return address }
            let plain = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == " ") }
            return (plain ? name : MailMessage.encodedWord(name)) + " <" + address + ">"
        }
    }

    /// A file sent with the message.
    struct Attachment: Sendable {
        var filename: String
        var contentType: String
        var content: Data
    }

    var from: Mailbox
    var to: [Mailbox]
    var cc: [Mailbox]
    var bcc: [Mailbox]
    var replyTo: [Mailbox]
    var subject: String
    var text: String?
    var html: String?
    var attachments: [Attachment]
    /// `<random@domain-of-from>`.
    var messageID: String

    /// Every recipient, Bcc included, each once.
    var recipients: [String] {
        var seen: Set<String> = []
        return (to + cc + bcc).map(\.address).filter { seen.insert($0.lowercased()).inserted }
    }

    /// The message of a `send` call's input, sent from `from`; bodies and attachments together
    /// may hold at most `maximumBytes`.
    init(input: JSONValue, from: Mailbox, maximumBytes: Int) throws(JunctionError) {
        func mailboxes(_ name: String) throws(JunctionError) -> [Mailbox] {
            switch input[name] {
            case nil, .null?: return []
            case .string(let text)?: return [try Mailbox(parsing: text, field: "data.\(name)")]
            case .array(let items)?:
                var result: [Mailbox] = []
                for (index, item) in items.enumerated() {
                    guard let text = item.stringValue else { throw .invalidInput("Expected an address.", field: "data.\(name)[\(index)]") }
                    result.append(try Mailbox(parsing: text, field: "data.\(name)[\(index)]"))
                }
                return result
            default: throw .invalidInput("Expected an address or a list of addresses.", field: "data.\(name)")
            }
        }
        self.from = from
        to = try mailboxes("to")
        cc = try mailboxes("cc")
        bcc = try mailboxes("bcc")
        replyTo = try mailboxes("reply_to")
        guard !(to.isEmpty && cc.isEmpty && bcc.isEmpty) else {
            throw .invalidInput("Give at least one recipient (to, cc or bcc).", field: "data.to")
        }
        guard to.count + cc.count + bcc.count <= 100 else { throw .invalidInput("At most 100 recipients per message.", field: "data.to") }
        subject = input["subject"]?.stringValue ?? ""
        guard !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidInput("A subject may not hold line breaks or control characters.", field: "data.subject")
        }
        text = input["text"]?.stringValue
        html = input["html"]?.stringValue
        guard text != nil || html != nil else { throw .invalidInput("Give a text or an html body.", field: "data.text") }
        attachments = []
        var total = (text?.utf8.count ?? 0) + (html?.utf8.count ?? 0)
        for (index, item) in (input["attachments"]?.arrayValue ?? []).enumerated() {
            let field = "data.attachments[\(index)]"
            guard let filename = item["filename"]?.stringValue, !filename.isEmpty,
                  !filename.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" || $0 == "\\" })
            else { throw .invalidInput("Give a filename without slashes or control characters.", field: field + ".filename") }
            let contentType = item["content_type"]?.stringValue ?? "application/octet-stream"
            guard Self.isMediaType(contentType) else {
                throw .invalidInput("'\(contentType.prefix(80))' is not a media type (type/subtype).", field: field + ".content_type")
            }
            guard let encoded = item["content"]?.stringValue, let content = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw .invalidInput("Expected the file's bytes in base64.", field: field + ".content")
            }
            total += content.count
            attachments.append(Attachment(filename: filename, contentType: contentType, content: content))
        }
        guard total <= maximumBytes else {
            throw JunctionError(.payloadTooLarge, "The message is \(total) bytes; this connector sends at most \(maximumBytes) (options.max_message_bytes).",
                                field: "data")
        }
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "junction.invalid"
        messageID = "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    private static func isMediaType(_ text: String) -> Bool {
        let token = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy(token.contains) }
    }

    /// The message as sent after DATA: CRLF line endings, dot-stuffed, without the final `.`.
    func rendered(date: Date = Date()) -> [UInt8] {
        var lines: [String] = []
        func header(_ name: String, _ mailboxes: [Mailbox]) {
            if !mailboxes.isEmpty { lines.append(name + ": " + mailboxes.map(\.header).joined(separator: ", ")) }
        }
        header("From", [from])
        header("To", to)
        header("Cc", cc)
        header("Reply-To", replyTo)
        // Encoded words fold: a long subject stays within the 998-octet line limit.
        lines.append("Subject: " + (subject.allSatisfy { $0.isASCII } && subject.utf8.count <= 900 ? subject : Self.encodedWord(subject)))
        lines.append("Date: " + Self.date(date))
        lines.append("Message-ID: " + messageID)
        lines.append("MIME-Version: 1.0")
        let boundary = "junction-" + UUID().uuidString.lowercased()
        var body: [String] = []
        if attachments.isEmpty {
            body = bodyPart(headersInto: &lines, boundary: boundary + "-alt")
        } else {
            lines.append("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
            body.append("--" + boundary)
            var inner: [String] = []
            let content = bodyPart(headersInto: &inner, boundary: boundary + "-alt")
            body += inner + [""] + content
            for attachment in attachments {
                body.append("--" + boundary)
                body.append("Content-Type: \(attachment.contentType); name=\(Self.quotedParameter(attachment.filename))")
                body.append("Content-Transfer-Encoding: base64")
                body.append("Content-Disposition: attachment; " + Self.filenameParameter(attachment.filename))
                body.append("")
                body += Self.base64Lines(attachment.content)
            }
            body.append("--" + boundary + "--")
        }
        var output: [UInt8] = []
        for line in lines + [""] + body {
            if line.hasPrefix(".") { output.append(UInt8(ascii: ".")) }
            output += Array(line.utf8)
            output += [13, 10]
        }
        return output
    }

    /// The text and/or HTML part: its headers appended to `headers`, its body lines answered.
    private func bodyPart(headersInto headers: inout [String], boundary: String) -> [String] {
        switch (text, html) {
        case (let text?, let html?):
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            return ["--" + boundary] + Self.textPart(text, subtype: "plain") + ["--" + boundary] + Self.textPart(html, subtype: "html")
                + ["--" + boundary + "--"]
        default:
            let part = Self.textPart(text ?? html ?? "", subtype: text != nil ? "plain" : "html")
            let split = part.firstIndex(of: "") ?? part.endIndex
            headers += part[..<split]
            return Array(part[part.index(after: split)...])
        }
    }

    private static func textPart(_ content: String, subtype: String) -> [String] {
        ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: base64", ""] + base64Lines(Data(content.utf8))
    }

    private static func base64Lines(_ data: Data) -> [String] {
        data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    /// RFC 2047: `=?utf-8?B?…?=` words of at most 75 characters, split between characters.
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk = ""
        for character in text {
            if Data((chunk + String(character)).utf8).count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    private static func quotedParameter(_ value: String) -> String {
        guard value.allSatisfy({ $0.isASCII }) else { return encodedWord(value) }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `filename="…"`, or RFC 2231's `filename*=utf-8''…` for a name beyond ASCII.
    private static func filenameParameter(_ name: String) -> String {
        guard !name.allSatisfy({ $0.isASCII }) else { return "filename=" + quotedParameter(name) }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return "filename*=utf-8''" + (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "file")
    }

    /// RFC 5322's date: `Fri, 04 Dec 2026 21:30:00 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[((parts.weekday ?? 1) - 1) % 7]), \(two(parts.day)) \(months[((parts.month ?? 1) - 1) % 12]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
