import HTTPTypes
import Hummingbird
import JunctionCore
import NIOCore

/// The small server-rendered pages people open from a link (OAuth consent, approvals): one
/// look, and headers that keep them unframed, uncached and without a referrer.
enum HTMLPage {
    /// Never framed (a framed decision page is clickjacking), never cached, no referrer leaking
    /// the page's parameters, no script.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// A page titled `title` (escaped here) around `body` (markup the caller escaped).
    static func make(title: String, body: String, status: HTTPResponse.Status) -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title.markupEscaped) · Junction</title>
            <style>
              body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
              label { display: block; margin-top: 1rem; font-weight: 600; }
              input[type=password], input[type=text], textarea { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
              .actions { margin-top: 1.5rem; display: flex; gap: .75rem; }
              button { font: inherit; padding: .5rem 1.25rem; }
              .problem { color: #b00020; font-weight: 600; }
              .note { color: #555; font-size: .9rem; margin-top: 2rem; }
              dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
              dt { font-weight: 600; }
              pre { background: #f5f5f7; padding: .75rem; overflow-x: auto; font-size: .85rem; }
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>
            """
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
