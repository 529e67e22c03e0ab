/// Ranks tools against a free-text query, for the `search_tools` meta tool: a model that sees
/// three meta tools instead of hundreds finds the one it needs by words.
public enum ToolSearch {
    /// One ranked hit.
    public struct Hit: Sendable, Hashable {
        public var tool: ToolDefinition
        public var score: Int
    }

    /// The best `limit` tools for `query`, best first (ties in name order). Each query word
    /// (other than words such as `a` and `the`) scores where it appears: the connector or resource name (3; 2 for a prefix), the title
    /// (2) and the description (1); each word of the resource name the query does not ask for
    /// costs 2. An empty query lists tools in name order.
    public static func rank(_ tools: [ToolDefinition], query: String, limit: Int) -> [Hit] {
        let words = Self.words(query).filter { !stopWords.contains($0) }
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
        guard total > 0 else { return 0 }
        // Of two tools the query names equally well, the one whose name says nothing more is
        // meant (`list services` is list-services, not list-business-services).
        let unasked = Self.words(tool.resource.rawValue).filter { name in !words.contains { name.hasPrefix($0) } }.count
        return max(1, total - 2 * unasked)
    }

    /// Words of a task description that say nothing about which tool is meant (and, as
    /// prefixes, would match any name starting with them).
    static let stopWords: Set<Substring> = [
        "a", "an", "the", "of", "to", "for", "in", "on", "by", "with", "and", "or", "my", "our", "all", "me", "i", "please",
    ]

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }
}
