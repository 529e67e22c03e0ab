import Hummingbird

/// The URL clients reach this server at, for URLs the API hands out (a webhook's `webhook_url`).
enum PublicURL {
    /// `configured` without a trailing slash, else `http://` and the request's `Host`.
    static func base(of request: Request, configured: String?) -> String {
        if var configured {
            while configured.hasSuffix("/") { configured.removeLast() }
            return configured
        }
        return "http://" + (request.head.authority ?? "localhost")
    }
}
