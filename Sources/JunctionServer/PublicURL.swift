import Foundation
import HTTPTypes
import Hummingbird

/// The URL clients reach this server at, for URLs the API hands out (a webhook's `webhook_url`).
enum PublicURL {
    /// `configured` without a trailing slash, else the scheme and host the request came to:
    /// `X-Forwarded-Proto` and `X-Forwarded-Host` when a proxy set them, else `http://` and `Host`.
    static func base(of request: Request, configured: String?) -> String {
        if var configured {
            while configured.hasSuffix("/") { configured.removeLast() }
            return configured
        }
        let forwarded = { (name: String) in
            request.headers[HTTPField.Name(name)!]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let scheme = forwarded("X-Forwarded-Proto").flatMap { ["http", "https"].contains($0) ? $0 : nil } ?? "http"
        return scheme + "://" + (forwarded("X-Forwarded-Host") ?? request.head.authority ?? "localhost")
    }
}
