extension FieldReader {
    /// An array-of-strings member (at most `maxCount`, each at most `maxLength` characters);
    /// `nil` when absent or `null`.
    public mutating func strings(_ key: String, maxCount: Int = 100, maxLength: Int = 1024) throws(JunctionError) -> [String]? {
        guard let value = value(key), !value.isNull else { return nil }
        guard let items = value.arrayValue, items.count <= maxCount else {
            throw .invalidInput("Expected an array of at most \(maxCount) strings.", field: path(key))
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, text.count <= maxLength else {
                throw .invalidInput("Expected a string of at most \(maxLength) characters.", field: "\(path(key))[\(index)]")
            }
            strings.append(text)
        }
        return strings
    }

    /// An object-of-strings member (at most `maxCount` members); `nil` when absent or `null`.
    public mutating func stringMap(_ key: String, maxCount: Int = 50, maxLength: Int = 2048) throws(JunctionError) -> [String: String]? {
        guard let members = try object(key) else { return nil }
        guard members.count <= maxCount else {
            throw .invalidInput("Expected at most \(maxCount) members.", field: path(key))
        }
        var map: [String: String] = [:]
        for (name, value) in members {
            guard let text = value.stringValue, text.count <= maxLength else {
                throw .invalidInput("Expected a string of at most \(maxLength) characters.", field: "\(path(key)).\(name)")
            }
            map[name] = text
        }
        return map
    }
}
