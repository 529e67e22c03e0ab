import Foundation

/// Ranks tools against a task in plain words (`GET /api/v1/tools?q=`, the `search_tools` meta
/// tool): a model that sees three meta tools instead of hundreds finds the one it needs.
///
/// Words are compared as terms: lowercased, a plural made singular (`recordings`: `recording`),
/// and verbs of one action made one (`make`, `add`, `post` and `send` are `create`; `fetch`,
/// `retrieve` and `read` are `get`; `edit`, `change` and `set` are `update`; `remove` is
/// `delete`). A stop word and its neighbour also count as one term, matched in names
/// (`on call` finds `on-calls`).
public enum ToolSearch {
    /// One ranked hit.
    public struct Hit: Sendable, Hashable {
        public var tool: ToolDefinition
        /// The hit's score: higher is better; only the order means something.
        public var score: Int
    }

    /// The best `limit` tools for `query`, best first (ties in name order).
    ///
    /// Each term of the query scores where it says most — the connector or resource name (3,
    /// or 2 as a prefix of a name's word), else the title (2), else the description (1) —
    /// weighted by how rare it is among `tools` (a term most tools have says little); naming
    /// the connector counts double. Each word of the resource name the query does not ask for
    /// costs twice a typical query word, and so does a name whose action (`list`) is not the one
    /// the query asks for (`create`): of two tools the query names equally well, the one whose
    /// name says nothing more is meant (`list services` is list-services, not
    /// list-business-services). An empty query lists tools in name order.
    public static func rank(_ tools: [ToolDefinition], query: String, limit: Int) -> [Hit] {
        let words = Self.words(query)
        let terms = Self.terms(words)
        let hits: [Hit]
        if terms.isEmpty {
            hits = tools.map { Hit(tool: $0, score: 0) }
        } else {
            let indexed = tools.map(IndexedTool.init)
            let weights = terms.map { term in
                let holding = indexed.reduce(0) { $0 + ($1.mentions(term) ? 1 : 0) }
                return log(Double(indexed.count + 1) / Double(holding + 1)) + 0.1
            }
            let asked = Set(terms)
            // An unasked word of a name costs twice a typical word of the query.
            let unigrams = weights.prefix(Self.unigramCount(words))
            let penalty = 2 * (unigrams.isEmpty ? 1 : unigrams.reduce(0, +) / Double(unigrams.count))
            hits = indexed.compactMap { tool in
                let score = tool.score(terms: terms, weights: weights, asked: asked, penalty: penalty)
                return score > 0 ? Hit(tool: tool.tool, score: score) : nil
            }
        }
        return hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.tool.name < $1.tool.name }
            .prefix(max(0, limit)).map { $0 }
    }

    /// A tool's terms, by where they appear.
    private struct IndexedTool {
        let tool: ToolDefinition
        let connector: Set<String>
        let name: Set<String>
        /// The action the name names first (`create`, `list`, …), if any.
        let action: String?
        let nameTerms: [String]
        let resourceTerms: [String]
        let title: Set<String>
        let description: Set<String>

        init(_ tool: ToolDefinition) {
            self.tool = tool
            let resourceWords = ToolSearch.words(tool.resource.rawValue)
            resourceTerms = resourceWords.map(ToolSearch.term)
            let connectorWords = ToolSearch.words(tool.connector.rawValue)
            connector = Set(connectorWords.map(ToolSearch.term))
            let nameWords = connectorWords + resourceWords
            nameTerms = nameWords.map(ToolSearch.term)
            name = Set(ToolSearch.terms(nameWords, keepingStopWords: true))
            // Joined pairs count in names only: in prose they match by chance ("of calls").
            title = Set(ToolSearch.words(tool.title).map(ToolSearch.term))
            description = Set(ToolSearch.words(tool.description).map(ToolSearch.term))
            action = nameTerms.first(where: ToolSearch.actionTerms.contains)
        }

        func mentions(_ term: String) -> Bool {
            name.contains(term) || title.contains(term) || description.contains(term)
        }

        func score(terms: [String], weights: [Double], asked: Set<String>, penalty: Double) -> Int {
            var total = 0.0
            for (term, weight) in zip(terms, weights) {
                // Where the term says most: a name, else the title, else the description.
                let points: Double =
                    if name.contains(term) {
                        connector.contains(term) ? 3 * ToolSearch.connectorEmphasis : 3
                    } else if term.count >= 3, nameTerms.contains(where: { $0.hasPrefix(term) }) {
                        2
                    } else if title.contains(term) {
                        2
                    } else if description.contains(term) {
                        1
                    } else {
                        0
                    }
                total += points * weight
            }
            guard total > 0 else { return 0 }
            var unasked = resourceTerms.filter { name in
                !ToolSearch.placeholders.contains(name) && !asked.contains { name.hasPrefix($0) }
            }.count
            // A task that says what to do (`create a webhook`) does not mean another action
            // (list-channel-webhooks), however well the rest matches.
            if let action, !asked.contains(action), asked.contains(where: ToolSearch.actionTerms.contains) { unasked += 1 }
            return max(1, Int((total - penalty * Double(unasked)) * 100))
        }
    }

    /// The terms of `words`: each word's term (stop words left out unless kept), then each
    /// stop word joined to the word after or before it (`on call`: `oncall`, as `on-calls`
    /// is written), articles not joined. The unigrams come first: `unigramCount` of them.
    static func terms(_ words: [Substring], keepingStopWords: Bool = false) -> [String] {
        var terms: [String] = []
        var seen: Set<String> = []
        for word in words where keepingStopWords || !stopWords.contains(word) {
            let term = term(word)
            if seen.insert(term).inserted { terms.append(term) }
        }
        let joinable = words.filter { !articles.contains($0) }
        for (first, second) in zip(joinable, joinable.dropFirst()) where stopWords.contains(first) != stopWords.contains(second) {
            let term = Self.term(Substring(first + second))
            if seen.insert(term).inserted { terms.append(term) }
        }
        return terms
    }

    /// How many of `terms(words)` are single words (they come first).
    static func unigramCount(_ words: [Substring]) -> Int {
        Set(words.filter { !stopWords.contains($0) }.map(term)).count
    }

    /// A word as it is compared: singular, and one verb for each action.
    static func term(_ word: Substring) -> String {
        let word = String(word)
        if let verb = actions[word] { return verb }
        if word.count > 4, word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if word.count > 4, word.hasSuffix("sses") || word.hasSuffix("shes") || word.hasSuffix("ches") || word.hasSuffix("xes") {
            return String(word.dropLast(2))
        }
        if word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss"), !word.hasSuffix("us"), !word.hasSuffix("is") {
            return actions[String(word.dropLast())] ?? String(word.dropLast())
        }
        return word
    }

    /// How much more a term counts when it names the tool's connector: a task that names the
    /// system (`slack`) means that system's tools before another's that match more words.
    static let connectorEmphasis = 2.0

    /// The actions API names start with, as terms.
    static let actionTerms: Set<String> = ["create", "get", "list", "update", "delete"]

    /// Words of resource names that stand for a value, not for what the tool does.
    static let placeholders: Set<String> = ["id", "by"]

    /// Verbs that name the same action as the verbs API names use.
    static let actions: [String: String] = [
        "make": "create", "add": "create", "new": "create", "post": "create", "send": "create", "insert": "create",
        "fetch": "get", "retrieve": "get", "read": "get", "show": "get", "view": "get", "lookup": "get",
        "edit": "update", "change": "update", "modify": "update", "set": "update", "put": "update", "patch": "update",
        "remove": "delete", "erase": "delete", "destroy": "delete",
    ]

    /// Words of a task description that say nothing about which tool is meant (and, as
    /// prefixes, would match any name starting with them).
    static let stopWords: Set<Substring> = [
        "a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "with", "from", "and", "or", "my", "our", "your", "all",
        "me", "i", "we", "it", "is", "are", "be", "who", "what", "which", "please", "can", "you", "now", "right", "some",
        "about", "this", "that",
    ]

    /// Words never joined to a neighbour.
    static let articles: Set<Substring> = ["a", "an", "the"]

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }
}
