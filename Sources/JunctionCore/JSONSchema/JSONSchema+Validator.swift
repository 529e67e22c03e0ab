extension JSONSchema {
    /// How deeply `$ref`s may nest while validating one instance.
    static let maxReferenceDepth = 64

    /// One walk of an instance against a compiled program.
    ///
    /// When not `collecting`, the walk stops at the first failure and builds no path or message:
    /// that is the hot path. When `collecting`, it visits everything (object members in sorted
    /// order, so the result is stable) and records a `Violation` for each failure.
    struct Validator {
        private enum PathComponent {
            case key(String)
            case index(Int)
        }

        /// What the walk knows about the `$ref`s it is inside.
        private struct Scope {
            /// How many `$ref`s the walk is inside.
            var referenceDepth = 0
            /// Where the `$ref`s followed at the current instance position start in `trail`.
            var trailStart = 0
        }

        let program: Program
        /// Whether to record violations and keep going after a failure.
        private(set) var collecting: Bool
        private(set) var violations: [Violation] = []
        /// The instance path; maintained only while collecting.
        private var path: [PathComponent] = []
        /// The `$ref` targets being followed, innermost last. A target reappearing without the
        /// walk having moved into the instance would recurse forever.
        private var trail: [Int] = []

        init(program: Program, collecting: Bool) {
            self.program = program
            self.collecting = collecting
        }

        /// Whether `instance` satisfies `node`.
        mutating func validate(_ node: Node, _ instance: JSONValue) -> Bool {
            validate(node, instance, Scope())
        }

        private mutating func validate(_ node: Node, _ instance: JSONValue, _ scope: Scope) -> Bool {
            if node.acceptsAll { return true }
            if node.rejectsAll {
                _ = flag("is not allowed")
                return false
            }
            if node.nullable, case .null = instance { return true }
            if let types = node.types, !types.admits(instance) {
                // Other keywords would only repeat the mismatch.
                _ = flag("expected \(JSONSchema.expectedTypes(node)), got \(instance.typeName)")
                return false
            }
            var valid = true
            if let reference = node.ref, !follow(reference, from: node, instance, scope) {
                valid = false
                if !collecting { return false }
            }
            if let values = node.enumValues, !values.contains(where: { JSONSchema.equal($0, instance) }) {
                valid = false
                let choices = values.map { JSONSchema.describe($0, quoted: false) }.joined(separator: ", ")
                if flag("\(JSONSchema.describe(instance, quoted: true)) is not one of: \(choices)") { return false }
            }
            if let constant = node.constValue, !JSONSchema.equal(constant, instance) {
                valid = false
                if flag("must be \(JSONSchema.describe(constant, quoted: true))") { return false }
            }
            switch instance {
            case .integer, .number:
                if node.hasNumberKeywords { valid = checkNumber(node, instance) && valid }
            case .string(let text):
                if node.hasStringKeywords { valid = checkString(node, text) && valid }
            case .array(let elements):
                if node.hasArrayKeywords { valid = checkArray(node, elements, scope) && valid }
            case .object(let members):
                if node.hasObjectKeywords { valid = checkObject(node, members, scope) && valid }
            case .null, .bool:
                break
            }
            if !valid && !collecting { return false }
            if node.hasCombinators { valid = checkCombinators(node, instance, scope) && valid }
            return valid
        }

        // MARK: Keywords

        private mutating func follow(_ reference: Int, from node: Node, _ instance: JSONValue, _ scope: Scope) -> Bool {
            guard let target = program.targets[reference] else {
                _ = flag("cannot resolve schema reference '\(node.refText)'")
                return false
            }
            if trail[scope.trailStart...].contains(reference) {
                _ = flag("schema reference '\(node.refText)' refers back to itself")
                return false
            }
            guard scope.referenceDepth < JSONSchema.maxReferenceDepth else {
                _ = flag("schema references nest deeper than \(JSONSchema.maxReferenceDepth) levels")
                return false
            }
            trail.append(reference)
            defer { trail.removeLast() }
            let inner = Scope(referenceDepth: scope.referenceDepth + 1, trailStart: scope.trailStart)
            return validate(target, instance, inner)
        }

        private mutating func checkNumber(_ node: Node, _ value: JSONValue) -> Bool {
            var valid = true
            if let bound = node.minimum, JSONSchema.compare(value, bound) < 0 {
                valid = false
                if flag("must be at least \(JSONSchema.numberText(bound))") { return false }
            }
            if let bound = node.exclusiveMinimum, JSONSchema.compare(value, bound) <= 0 {
                valid = false
                if flag("must be greater than \(JSONSchema.numberText(bound))") { return false }
            }
            if let bound = node.maximum, JSONSchema.compare(value, bound) > 0 {
                valid = false
                if flag("must be at most \(JSONSchema.numberText(bound))") { return false }
            }
            if let bound = node.exclusiveMaximum, JSONSchema.compare(value, bound) >= 0 {
                valid = false
                if flag("must be less than \(JSONSchema.numberText(bound))") { return false }
            }
            if let divisor = node.multipleOf, !JSONSchema.isMultiple(value, of: divisor) {
                valid = false
                if flag("must be a multiple of \(JSONSchema.numberText(divisor))") { return false }
            }
            return valid
        }

        private mutating func checkString(_ node: Node, _ text: String) -> Bool {
            var valid = true
            if node.minLength != nil || node.maxLength != nil {
                // JSON Schema counts code points.
                let length = text.unicodeScalars.count
                if let minimum = node.minLength, length < minimum {
                    valid = false
                    if flag("must be at least \(JSONSchema.count(minimum, "character")) long") { return false }
                }
                if let maximum = node.maxLength, length > maximum {
                    valid = false
                    if flag("must be at most \(JSONSchema.count(maximum, "character")) long") { return false }
                }
            }
            if let pattern = node.pattern, !pattern.matches(text) {
                valid = false
                if flag("must match pattern '\(pattern.source)'") { return false }
            }
            if let format = node.format, !format.matches(text) {
                valid = false
                if flag("must be a valid \(format.label)") { return false }
            }
            return valid
        }

        private mutating func checkArray(_ node: Node, _ elements: [JSONValue], _ scope: Scope) -> Bool {
            var valid = true
            if let minimum = node.minItems, elements.count < minimum {
                valid = false
                if flag("must have at least \(JSONSchema.count(minimum, "item"))") { return false }
            }
            if let maximum = node.maxItems, elements.count > maximum {
                valid = false
                if flag("must have at most \(JSONSchema.count(maximum, "item"))") { return false }
            }
            for (index, itemNode) in zip(elements.indices, node.prefixItems)
            where !validate(itemNode, elements[index], index: index, scope) {
                valid = false
                if !collecting { return false }
            }
            let prefixCount = node.prefixItems.count
            if let rest = node.items, elements.count > prefixCount {
                if rest.rejectsAll {
                    valid = false
                    let limit = prefixCount == 0 ? "must be empty" : "must have at most \(JSONSchema.count(prefixCount, "item"))"
                    if flag(limit) { return false }
                } else {
                    for index in prefixCount..<elements.count where !validate(rest, elements[index], index: index, scope) {
                        valid = false
                        if !collecting { return false }
                    }
                }
            }
            if node.uniqueItems, let pair = JSONSchema.duplicate(in: elements) {
                valid = false
                if flag("must not contain duplicate items (items \(pair.first) and \(pair.second) are equal)") {
                    return false
                }
            }
            if let contains = node.contains {
                let minimum = node.minContains ?? 1
                let elementScope = Scope(referenceDepth: scope.referenceDepth, trailStart: trail.count)
                var matches = 0
                for element in elements where probe(contains, element, elementScope) {
                    matches += 1
                    if node.maxContains == nil && matches >= minimum { break }
                }
                if matches < minimum {
                    valid = false
                    let count = minimum == 1 ? "one item" : "\(minimum) items"
                    if flag("must contain at least \(count) matching the 'contains' schema") { return false }
                }
                if let maximum = node.maxContains, matches > maximum {
                    valid = false
                    if flag("must contain at most \(JSONSchema.count(maximum, "item")) matching the 'contains' schema") {
                        return false
                    }
                }
            }
            return valid
        }

        private mutating func checkObject(_ node: Node, _ members: [String: JSONValue], _ scope: Scope) -> Bool {
            var valid = true
            for name in node.required where members[name] == nil {
                valid = false
                if flag("missing required property '\(name)'") { return false }
            }
            if let minimum = node.minProperties, members.count < minimum {
                valid = false
                if flag("must have at least \(JSONSchema.count(minimum, "property", "properties"))") { return false }
            }
            if let maximum = node.maxProperties, members.count > maximum {
                valid = false
                if flag("must have at most \(JSONSchema.count(maximum, "property", "properties"))") { return false }
            }
            guard node.hasMemberKeywords else { return valid }
            if collecting {
                for name in members.keys.sorted() {
                    valid = checkMember(node, name, members[name]!, scope) && valid
                }
            } else {
                for (name, value) in members where !checkMember(node, name, value, scope) {
                    return false
                }
            }
            return valid
        }

        /// Applies `properties`, `patternProperties` and `additionalProperties` to one member.
        private mutating func checkMember(_ node: Node, _ name: String, _ value: JSONValue, _ scope: Scope) -> Bool {
            var valid = true
            var declared = false
            if let propertyNode = node.properties[name] {
                declared = true
                if !validate(propertyNode, value, key: name, scope) {
                    valid = false
                    if !collecting { return false }
                }
            }
            for (pattern, patternNode) in node.patternProperties where pattern.matches(name) {
                declared = true
                if !validate(patternNode, value, key: name, scope) {
                    valid = false
                    if !collecting { return false }
                }
            }
            if !declared, let additional = node.additionalProperties {
                if additional.rejectsAll {
                    valid = false
                    if flag("unknown property '\(name)' is not allowed") { return false }
                } else if !validate(additional, value, key: name, scope) {
                    valid = false
                }
            }
            return valid
        }

        private mutating func checkCombinators(_ node: Node, _ instance: JSONValue, _ scope: Scope) -> Bool {
            var valid = true
            for branch in node.allOf where !validate(branch, instance, scope) {
                valid = false
                if !collecting { return false }
            }
            if !node.anyOf.isEmpty {
                var matched = false
                for branch in node.anyOf where probe(branch, instance, scope) {
                    matched = true
                    break
                }
                if !matched {
                    valid = false
                    if !collecting { return false }
                    explain(node.anyOf, instance, scope, otherwise: "must match at least one of the schemas in anyOf")
                }
            }
            if !node.oneOf.isEmpty {
                var matches = 0
                for branch in node.oneOf where probe(branch, instance, scope) {
                    matches += 1
                    if matches > 1 && !collecting { break }
                }
                if matches == 0 {
                    valid = false
                    if !collecting { return false }
                    explain(node.oneOf, instance, scope, otherwise: "must match exactly one of the schemas in oneOf, but matches none")
                } else if matches > 1 {
                    valid = false
                    if flag("must match exactly one of the schemas in oneOf, but matches \(matches)") { return false }
                }
            }
            if let negated = node.not, probe(negated, instance, scope) {
                valid = false
                if flag("must not match the schema in 'not'") { return false }
            }
            return valid
        }

        /// Records why no branch of an `anyOf` / `oneOf` matched: the violations of the one branch
        /// whose type fits the instance, if there is exactly one, else `fallback`.
        private mutating func explain(_ branches: [Node], _ instance: JSONValue, _ scope: Scope, otherwise fallback: String) {
            let fitting = branches.filter { fitsType($0, instance) }
            if fitting.count == 1 {
                _ = validate(fitting[0], instance, scope)
            } else {
                _ = flag(fallback)
            }
        }

        /// Whether `node`'s `type` (following `$ref`s a few hops) admits `instance`.
        private func fitsType(_ node: Node, _ instance: JSONValue, hops: Int = 0) -> Bool {
            if node.rejectsAll { return false }
            if node.nullable, case .null = instance { return true }
            if let types = node.types, !types.admits(instance) { return false }
            if let reference = node.ref, hops < 8, let target = program.targets[reference] {
                return fitsType(target, instance, hops: hops + 1)
            }
            return true
        }

        // MARK: Walking

        /// Validates a member value, one level down the instance.
        private mutating func validate(_ node: Node, _ value: JSONValue, key: String, _ scope: Scope) -> Bool {
            let inner = Scope(referenceDepth: scope.referenceDepth, trailStart: trail.count)
            guard collecting else { return validate(node, value, inner) }
            path.append(.key(key))
            defer { path.removeLast() }
            return validate(node, value, inner)
        }

        /// Validates an array element, one level down the instance.
        private mutating func validate(_ node: Node, _ value: JSONValue, index: Int, _ scope: Scope) -> Bool {
            let inner = Scope(referenceDepth: scope.referenceDepth, trailStart: trail.count)
            guard collecting else { return validate(node, value, inner) }
            path.append(.index(index))
            defer { path.removeLast() }
            return validate(node, value, inner)
        }

        /// Whether `instance` satisfies `node`, recording nothing.
        private mutating func probe(_ node: Node, _ instance: JSONValue, _ scope: Scope) -> Bool {
            guard collecting else { return validate(node, instance, scope) }
            collecting = false
            defer { collecting = true }
            return validate(node, instance, scope)
        }

        /// Records a violation at the current path when collecting. Returns whether the walk
        /// should stop, which it should exactly when it is not collecting.
        private mutating func flag(_ message: @autoclosure () -> String) -> Bool {
            guard collecting else { return true }
            violations.append(Violation(path: renderedPath(), message: message()))
            return false
        }

        private func renderedPath() -> String {
            var text = ""
            for component in path {
                switch component {
                case .key(let name):
                    if !text.isEmpty { text += "." }
                    text += name
                case .index(let index):
                    text += "[\(index)]"
                }
            }
            return text
        }
    }
}
