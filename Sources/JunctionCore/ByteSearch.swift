extension StringProtocol {
    /// Whether `text` occurs in this string, compared byte for byte. Unlike Foundation's
    /// `contains(_:)`, it involves no locale or bridging, which matters on hot paths.
    public func containsBytes(of text: some StringProtocol) -> Bool {
        utf8.firstRange(of: text.utf8) != nil
    }
}
