extension JSONValue {
    /// This value as JSON text for people: two-space indents, object keys sorted as in
    /// `jsonText`, empty arrays and objects on one line.
    public var prettyText: String {
        var output: [UInt8] = []
        writePretty(to: &output, depth: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private func writePretty(to output: inout [UInt8], depth: Int) {
        let newline = { (output: inout [UInt8], depth: Int) in
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth + 1)
                element.writePretty(to: &output, depth: depth + 1)
            }
            newline(&output, depth)
            output.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            output.append(UInt8(ascii: "{"))
            for (position, (key, value)) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth + 1)
                JSONValue.string(key).write(to: &output)
                output.append(contentsOf: ": ".utf8)
                value.writePretty(to: &output, depth: depth + 1)
            }
            newline(&output, depth)
            output.append(UInt8(ascii: "}"))
        default:
            write(to: &output)
        }
    }
}
