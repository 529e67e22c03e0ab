import Foundation

/// The script of a Python peer speaking a line protocol (SMTP, FTP) from a table: it sends
/// `greeting`, then answers each line with the first `answers` entry whose prefix the line
/// starts with (case-insensitively), or `otherwise`. Answers are sent as written (put `\r\n`
/// between lines), so a test can play a server that misbehaves on purpose.
public enum LineProtocolPeer {
    public static func script(greeting: String, answers: [(prefix: String, answer: String)], otherwise: String) -> String {
        func bytes(_ text: String) -> String {
            "b\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        let table = answers.map { "(\(bytes($0.prefix.uppercased())), \(bytes($0.answer)))" }.joined(separator: ", ")
        return """
            import asyncio, sys
            ANSWERS = [\(table)]
            async def serve(reader, writer):
                writer.write(\(bytes(greeting)))
                while True:
                    line = await reader.readline()
                    if not line:
                        break
                    writer.write(next((answer for prefix, answer in ANSWERS if line.upper().startswith(prefix)), \(bytes(otherwise))))
                    await writer.drain()
                writer.close()
            async def main():
                server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
                async with server:
                    await server.serve_forever()
            asyncio.run(main())
            """
    }
}
