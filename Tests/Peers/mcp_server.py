#!/usr/bin/env python3
"""A small MCP server (official Python SDK, mcp 2.x `MCPServer`, formerly FastMCP).

It plays the *remote* side of Junction's `mcp` connector in tests.

Usage:
    mcp_server.py stdio          # newline-delimited JSON-RPC on stdin/stdout
    mcp_server.py http PORT      # Streamable HTTP on http://127.0.0.1:PORT/mcp (stateful sessions)

Tools: echo, add, get_weather, fail, whoami (see the docstrings / descriptions below).
In stdio mode nothing but protocol frames is written to stdout; SDK logs go to stderr.
"""

from __future__ import annotations

import os
import sys
from typing import TypedDict

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer(name="junction-test-peer", version="1.0.0", log_level="WARNING")


class Weather(TypedDict):
    """Structured result of get_weather (becomes the tool's outputSchema)."""

    city: str
    temperature_c: int


# echo, fail and whoami are plain-text tools (no outputSchema, no structuredContent);
# without structured_output=False the SDK would wrap a `str` return as {"result": ...}.
@server.tool(description="Echo the given text back unchanged.", structured_output=False)
def echo(text: str) -> str:
    return text


@server.tool(description="Add two integers and return their sum.")
def add(a: int, b: int) -> int:
    # Structured output: outputSchema {"result": integer}, structuredContent {"result": a+b}.
    return a + b


@server.tool(description="Get the current weather for a city (always 21 degrees Celsius).")
def get_weather(city: str) -> Weather:
    # A TypedDict return gives a real object outputSchema with city/temperature_c.
    return {"city": city, "temperature_c": 21}


@server.tool(description="Always fail with the given message (the result has isError true).", structured_output=False)
def fail(message: str) -> str:
    # ToolError is the SDK's "anticipated failure": the message goes verbatim into
    # the result's text content and isError is true (not a JSON-RPC error).
    raise ToolError(message)


@server.tool(
    description="Return the value of the PEER_IDENTITY environment variable of this server process.",
    structured_output=False,
)
def whoami() -> str:
    return os.environ.get("PEER_IDENTITY", "")


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "stdio":
        server.run("stdio")
        return 0
    if len(argv) == 2 and argv[0] == "http":
        # Stateful: the server assigns an Mcp-Session-Id on initialize and serves a GET SSE stream.
        # SSE (not plain JSON) responses to POSTs, the SDK default.
        server.run("streamable-http", host="127.0.0.1", port=int(argv[1]), streamable_http_path="/mcp")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
