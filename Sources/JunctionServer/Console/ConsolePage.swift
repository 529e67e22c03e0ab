import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import NIOCore

/// The console's responses: pages in the console's chrome, the bare sign-in page, redirects,
/// all with headers that keep them unframed, uncached and script-restricted to our own asset.
enum ConsolePage {
    /// Our script and stylesheet only (no inline code), never framed, forms only to ourselves.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
    ]

    /// A page of `section` titled `title`, with `body` inside the navigation and header.
    static func make(
        _ title: String, section: ConsoleSection, caller: ConsoleCaller, status: HTTPResponse.Status = .ok,
        refreshSeconds: Int? = nil, _ body: HTML
    ) -> Response {
        let navigation = navigation(current: section, caller: caller)
        let refresh: HTML = refreshSeconds.map { " data-refresh-seconds=\"\($0)\"" } ?? .empty
        return document(title, bodyClass: nil, """
            <a class="skip" href="#content">Skip to content</a>
            <header class="top">
              <a class="brand" href="/console">Junction</a>
              \(tenantSwitcher(caller))
              <div class="who">
                <span>\(caller.principal.isPlatform ? "Platform key" : "Tenant key") · \(caller.principal.role.rawValue)</span>
                <form method="post" action="/console/sign-out">\(csrfField(caller))<button type="submit">Sign out</button></form>
              </div>
            </header>
            \(navigation)
            <main id="content"\(refresh)>
            \(body)
            </main>
            """, status: status)
    }

    /// A page with no navigation (sign-in, errors before a session exists).
    static func bare(_ title: String, status: HTTPResponse.Status = .ok, _ body: HTML) -> Response {
        document(title, bodyClass: "bare", body, status: status)
    }

    /// A 303 to `location` (after a form, so reloading does not post it again).
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// The hidden field every form of a session carries.
    static func csrfField(_ caller: ConsoleCaller) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(caller.active.csrfToken)\">"
    }

    /// A `POST` form to `action` with the CSRF field; `confirm` asks before sending.
    static func form(_ action: String, caller: ConsoleCaller, confirm: String? = nil, class className: String = "inline", _ content: HTML) -> HTML {
        let question: HTML = confirm.map { " data-confirm=\"\($0)\"" } ?? .empty
        return "<form method=\"post\" action=\"\(action)\" class=\"\(className)\"\(question)>\(csrfField(caller))\(content)</form>"
    }

    private static func document(_ title: String, bodyClass: String?, _ body: HTML, status: HTTPResponse.Status) -> Response {
        let classAttribute: HTML = bodyClass.map { " class=\"\($0)\"" } ?? .empty
        let html: HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Junction</title>
            <link rel="stylesheet" href="\(ConsoleAssets.stylesheet.path)">
            <script src="\(ConsoleAssets.script.path)" defer></script>
            </head>
            <body\(classAttribute)>
            \(body)
            </body>
            </html>
            """
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html.markup)))
    }

    private static func navigation(current: ConsoleSection, caller: ConsoleCaller) -> HTML {
        var items: [HTML] = []
        var group = ""
        for section in ConsoleSection.allCases where section.isShown(to: caller) {
            if section.group != group {
                if !group.isEmpty { items.append("</ul>") }
                group = section.group
                items.append("<div class=\"group\">\(group)</div><ul>")
            }
            let current: HTML = section == current ? " aria-current=\"page\"" : .empty
            items.append("<li><a href=\"\(section.path)\"\(current)>\(section.title)</a></li>")
        }
        if !group.isEmpty { items.append("</ul>") }
        return "<nav class=\"side\" aria-label=\"Sections\">\(items)</nav>"
    }

    private static func tenantSwitcher(_ caller: ConsoleCaller) -> HTML {
        guard caller.principal.isPlatform else {
            return "<span class=\"badge\">\(caller.tenantName ?? "tenant")</span>"
        }
        let options = caller.tenants.map { tenant -> HTML in
            "<option value=\"\(tenant.id)\"\(HTML.flag("selected", tenant.id == caller.tenantID))>\(tenant.name)</option>"
        }
        return """
            <form method="post" action="/console/tenant">\(csrfField(caller))
              <label for="tenant-switch" class="muted small">Tenant</label>
              <select id="tenant-switch" name="tenant" data-submit>
                <option value=""\(HTML.flag("selected", caller.tenantID == nil))>Choose a tenant…</option>
                \(options)
              </select>
              <button type="submit">Switch</button>
            </form>
            """
    }
}
