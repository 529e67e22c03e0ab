import HTTPTypes
import Foundation
import JunctionCore
import JunctionRuntime

/// The console's building blocks: tables, badges, facts, form fields, notices, times and JSON.
enum ConsoleUI {
    /// A table with `headers` over `rows` (each a row's cells); `empty` when there are no rows.
    static func table(_ headers: [String], _ rows: [[HTML]], empty: String, numeric: Set<Int> = []) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(empty)</p>" }
        let head = headers.enumerated().map { index, header -> HTML in
            numeric.contains(index) ? "<th scope=\"col\" class=\"num\">\(header)</th>" : "<th scope=\"col\">\(header)</th>"
        }
        let body = rows.map { cells -> HTML in
            let cells = cells.enumerated().map { index, cell -> HTML in
                numeric.contains(index) ? "<td class=\"num\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            return "<tr>\(cells)</tr>"
        }
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table>"
    }

    /// A status as a coloured badge: good, bad, waiting or neutral by its meaning.
    static func badge(_ status: String?) -> HTML {
        guard let status else { return "<span class=\"badge\">unknown</span>" }
        let tone: String
        switch status {
        case "healthy", "completed", "delivered", "approved", "ok", "success", "enabled", "valid": tone = " good"
        case "unhealthy", "failed", "dead", "denied", "error", "expired", "disabled", "invalid", "failure", "cancelled": tone = " bad"
        case "queued", "running", "pending", "waiting_approval", "degraded", "scheduled", "retrying": tone = " warn"
        default: tone = ""
        }
        return "<span class=\"badge\(tone)\">\(status)</span>"
    }

    /// `pairs` as a definition list.
    static func facts(_ pairs: [(String, HTML)]) -> HTML {
        "<dl class=\"facts\">\(pairs.map { name, value -> HTML in "<dt>\(name)</dt><dd>\(value)</dd>" })</dl>"
    }

    /// `value` indented, in a `pre`.
    static func json(_ value: JSONValue?) -> HTML {
        guard let value, value != .null else { return "<p class=\"muted\">—</p>" }
        return "<pre><code>\(value.prettyText)</code></pre>"
    }

    /// A time from the API (ISO 8601) as `2026-12-03 16:40:12 UTC`, in a `time` element.
    static func time(_ text: String?) -> HTML {
        guard let text, !text.isEmpty else { return "<span class=\"muted\">—</span>" }
        let shown = text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
        let trimmed = shown.range(of: #"\.\d+"#, options: .regularExpression).map { shown.replacingCharacters(in: $0, with: "") } ?? shown
        return "<time datetime=\"\(text)\">\(trimmed)</time>"
    }

    /// A duration in milliseconds, readable.
    static func duration(_ milliseconds: Int?) -> HTML {
        guard let milliseconds else { return "—" }
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        return HTML(trusted: String(format: "%.1f s", Double(milliseconds) / 1000))
    }

    /// A success notice.
    static func notice(_ text: String?) -> HTML {
        guard let text else { return .empty }
        return "<div class=\"notice\" role=\"status\">\(text)</div>"
    }

    /// An API error as it answered: message, code and the field at fault.
    static func problem(_ problem: ConsoleAPI.Problem?) -> HTML {
        guard let problem else { return .empty }
        let field: HTML = problem.field.map { " · field <code>\($0)</code>" } ?? .empty
        let line: HTML = problem.details?["line"]?.intValue.map { " · line \($0)" } ?? .empty
        return """
            <div class="problem" role="alert"><strong>\(problem.message)</strong>
            <div class="small"><span class="code">\(problem.code)</span>\(field)\(line)</div></div>
            """
    }

    /// A value shown this once (a new key, a webhook secret), with a copy button.
    static func shownOnce(_ items: [(label: String, id: String, value: String)], note: String) -> HTML {
        let values = items.map { item -> HTML in
            """
            <div><strong>\(item.label)</strong>
            <div class="value"><code id="\(item.id)">\(item.value)</code><button type="button" data-copy="\(item.id)" hidden>Copy</button></div></div>
            """
        }
        return "<section class=\"secret-once\" aria-label=\"Shown once\">\(values)<p class=\"small\">\(note)</p></section>"
    }

    /// A labelled form field around `control`, with its hint and the error naming it.
    static func field(_ label: String, for id: String, hint: String? = nil, error: String? = nil, _ control: HTML) -> HTML {
        let hintHTML: HTML = hint.map { "<div class=\"hint\" id=\"\(id)-hint\">\($0)</div>" } ?? .empty
        let errorHTML: HTML = error.map { "<div class=\"error\" id=\"\(id)-error\">\($0)</div>" } ?? .empty
        return "<div class=\"field\(error == nil ? "" : " invalid")\"><label for=\"\(id)\">\(label)</label>\(control)\(hintHTML)\(errorHTML)</div>"
    }

    /// `<option>`s of `values`, `selected` chosen; `labels` name them when given.
    static func options(_ values: [String], selected: String?, blank: String? = nil) -> HTML {
        let blankOption: HTML = blank.map { "<option value=\"\"\(HTML.flag("selected", selected == nil))>\($0)</option>" } ?? .empty
        return "\(blankOption)\(values.map { "<option value=\"\($0)\"\(HTML.flag("selected", $0 == selected))>\($0)</option>" })"
    }

    /// A link to `path` with `query` (empty values left out).
    static func link(_ path: String, _ query: [(String, String?)]) -> String {
        let pairs = query.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : (name, $0) } }
        return pairs.isEmpty ? path : path + "?" + FormFields.encode(pairs)
    }

    /// The link to the next page of a listing: `query` with `parameter` set to `value` (the
    /// listing's own cursor: a run id for `after`, an event sequence for `before`).
    static func nextPage(_ path: String, _ query: [(String, String?)], parameter: String, value: String?) -> HTML {
        guard let value else { return .empty }
        return "<div class=\"pager\"><a href=\"\(link(path, query.filter { $0.0 != parameter } + [(parameter, value)]))\">Next page →</a></div>"
    }
}

extension Optional where Wrapped == JSONValue {
    /// The value unless it is absent or JSON `null`.
    var nonNull: JSONValue? {
        guard let value = self, !value.isNull else { return nil }
        return value
    }
}
