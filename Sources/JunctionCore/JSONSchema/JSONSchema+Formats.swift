extension JSONSchema {
    /// A `format` the validator checks; other formats are annotations only.
    enum Format: Sendable {
        case dateTime
        case date
        case email
        case uri
        case uuid
        case ipv4

        init?(name: String) {
            switch name {
            case "date-time": self = .dateTime
            case "date": self = .date
            case "email": self = .email
            case "uri": self = .uri
            case "uuid": self = .uuid
            case "ipv4": self = .ipv4
            default: return nil
            }
        }

        /// What a matching string is, for messages.
        var label: String {
            switch self {
            case .dateTime: "RFC 3339 date-time"
            case .date: "date (YYYY-MM-DD)"
            case .email: "email address"
            case .uri: "absolute URI"
            case .uuid: "UUID"
            case .ipv4: "IPv4 address"
            }
        }

        /// Whether `text` is in this format.
        func matches(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { bytes in
                switch self {
                case .dateTime: Self.isDateTime(bytes)
                case .date: bytes.count == 10 && Self.isFullDate(bytes, at: 0)
                case .email: Self.isEmail(bytes)
                case .uri: Self.isURI(bytes)
                case .uuid: Self.isUUID(bytes)
                case .ipv4: Self.isIPv4(bytes)
                }
            }
        }

        private typealias Bytes = UnsafeBufferPointer<UInt8>

        // MARK: Dates (RFC 3339)

        /// `date-time`: `2024-05-01T12:30:00Z`, `2024-05-01t12:30:00.250+02:00`.
        private static func isDateTime(_ bytes: Bytes) -> Bool {
            guard bytes.count >= 20, isFullDate(bytes, at: 0),
                bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
                let hour = number(bytes, at: 11, digits: 2), bytes[13] == UInt8(ascii: ":"),
                let minute = number(bytes, at: 14, digits: 2), bytes[16] == UInt8(ascii: ":"),
                let second = number(bytes, at: 17, digits: 2),
                hour <= 23, minute <= 59, second <= 60
            else { return false }
            var index = 19
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                guard index > start else { return false }
            }
            guard index < bytes.count else { return false }
            var offset = 0
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard index + 1 == bytes.count else { return false }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard index + 6 == bytes.count,
                    let hours = number(bytes, at: index + 1, digits: 2), bytes[index + 3] == UInt8(ascii: ":"),
                    let minutes = number(bytes, at: index + 4, digits: 2),
                    hours <= 23, minutes <= 59
                else { return false }
                offset = (hours * 60 + minutes) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            default:
                return false
            }
            if second == 60 {
                // A leap second is only ever 23:59:60 UTC.
                let utc = ((hour * 60 + minute - offset) % 1440 + 1440) % 1440
                return utc == 23 * 60 + 59
            }
            return true
        }

        /// `YYYY-MM-DD` at `start`, with a day that exists in that month.
        private static func isFullDate(_ bytes: Bytes, at start: Int) -> Bool {
            guard bytes.count >= start + 10,
                let year = number(bytes, at: start, digits: 4), bytes[start + 4] == UInt8(ascii: "-"),
                let month = number(bytes, at: start + 5, digits: 2), bytes[start + 7] == UInt8(ascii: "-"),
                let day = number(bytes, at: start + 8, digits: 2),
                (1...12).contains(month)
            else { return false }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days =
                switch month {
                case 2: leap ? 29 : 28
                case 4, 6, 9, 11: 30
                default: 31
                }
            return (1...days).contains(day)
        }

        /// The decimal number in exactly `digits` ASCII digits at `start`.
        private static func number(_ bytes: Bytes, at start: Int, digits: Int) -> Int? {
            guard start + digits <= bytes.count else { return nil }
            var value = 0
            for index in start..<(start + digits) {
                guard isDigit(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }

        // MARK: Email

        /// `local@domain`: a dot-atom local part (no quoted strings) and a hostname.
        private static func isEmail(_ bytes: Bytes) -> Bool {
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return false }
            let local = bytes[..<at]
            let domain = bytes[(at + 1)...]
            guard (1...64).contains(local.count), (1...253).contains(domain.count) else { return false }
            var previous = UInt8(ascii: ".")
            for byte in local {
                if byte == UInt8(ascii: ".") {
                    guard previous != UInt8(ascii: ".") else { return false }
                } else {
                    guard isAlphanumeric(byte) || isAtomSymbol(byte) else { return false }
                }
                previous = byte
            }
            return previous != UInt8(ascii: ".") && isHostname(domain)
        }

        /// Dot-separated labels of 1–63 letters, digits and inner dashes.
        private static func isHostname(_ bytes: Slice<Bytes>) -> Bool {
            var labelLength = 0
            var previous = UInt8(ascii: ".")
            for byte in bytes {
                if byte == UInt8(ascii: ".") {
                    guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
                    labelLength = 0
                } else {
                    guard isAlphanumeric(byte) || (byte == UInt8(ascii: "-") && labelLength > 0) else { return false }
                    labelLength += 1
                    guard labelLength <= 63 else { return false }
                }
                previous = byte
            }
            return labelLength > 0 && previous != UInt8(ascii: "-")
        }

        private static func isAtomSymbol(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
                UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"),
                UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }

        // MARK: URI (RFC 3986)

        /// An absolute URI: `scheme:` then an optional `//authority`, path, query and fragment,
        /// all in ASCII with valid percent-escapes.
        private static func isURI(_ bytes: Bytes) -> Bool {
            guard let first = bytes.first, isLetter(first) else { return false }
            var index = 1
            while index < bytes.count,
                isAlphanumeric(bytes[index]) || bytes[index] == UInt8(ascii: "+")
                    || bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: ".")
            {
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "/") {
                index += 2
                let start = index
                while index < bytes.count,
                    bytes[index] != UInt8(ascii: "/"), bytes[index] != UInt8(ascii: "?"), bytes[index] != UInt8(ascii: "#")
                {
                    index += 1
                }
                guard isAuthority(bytes[start..<index]) else { return false }
            }
            let rest = bytes[index...]
            guard let hash = rest.firstIndex(of: UInt8(ascii: "#")) else {
                return isEncoded(rest, allowing: isPathCharacter)
            }
            return isEncoded(rest[..<hash], allowing: isPathCharacter)
                && isEncoded(rest[(hash + 1)...], allowing: isPathCharacter)
        }

        /// `[userinfo@]host[:port]`, where host may be a bracketed IP literal.
        private static func isAuthority(_ bytes: Slice<Bytes>) -> Bool {
            var host = bytes
            if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
                let userInfo = bytes[..<at]
                guard isEncoded(userInfo, allowing: { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") })
                else { return false }
                host = bytes[(at + 1)...]
            }
            var port = host[host.endIndex...]
            if host.first == UInt8(ascii: "[") {
                guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return false }
                let literal = host[(host.startIndex + 1)..<close]
                guard !literal.isEmpty,
                    literal.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
                else { return false }
                let after = host[(close + 1)...]
                if let colon = after.first {
                    guard colon == UInt8(ascii: ":") else { return false }
                    port = after.dropFirst()
                }
            } else {
                if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
                    port = host[(colon + 1)...]
                    host = host[..<colon]
                }
                guard isEncoded(host, allowing: { isUnreserved($0) || isSubDelimiter($0) }) else { return false }
            }
            return port.allSatisfy(isDigit)
        }

        /// Whether every byte is allowed or part of a `%XX` escape.
        private static func isEncoded(_ bytes: Slice<Bytes>, allowing allowed: (UInt8) -> Bool) -> Bool {
            var index = bytes.startIndex
            while index < bytes.endIndex {
                if bytes[index] == UInt8(ascii: "%") {
                    guard index + 2 < bytes.endIndex,
                        JSONSchema.hexValue(bytes[index + 1]) != nil, JSONSchema.hexValue(bytes[index + 2]) != nil
                    else { return false }
                    index += 3
                } else {
                    guard allowed(bytes[index]) else { return false }
                    index += 1
                }
            }
            return true
        }

        /// A character of a path, query or fragment (RFC 3986 `pchar`, `/` and `?`).
        private static func isPathCharacter(_ byte: UInt8) -> Bool {
            isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
        }

        private static func isUnreserved(_ byte: UInt8) -> Bool {
            isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
        }

        private static func isSubDelimiter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
                UInt8(ascii: "="):
                true
            default:
                false
            }
        }

        // MARK: UUID, IPv4

        /// `8-4-4-4-12` hex digits, either case.
        private static func isUUID(_ bytes: Bytes) -> Bool {
            guard bytes.count == 36 else { return false }
            for (index, byte) in bytes.enumerated() {
                switch index {
                case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return false }
                default: guard JSONSchema.hexValue(byte) != nil else { return false }
                }
            }
            return true
        }

        /// Four dot-separated decimal octets, 0–255, without leading zeros.
        private static func isIPv4(_ bytes: Bytes) -> Bool {
            var dots = 0
            var digits = 0
            var value = 0
            for byte in bytes {
                if byte == UInt8(ascii: ".") {
                    guard digits > 0, dots < 3 else { return false }
                    dots += 1
                    digits = 0
                    value = 0
                } else {
                    guard isDigit(byte), !(digits == 1 && value == 0) else { return false }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                    guard value <= 255 else { return false }
                }
            }
            return dots == 3 && digits > 0
        }

        // MARK: ASCII classes

        private static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private static func isLetter(_ byte: UInt8) -> Bool {
            (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        }

        private static func isAlphanumeric(_ byte: UInt8) -> Bool {
            isDigit(byte) || isLetter(byte)
        }
    }
}
