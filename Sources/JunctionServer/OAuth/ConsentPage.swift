import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore

/// The page where a person lets an MCP client use a tenant's tools: it names the client and
/// where it will be sent back, and takes the API key of the tenant to act for (a platform key
/// names the tenant). Nothing on it comes from outside without being escaped.
enum ConsentPage {
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
        HTMLPage.make(title: title, body: body, status: status)
    }

    private static func escape(_ text: String) -> String {
        text.markupEscaped
    }
}
