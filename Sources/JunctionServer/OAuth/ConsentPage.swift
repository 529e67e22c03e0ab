import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore

/// The page where a person lets an MCP client use a tenant's tools: it names the client and
/// where it will be sent back, and takes the API key of the tenant to act for (a platform key
/// names the tenant). Nothing on it comes from outside without being escaped.
enum ConsentPage {
    /// Headers every page of the authorization endpoint carries: never framed (a framed consent
    /// page is clickjacking), never cached, no referrer leaking the request's parameters.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// The consent form for `request`, with `problem` (a refused key) above it.
    static func form(_ request: AuthorizationRequest, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let returnsTo = URLComponents(string: request.redirectURI).flatMap { $0.host ?? $0.scheme } ?? request.redirectURI
        let hidden = request.fields.map { name, value in
            #"<input type="hidden" name="\#(escape(name))" value="\#(escape(value))">"#
        }.joined(separator: "\n      ")
        let alert = problem.map { #"<p class="problem" role="alert">\#(escape($0))</p>"# } ?? ""
        let body = """
            <h1>Allow \(escape(request.client.name)) to use Junction?</h1>
            <p><strong>\(escape(request.client.name))</strong> asks to call the tools of one Junction tenant for you,
            through <code>\(escape(request.resource))</code>. You will be sent back to <strong>\(escape(returnsTo))</strong>.</p>
            \(alert)
            <form method="post" action="/oauth/authorize">
              \(hidden)
              <label for="api_key">The tenant's API key</label>
              <input id="api_key" name="api_key" type="password" autocomplete="off" required autofocus>
              <label for="tenant">Tenant (only with a platform key)</label>
              <input id="tenant" name="tenant" type="text" autocomplete="off">
              <div class="actions">
                <button type="submit" name="decision" value="allow">Allow</button>
                <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
              </div>
            </form>
            <p class="note">The key is not given to \(escape(request.client.name)): it gets its own tokens, which end when the key is deleted.</p>
            """
        return page(title: "Allow \(request.client.name)", body: body, status: status)
    }

    /// A page saying why the request cannot go on (nothing is sent back to the client).
    static func failure(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        page(title: "Authorization failed", body: "<h1>This authorization cannot go on</h1>\n<p>\(escape(message))</p>", status: status)
    }

    private static func page(title: String, body: String, status: HTTPResponse.Status) -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Junction</title>
            <style>
              body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
              label { display: block; margin-top: 1rem; font-weight: 600; }
              input[type=password], input[type=text] { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
              .actions { margin-top: 1.5rem; display: flex; gap: .75rem; }
              button { font: inherit; padding: .5rem 1.25rem; }
              .problem { color: #b00020; font-weight: 600; }
              .note { color: #555; font-size: .9rem; margin-top: 2rem; }
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>
            """
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func escape(_ text: String) -> String {
        text.markupEscaped
    }
}
