import JunctionCore
import Yams

extension DocumentText {
    /// `value` as a YAML document that `parse` reads back as the same value: strings quoted
    /// where YAML would read them as something else, multi-line strings as literal blocks, an
    /// object's keys in `keyOrder` first and the others sorted after them.
    public static func yaml(_ value: JSONValue, keyOrder: [String] = []) -> String {
        let rank = Dictionary(keyOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return (try? Yams.serialize(node: node(value, rank: rank))) ?? value.prettyText
    }

    private static func node(_ value: JSONValue, rank: [String: Int]) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .integer(let number): return Node(String(number), Tag(.int))
        case .number: return Node(value.jsonText, Tag(.float))
        case .string(let text):
            if text.contains("\n") { return Node(text, Tag(.str), .literal) }
            // Quoted where plain it would read as something else (true, 123, null, "", "a: b").
            let readsAsText = !text.isEmpty && (try? parse(Array("v: \(text)".utf8)))?["v"] == .string(text)
            return Node(text, Tag(.str), readsAsText ? .any : .doubleQuoted)
        case .array(let elements): return Node(elements.map { node($0, rank: rank) })
        case .object(let members):
            let keys = members.keys.sorted { left, right in
                switch (rank[left], rank[right]) {
                case let (l?, r?): l < r
                case (.some, nil): true
                case (nil, .some): false
                case (nil, nil): left.utf8.lexicographicallyPrecedes(right.utf8)
                }
            }
            return Node(keys.map { (Node($0, Tag(.str)), node(members[$0]!, rank: rank)) })
        }
    }
}
