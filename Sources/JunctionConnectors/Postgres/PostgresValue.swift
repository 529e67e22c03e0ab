import Foundation
import JunctionCore
import NIOCore
import PostgresNIO

/// PostgreSQL values as JSON (the type mapping README documents), read from the binary
/// format PostgresNIO asks for:
///
/// - `boolean` → boolean; `smallint`, `integer`, `bigint`, `oid` → integer; `real`, `double
///   precision` → number (NaN and infinities as strings); `numeric` → string (no precision lost);
/// - text types, `uuid`, enums → string; `json`, `jsonb` → the JSON itself; `bytea` → base64;
/// - `date` → `2026-12-04`; `timestamp` → `2026-12-04T20:59:49.5`; `timestamptz` → the same in
///   UTC with `Z`; `time` → `20:59:49`; `timetz` with its offset; `interval` → ISO 8601 (`P1DT2H`);
/// - one- or more-dimensional arrays of these → arrays; anything else → its bytes as text when
///   they are UTF-8, else base64 (cast such columns to text in SQL for a readable form).
enum PostgresValue {
    /// The cell as JSON.
    static func json(_ cell: PostgresCell) -> JSONValue {
        guard var bytes = cell.bytes else { return .null }
        if cell.format == .text { return .string(bytes.readString(length: bytes.readableBytes) ?? "") }
        return decode(&bytes, type: cell.dataType.rawValue)
    }

    /// The readable name of a type for `columns` (`int4`, `text`, …), or its OID.
    static func typeName(_ type: PostgresDataType) -> String {
        type.knownSQLName?.lowercased() ?? "oid:\(type.rawValue)"
    }

    static func decode(_ bytes: inout ByteBuffer, type: UInt32) -> JSONValue {
        switch type {
        case 16: return .bool((bytes.readInteger(as: UInt8.self) ?? 0) != 0)
        case 21: return bytes.readInteger(as: Int16.self).map { .integer(Int($0)) } ?? .null
        case 23: return bytes.readInteger(as: Int32.self).map { .integer(Int($0)) } ?? .null
        case 26: return bytes.readInteger(as: UInt32.self).map { .integer(Int($0)) } ?? .null
        case 20: return bytes.readInteger(as: Int64.self).map { .integer(Int($0)) } ?? .null
        case 700: return bytes.readInteger(as: UInt32.self).map { number(Double(Float(bitPattern: $0))) } ?? .null
        case 701: return bytes.readInteger(as: UInt64.self).map { number(Double(bitPattern: $0)) } ?? .null
        case 1700: return numeric(&bytes).map(JSONValue.string) ?? .null
        case 114: return parsedJSON(&bytes)
        case 3802:
            bytes.moveReaderIndex(forwardBy: min(1, bytes.readableBytes))
            return parsedJSON(&bytes)
        case 17: return .string(Data(bytes.readableBytesView).base64EncodedString())
        case 2950: return uuid(&bytes).map(JSONValue.string) ?? .null
        case 1082: return bytes.readInteger(as: Int32.self).map { .string(date($0)) } ?? .null
        case 1114: return bytes.readInteger(as: Int64.self).map { .string(timestamp($0, zone: "")) } ?? .null
        case 1184: return bytes.readInteger(as: Int64.self).map { .string(timestamp($0, zone: "Z")) } ?? .null
        case 1083: return bytes.readInteger(as: Int64.self).map { .string(time($0)) } ?? .null
        case 1266:
            guard let micros = bytes.readInteger(as: Int64.self), let west = bytes.readInteger(as: Int32.self) else { return .null }
            return .string(time(micros) + offset(-Int(west)))
        case 1186: return interval(&bytes).map(JSONValue.string) ?? .null
        default:
            if let array = array(&bytes, type: type) { return array }
            return text(bytes)
        }
    }

    private static func number(_ value: Double) -> JSONValue {
        value.isFinite ? .number(value) : .string(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")
    }

    private static func text(_ bytes: ByteBuffer) -> JSONValue {
        if let text = String(validating: bytes.readableBytesView, as: UTF8.self) { return .string(text) }
        return .string(Data(bytes.readableBytesView).base64EncodedString())
    }

    private static func parsedJSON(_ bytes: inout ByteBuffer) -> JSONValue {
        (try? JSONValue(parsing: bytes.readableBytesView)) ?? text(bytes)
    }

    private static func uuid(_ bytes: inout ByteBuffer) -> String? {
        guard let raw = bytes.readBytes(length: 16) else { return nil }
        let hex = HexDigits.lowercase(raw)
        var text = ""
        for (index, character) in hex.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append("-") }
            text.append(character)
        }
        return text
    }

    /// A binary array of any known element type, as nested JSON arrays; nil when the bytes
    /// are not an array.
    private static func array(_ bytes: inout ByteBuffer, type: UInt32) -> JSONValue? {
        guard arrayTypes.contains(type) || type >= 16384 else { return nil }
        var copy = bytes
        guard let dimensions = copy.readInteger(as: Int32.self), (0...6).contains(dimensions),
              copy.readInteger(as: Int32.self) != nil, let element = copy.readInteger(as: UInt32.self)
        else { return nil }
        var lengths: [Int] = []
        for _ in 0..<dimensions {
            guard let length = copy.readInteger(as: Int32.self), length >= 0, copy.readInteger(as: Int32.self) != nil else { return nil }
            lengths.append(Int(length))
        }
        guard !lengths.isEmpty else { return .array([]) }
        var total = 1
        for length in lengths {
            let (product, overflow) = total.multipliedReportingOverflow(by: length)
            guard !overflow, product <= copy.readableBytes / 4 else { return nil }
            total = product
        }
        var flat: [JSONValue] = []
        for _ in 0..<total {
            guard let length = copy.readInteger(as: Int32.self) else { return nil }
            if length < 0 { flat.append(.null); continue }
            guard var item = copy.readSlice(length: Int(length)) else { return nil }
            flat.append(decode(&item, type: element))
        }
        guard copy.readableBytes == 0 else { return nil }
        bytes = copy
        return nest(flat[...], lengths: lengths[...])
    }

    private static func nest(_ values: ArraySlice<JSONValue>, lengths: ArraySlice<Int>) -> JSONValue {
        guard lengths.count > 1 else { return .array(Array(values)) }
        let stride = values.count / max(1, lengths.first!)
        return .array((0..<lengths.first!).map { index in
            let start = values.startIndex + index * stride
            return nest(values[start..<start + stride], lengths: lengths.dropFirst())
        })
    }

    /// Array type OIDs of the built-in element types (user-defined types' arrays have OIDs ≥ 16384).
    private static let arrayTypes: Set<UInt32> = [
        199, 1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1183, 1185, 1187,
        1231, 1270, 2951, 3807,
    ]

    /// Binary `numeric`: digit count, weight, sign, display scale, then base-10000 digits.
    static func numeric(_ bytes: inout ByteBuffer) -> String? {
        guard let count = bytes.readInteger(as: Int16.self), let weight = bytes.readInteger(as: Int16.self),
              let sign = bytes.readInteger(as: UInt16.self), let scale = bytes.readInteger(as: Int16.self)
        else { return nil }
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        default: break
        }
        var digits: [Int] = []
        for _ in 0..<max(0, Int(count)) {
            guard let digit = bytes.readInteger(as: Int16.self) else { return nil }
            digits.append(Int(digit))
        }
        var integer = ""
        if weight < 0 {
            integer = "0"
        } else {
            for index in 0...Int(weight) {
                let digit = index < digits.count ? digits[index] : 0
                integer += index == 0 ? String(digit) : pad(digit, 4)
            }
        }
        var fraction = ""
        if scale > 0 {
            var index = Int(weight) + 1
            while fraction.count < Int(scale) {
                let digit = index >= 0 && index < digits.count ? digits[index] : 0
                fraction += pad(digit, 4)
                index += 1
            }
            fraction = "." + fraction.prefix(Int(scale))
        }
        return (sign == 0x4000 ? "-" : "") + integer + fraction
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Days since 2000-01-01 as a civil date (H. Hinnant's algorithm).
    static func date(_ days: Int32) -> String {
        if days == .max { return "infinity" }
        if days == .min { return "-infinity" }
        let (year, month, day) = civil(fromDays: Int(days) + 10_957)
        return "\(year < 0 ? "-" : "")\(pad(abs(year), 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Microseconds since 2000-01-01 00:00 as ISO 8601, with `zone` appended.
    static func timestamp(_ micros: Int64, zone: String) -> String {
        if micros == .max { return "infinity" }
        if micros == .min { return "-infinity" }
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var rest = micros % perDay
        if rest < 0 {
            rest += perDay
            days -= 1
        }
        return date(Int32(clamping: days)) + "T" + time(rest) + zone
    }

    /// Microseconds since midnight as `HH:MM:SS[.ffffff]`.
    static func time(_ micros: Int64) -> String {
        let seconds = Int(micros / 1_000_000)
        let fraction = Int(micros % 1_000_000)
        var text = "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        if fraction > 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    private static func offset(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    /// Binary `interval` (microseconds, days, months) as an ISO 8601 duration.
    static func interval(_ bytes: inout ByteBuffer) -> String? {
        guard let micros = bytes.readInteger(as: Int64.self), let days = bytes.readInteger(as: Int32.self),
              let months = bytes.readInteger(as: Int32.self)
        else { return nil }
        var text = "P"
        if months / 12 != 0 { text += "\(months / 12)Y" }
        if months % 12 != 0 { text += "\(months % 12)M" }
        if days != 0 { text += "\(days)D" }
        if micros != 0 {
            text += "T"
            let hours = micros / 3_600_000_000
            let minutes = micros / 60_000_000 % 60
            let seconds = micros % 60_000_000
            if hours != 0 { text += "\(hours)H" }
            if minutes != 0 { text += "\(minutes)M" }
            if seconds != 0 {
                let whole = seconds / 1_000_000
                let fraction = abs(seconds % 1_000_000)
                var digits = fraction == 0 ? "" : pad(Int(fraction), 6)
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "\(seconds < 0 && whole == 0 ? "-" : "")\(whole)\(digits.isEmpty ? "" : "." + digits)S"
            }
        }
        return text == "P" ? "PT0S" : text
    }

    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// A statement parameter sent as text with no declared type: the server infers its type from
/// where `$n` stands (`id = $1` makes it an integer), as psql's parameters are.
struct TextParameter: PostgresDynamicTypeEncodable {
    var text: String

    var psqlType: PostgresDataType { PostgresDataType(0) }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }

    /// Binds `values` in order: strings as they are, numbers and booleans as their literals,
    /// arrays as PostgreSQL array literals (`{1,2}`, for `= ANY($1)`), objects as JSON text,
    /// null as NULL. `jsonColumns` lists the parameters bound to json/jsonb columns, whose
    /// arrays are sent as JSON.
    static func bindings(_ values: [JSONValue], jsonColumns: Set<Int> = []) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for (index, value) in values.enumerated() {
            if value.isNull {
                bindings.appendNull()
            } else if jsonColumns.contains(index) {
                bindings.append(TextParameter(text: value.jsonText))
            } else {
                bindings.append(TextParameter(text: literal(value)))
            }
        }
        return bindings
    }

    /// The text form of a parameter value.
    static func literal(_ value: JSONValue) -> String {
        switch value {
        case .null: "NULL"
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .object: value.jsonText
        case .array(let items): "{" + items.map(element).joined(separator: ",") + "}"
        }
    }

    /// An array element: nested arrays as they are, NULL bare, everything else double-quoted.
    private static func element(_ value: JSONValue) -> String {
        switch value {
        case .null: return "NULL"
        case .array: return literal(value)
        default:
            var quoted = "\""
            for character in literal(value) {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return quoted + "\""
        }
    }
}
