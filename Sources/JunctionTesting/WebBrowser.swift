import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`), for
/// tests of the web console in a real browser.
///
/// Screenshots go to `JUNCTION_TEST_OUTPUT` (default `.build/test-output`), under `console/`.
public struct WebBrowser: Sendable {
    private let driver: String
    private let session: String

    /// Where `chromedriver` and `chromium` are, when installed.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: driverPath) && FileManager.default.isExecutableFile(atPath: chromiumPath)
    }

    static let driverPath = "/usr/bin/chromedriver"
    static let chromiumPath = "/usr/bin/chromium"

    /// The folder screenshots are written to.
    public static var outputDirectory: URL {
        let base = ProcessInfo.processInfo.environment["JUNCTION_TEST_OUTPUT"] ?? ".build/test-output"
        return URL(fileURLWithPath: base).appendingPathComponent("console", isDirectory: true)
    }

    /// Runs `body` with a fresh browser (its own profile, 1280×800), closed afterwards.
    public static func with<T: Sendable>(_ body: @Sendable (WebBrowser) async throws -> T) async throws -> T {
        guard isAvailable else { throw HarnessError("chromium and chromedriver are not installed: run the tests with scripts/test") }
        let port = try PythonPeer.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: driverPath)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("junction-chromium-\(UUID().uuidString)")
        do {
            let result = try await session(port: port, profile: profile, body)
            await stop(process)
            try? FileManager.default.removeItem(at: profile)
            return result
        } catch {
            await stop(process)
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
    }

    /// Sends SIGTERM, waits up to 3 s (without blocking a thread), then SIGKILL.
    private static func stop(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<60 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func session<T: Sendable>(port: Int, profile: URL, _ body: @Sendable (WebBrowser) async throws -> T) async throws -> T {
        for _ in 0..<200 where !PythonPeer.canConnect(port: port) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let driver = "http://127.0.0.1:\(port)"
        let capabilities: JSONValue = [
            "capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                "goog:chromeOptions": [
                    "binary": .string(chromiumPath),
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
                        .string("--user-data-dir=\(profile.path)"),
                    ],
                ],
            ]],
        ]
        let created = try await send(.POST, "\(driver)/session", capabilities)
        guard let session = created["value"]?["sessionId"]?.stringValue else { throw HarnessError("chromedriver made no session: \(created.jsonText)") }
        let browser = WebBrowser(driver: driver, session: session)
        do {
            let result = try await body(browser)
            _ = try? await send(.DELETE, "\(driver)/session/\(session)", nil)
            return result
        } catch {
            _ = try? await send(.DELETE, "\(driver)/session/\(session)", nil)
            throw error
        }
    }

    // MARK: Pages

    /// Opens `url` and waits for it to load.
    public func open(_ url: String) async throws {
        try await command(.POST, "url", ["url": .string(url)])
    }

    /// The URL shown.
    public func url() async throws -> String {
        try await command(.GET, "url").stringValue ?? ""
    }

    /// The page's title.
    public func title() async throws -> String {
        try await command(.GET, "title").stringValue ?? ""
    }

    /// The rendered text of the page's body.
    public func pageText() async throws -> String {
        try await execute("return document.body ? document.body.innerText : '';").stringValue ?? ""
    }

    /// The page's markup as the browser has it.
    public func source() async throws -> String {
        try await command(.GET, "source").stringValue ?? ""
    }

    /// Writes a PNG of the viewport to the output folder as `name.png`; its path.
    @discardableResult
    public func screenshot(_ name: String) async throws -> URL {
        let encoded = try await command(.GET, "screenshot").stringValue ?? ""
        guard let data = Data(base64Encoded: encoded) else { throw HarnessError("The screenshot is not base64") }
        try FileManager.default.createDirectory(at: Self.outputDirectory, withIntermediateDirectories: true)
        let file = Self.outputDirectory.appendingPathComponent("\(name).png")
        try data.write(to: file)
        return file
    }

    /// Runs `script` in the page; its result.
    @discardableResult
    public func execute(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command(.POST, "execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// The browser's cookies for the current page, as WebDriver describes them (with
    /// `httpOnly`, `sameSite`, `secure`).
    public func cookies() async throws -> [JSONValue] {
        try await command(.GET, "cookie").arrayValue ?? []
    }

    /// Accepts the `confirm()` dialog open, if any.
    public func acceptDialog() async throws {
        try await command(.POST, "alert/accept", [:])
    }

    // MARK: Elements

    /// The first element matching the CSS `selector`, waiting up to `timeout` for it.
    public func element(_ selector: String, timeout: Duration = .seconds(5)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = try await command(.POST, "elements", ["using": "css selector", "value": .string(selector)])
            if let first = found.arrayValue?.first?.objectValue?.values.first?.stringValue { return first }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("No element matches '\(selector)' on \(try await url())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// How many elements match `selector` now.
    public func count(_ selector: String) async throws -> Int {
        try await command(.POST, "elements", ["using": "css selector", "value": .string(selector)]).arrayValue?.count ?? 0
    }

    /// Clicks the element matching `selector`.
    public func click(_ selector: String) async throws {
        let id = try await element(selector)
        try await command(.POST, "element/\(id)/click", [:])
    }

    /// Clears the field matching `selector` and types `text` into it.
    public func fill(_ selector: String, _ text: String) async throws {
        let id = try await element(selector)
        try await command(.POST, "element/\(id)/clear", [:])
        try await command(.POST, "element/\(id)/value", ["text": .string(text)])
    }

    /// Chooses the option with `value` in the select matching `selector` (and tells the page).
    public func choose(_ selector: String, value: String) async throws {
        _ = try await element(selector)
        let chosen = try await execute(
            """
            const select = document.querySelector(arguments[0]);
            if (![...select.options].some(option => option.value === arguments[1])) return false;
            select.value = arguments[1];
            select.dispatchEvent(new Event('change', {bubbles: true}));
            return true;
            """, [.string(selector), .string(value)])
        guard chosen == true else { throw HarnessError("'\(selector)' has no option '\(value)'") }
    }

    /// The rendered text of the element matching `selector`.
    public func text(_ selector: String) async throws -> String {
        let id = try await element(selector)
        return try await command(.GET, "element/\(id)/text").stringValue ?? ""
    }

    /// Waits until the page's text contains `text`; `HarnessError` after `timeout`.
    public func waitForText(_ text: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !pageText().contains(text) {
            guard ContinuousClock.now < deadline else {
                throw HarnessError("'\(text)' did not appear on \(try await url()): \(try await pageText().prefix(1500))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    // MARK: WebDriver

    @discardableResult
    private func command(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let answer = try await Self.send(method, "\(driver)/session/\(session)/\(path)", body)
        if let error = answer["value"]?["error"]?.stringValue {
            throw HarnessError("WebDriver \(path): \(error): \(answer["value"]?["message"]?.stringValue?.prefix(500) ?? "")")
        }
        return answer["value"] ?? .null
    }

    private static func send(_ method: HTTPMethod, _ url: String, _ body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(bytes: body.jsonBytes)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return try JSONCoding.decode(bytes.readableBytesView)
    }
}
