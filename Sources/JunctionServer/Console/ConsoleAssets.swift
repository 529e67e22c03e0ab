import Crypto
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime
import NIOCore

/// The console's stylesheet and script, compiled into the binary and served under a name
/// carrying their digest, so browsers may keep them for a year and never use a stale one.
enum ConsoleAssets {
    struct Asset: Sendable {
        let name: String
        let contentType: String
        let bytes: ByteBuffer
        /// `/console/assets/NAME-DIGEST.EXT`.
        let path: String

        init(name: String, extension fileExtension: String, contentType: String, text: String) {
            self.name = name
            self.contentType = contentType
            self.bytes = ByteBuffer(string: text)
            let digest = HexDigits.lowercase(Array(SHA256.hash(data: Array(text.utf8))).prefix(6))
            self.path = "/console/assets/\(name)-\(digest).\(fileExtension)"
        }
    }

    static let stylesheet = Asset(name: "console", extension: "css", contentType: "text/css; charset=utf-8", text: ConsoleStylesheet.text)
    static let script = Asset(name: "console", extension: "js", contentType: "text/javascript; charset=utf-8", text: ConsoleScript.text)
    static let all = [stylesheet, script]

    /// The asset at `path`, served for a year.
    static func response(path: String) -> Response? {
        guard let asset = all.first(where: { $0.path == path }) else { return nil }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: asset.bytes))
    }
}
