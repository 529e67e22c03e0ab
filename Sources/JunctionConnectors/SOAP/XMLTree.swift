import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JunctionCore

/// A parsed XML element: its local name, children and text. Enough to read SOAP answers.
struct XMLElement: Sendable {
    var name: String
    var children: [XMLElement] = []
    var text = ""

    /// The first descendant (or self) with local name `name`.
    func first(_ name: String) -> XMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// The element as JSON: text for a leaf, `null` for an empty leaf, an object of children by
    /// local name otherwise (repeated names become arrays).
    var json: JSONValue {
        guard !children.isEmpty else {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? .null : .string(trimmed)
        }
        var object: [String: JSONValue] = [:]
        for child in children {
            switch object[child.name] {
            case nil: object[child.name] = child.json
            case .array(var items)?:
                items.append(child.json)
                object[child.name] = .array(items)
            case let existing?: object[child.name] = .array([existing, child.json])
            }
        }
        return .object(object)
    }

    /// Parses `bytes`; `nil` when they are not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> XMLElement? {
        let builder = Builder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    /// Collects elements while `XMLParser` reads (used on one thread, for one parse).
    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLElement] = []
        var root: XMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            stack.append(XMLElement(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = stack.popLast() else { return }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }
    }
}

/// Writes XML text.
enum XMLText {
    /// `text` with `& < > " '` escaped.
    static func escape(_ text: String) -> String {
        text.markupEscaped
    }

    /// Whether `name` is an XML name without a colon (an NCName): a letter or `_`, then
    /// letters, digits, `_`, `-` or `.`.
    static func isName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// `value` as elements named `name` with `prefix:`: objects nest, arrays repeat, `null`
    /// is left out. A key that is not an XML name is `invalid_input`, so input cannot inject markup.
    static func elements(_ name: String, _ value: JSONValue, prefix: String) throws -> String {
        guard isName(name) else {
            throw JunctionError.invalidInput("'\(name.prefix(80))' is not an XML element name.", field: name)
        }
        let tag = "\(prefix):\(name)"
        switch value {
        case .null:
            return ""
        case .array(let items):
            return try items.map { try elements(name, $0, prefix: prefix) }.joined()
        case .object(let members):
            let inner = try members.sorted { $0.key < $1.key }.map { try elements($0.key, $0.value, prefix: prefix) }.joined()
            return "<\(tag)>\(inner)</\(tag)>"
        default:
            return "<\(tag)>\(escape(HTTPRoute.text(value)))</\(tag)>"
        }
    }
}
