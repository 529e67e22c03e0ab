extension JSONSchema {
    /// A compiled schema: the entry node and the targets of every `$ref` reachable from it.
    ///
    /// Subschemas hold their children directly; a `$ref` holds an index into `targets`, so
    /// recursive schemas form no reference cycles. Immutable once built.
    final class Program: Sendable {
        let entry: Node
        /// Indexed by `Node.ref`; `nil` where the reference does not resolve.
        let targets: [Node?]

        init(schema: JSONValue, root: JSONValue) {
            var compiler = Compiler(root: root)
            entry = compiler.compile(schema)
            var targets: [Node?] = []
            // Compiling a target may reference further targets; resolve until none are pending.
            while targets.count < compiler.references.count {
                let reference = compiler.references[targets.count]
                targets.append(Self.resolve(reference, in: root).map { compiler.compile($0) })
            }
            self.targets = targets
        }

        /// The value a local reference (`#`, `#/$defs/X`, `#/components/schemas/X`) points at.
        static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
            guard reference.hasPrefix("#") else { return nil }
            let pointer = reference.dropFirst()
            if pointer.isEmpty { return root }
            guard pointer.hasPrefix("/") else { return nil }
            var current = root
            for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                guard let token = percentDecoded(rawToken) else { return nil }
                let key = token.replacing("~1", with: "/").replacing("~0", with: "~")
                switch current {
                case .object(let members):
                    guard let next = members[key] else { return nil }
                    current = next
                case .array(let elements):
                    guard let index = Int(key), elements.indices.contains(index) else { return nil }
                    current = elements[index]
                default:
                    return nil
                }
            }
            return current
        }

        /// `text` with `%XX` escapes decoded, or `nil` when an escape is malformed.
        static func percentDecoded(_ text: Substring) -> String? {
            guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
            var bytes: [UInt8] = []
            var iterator = text.utf8.makeIterator()
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "%") else {
                    bytes.append(byte)
                    continue
                }
                guard let high = iterator.next().flatMap(JSONSchema.hexValue),
                    let low = iterator.next().flatMap(JSONSchema.hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            }
            return String(validating: bytes, as: UTF8.self)
        }
    }

    /// Reads schema documents into nodes, collecting the `$ref`s it meets.
    struct Compiler {
        let root: JSONValue
        /// Every reference met, in order; a reference's position is its target index.
        var references: [String] = []
        var referenceIndex: [String: Int] = [:]
        var patterns: [String: Pattern?] = [:]

        init(root: JSONValue) {
            self.root = root
        }

        mutating func compile(_ schema: JSONValue) -> Node {
            let node = Node()
            switch schema {
            case .bool(let allowed):
                node.rejectsAll = !allowed
            case .object(let keywords):
                read(keywords, into: node)
            default:
                break  // Not a schema; constrains nothing.
            }
            node.seal()
            return node
        }

        private mutating func read(_ keywords: [String: JSONValue], into node: Node) {
            node.nullable = keywords["nullable"]?.boolValue == true
            readType(keywords["type"], into: node)
            if let reference = keywords["$ref"]?.stringValue {
                node.refText = reference
                node.ref = index(of: reference)
            }
            node.enumValues = keywords["enum"]?.arrayValue
            node.constValue = keywords["const"]

            readNumberKeywords(keywords, into: node)

            node.minLength = keywords["minLength"]?.intValue
            node.maxLength = keywords["maxLength"]?.intValue
            if let source = keywords["pattern"]?.stringValue { node.pattern = pattern(source) }
            if let name = keywords["format"]?.stringValue { node.format = Format(name: name) }

            readArrayKeywords(keywords, into: node)
            readObjectKeywords(keywords, into: node)

            node.allOf = subschemas(keywords["allOf"])
            node.anyOf = subschemas(keywords["anyOf"])
            node.oneOf = subschemas(keywords["oneOf"])
            node.not = keywords["not"].map { compile($0) }
        }

        private func readType(_ type: JSONValue?, into node: Node) {
            let names: [String]
            switch type {
            case .string(let name): names = [name]
            case .array(let elements): names = elements.compactMap(\.stringValue)
            default: return
            }
            var types: TypeSet = []
            for name in names {
                guard let type = TypeSet(name: name) else { continue }
                types.insert(type)
                node.typeNames.append(name)
            }
            if !node.typeNames.isEmpty { node.types = types }
        }

        private func readNumberKeywords(_ keywords: [String: JSONValue], into node: Node) {
            node.minimum = numeric(keywords["minimum"])
            node.maximum = numeric(keywords["maximum"])
            // Draft-04 / OpenAPI 3.0 spell exclusive bounds as booleans beside minimum / maximum.
            switch keywords["exclusiveMinimum"] {
            case .bool(true): swap(&node.minimum, &node.exclusiveMinimum)
            case let value: node.exclusiveMinimum = numeric(value)
            }
            switch keywords["exclusiveMaximum"] {
            case .bool(true): swap(&node.maximum, &node.exclusiveMaximum)
            case let value: node.exclusiveMaximum = numeric(value)
            }
            if let divisor = numeric(keywords["multipleOf"]), let value = divisor.doubleValue, value > 0 {
                node.multipleOf = divisor
            }
        }

        private mutating func readArrayKeywords(_ keywords: [String: JSONValue], into node: Node) {
            if let prefix = keywords["prefixItems"]?.arrayValue {
                node.prefixItems = prefix.map { compile($0) }
                node.items = keywords["items"].map { compile($0) }
            } else if let tuple = keywords["items"]?.arrayValue {
                // Draft-07 tuple form: `items` is the prefix, `additionalItems` the rest.
                node.prefixItems = tuple.map { compile($0) }
                node.items = keywords["additionalItems"].map { compile($0) }
            } else {
                node.items = keywords["items"].map { compile($0) }
            }
            if node.items?.acceptsAll == true { node.items = nil }
            node.minItems = keywords["minItems"]?.intValue
            node.maxItems = keywords["maxItems"]?.intValue
            node.uniqueItems = keywords["uniqueItems"]?.boolValue == true
            if let contains = keywords["contains"] {
                node.contains = compile(contains)
                node.minContains = keywords["minContains"]?.intValue
                node.maxContains = keywords["maxContains"]?.intValue
            }
        }

        private mutating func readObjectKeywords(_ keywords: [String: JSONValue], into node: Node) {
            if let properties = keywords["properties"]?.objectValue {
                node.properties = properties.mapValues { compile($0) }
            }
            if let patterns = keywords["patternProperties"]?.objectValue {
                for source in patterns.keys.sorted() {
                    guard let pattern = pattern(source) else { continue }
                    node.patternProperties.append((pattern, compile(patterns[source]!)))
                }
            }
            node.additionalProperties = keywords["additionalProperties"].map { compile($0) }
            if node.additionalProperties?.acceptsAll == true { node.additionalProperties = nil }
            node.required = keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            node.minProperties = keywords["minProperties"]?.intValue
            node.maxProperties = keywords["maxProperties"]?.intValue
        }

        private mutating func subschemas(_ value: JSONValue?) -> [Node] {
            value?.arrayValue?.map { compile($0) } ?? []
        }

        private func numeric(_ value: JSONValue?) -> JSONValue? {
            switch value {
            case .integer, .number: value
            default: nil
            }
        }

        private mutating func index(of reference: String) -> Int {
            if let index = referenceIndex[reference] { return index }
            references.append(reference)
            referenceIndex[reference] = references.count - 1
            return references.count - 1
        }

        /// The compiled pattern, or `nil` when it does not compile. Compiled once per source.
        private mutating func pattern(_ source: String) -> Pattern? {
            if let cached = patterns[source] { return cached }
            let compiled = (try? Regex(source)).map { regex in
                // JSON Schema patterns are ECMA-262: they match code points, and \d, \w are ASCII.
                Pattern(
                    source: source,
                    regex: regex.matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
                )
            }
            patterns[source] = compiled
            return compiled
        }
    }
}

extension JSONSchema {
    /// The value of an ASCII hex digit.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
