import HTTPTypes
import JunctionCore
import JunctionRuntime

/// A piece of markup. Built by string interpolation, in which text is escaped and only other
/// `HTML` values go in as they are, so a page cannot be given unescaped text by mistake.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var markup: String

    init(stringLiteral value: String) { markup = value }

    init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

    /// Markup given as it is: only for text the code itself wrote.
    init(trusted markup: String) { self.markup = markup }

    var description: String { markup }

    static let empty: HTML = ""

    /// The pieces one after another.
    init(_ pieces: some Sequence<HTML>) {
        markup = pieces.reduce(into: "") { $0 += $1.markup }
    }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { markup += literal }
        mutating func appendInterpolation(_ html: HTML) { markup += html.markup }
        mutating func appendInterpolation(_ pieces: [HTML]) { for piece in pieces { markup += piece.markup } }
        mutating func appendInterpolation(_ text: String) { markup += text.markupEscaped }
        mutating func appendInterpolation(_ text: Substring) { markup += String(text).markupEscaped }
        mutating func appendInterpolation(_ text: String?) { markup += (text ?? "").markupEscaped }
        mutating func appendInterpolation(_ number: Int) { markup += String(number) }
        mutating func appendInterpolation(_ slug: Slug) { markup += slug.rawValue.markupEscaped }
    }
}

extension HTML {
    /// `<tag attributes>content</tag>` when `condition` holds, else nothing.
    static func when(_ condition: Bool, _ content: @autoclosure () -> HTML) -> HTML {
        condition ? content() : .empty
    }

    /// A `selected` or `checked` attribute when `condition` holds.
    static func flag(_ name: String, _ condition: Bool) -> HTML {
        condition ? HTML(trusted: " \(name)") : .empty
    }
}
