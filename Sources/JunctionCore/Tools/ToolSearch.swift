/// Ranks tools against a free-text query, for the `search_tools` meta tool: a model that sees
/// three meta tools instead of hundreds finds the one it needs by words.
public enum ToolSearch {
    /// One ranked hit.
    public struct Hit: Sendable, Hashable {
        public var tool: ToolDefinition
        public var score: Int
    }

    /// The best `limit` tools for `query`, best first (ties in name order). Each query word
    /// scores where it appears: the connector or resource name (3; 2 for a prefix), the title
    /// (2) and the description (1). An empty query lists tools in name order.
    public static func rank(_ tools: [ToolDefinition], query: String, limit: Int) -> [Hit] {
        let words = Self.words(query)
        let hits: [Hit]
        if words.isEmpty {
            hits = tools.map { Hit(tool: $0, score: 0) }
        } else {
            hits = tools.compactMap { tool in
                let score = Self.score(tool, words: words)
                return score > 0 ? Hit(tool: tool, score: score) : nil
            }
        }
        return hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.tool.name < $1.tool.name }
            .prefix(max(0, limit)).map { $0 }
    }

    private static func score(_ tool: ToolDefinition, words: [Substring]) -> Int {
        let nameWords = Self.words(tool.connector.rawValue + " " + tool.resource.rawValue)
        let titleWords = Set(Self.words(tool.title))
        let descriptionWords = Set(Self.words(tool.description))
        var total = 0
        for word in words {
            if nameWords.contains(word) {
                total += 3
            } else if nameWords.contains(where: { $0.hasPrefix(word) }) {
                total += 2
            }
            if titleWords.contains(word) { total += 2 }
            if descriptionWords.contains(word) { total += 1 }
        }
        return total
    }

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }
}
