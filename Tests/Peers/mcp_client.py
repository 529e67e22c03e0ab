#!/usr/bin/env python3
"""Line-driven MCP client driver (official Python SDK, mcp 2.x) for Junction's tests.

Usage:
    mcp_client.py http URL [--header 'Name: value']... [--mode M] [--timeout S]
    mcp_client.py stdio [--env K=V]... [--mode M] [--timeout S] -- COMMAND ARGS...

--mode legacy (the default) connects with the `initialize` handshake (2025-11-25 and
earlier); --mode auto uses the SDK's default negotiation (a `server/discover` probe at
2026-07-28 first, falling back to `initialize` on any error); --mode 2026-07-28 discovers at
that version and adopts it (no fallback). It prints one line

    {"ok":true,"event":"initialized","server":{...serverInfo...},"protocol_version":"...","discover":{...}|null}

then reads JSON commands from stdin, one per line, and answers each with exactly one JSON line:

    {"op":"list_tools"}                                  -> {"ok":true,"tools":[...wire dicts...]}
    {"op":"call_tool","name":N,"arguments":{...}}        -> {"ok":true,"result":{"isError":..,"content":[..],"structuredContent":..}}
        add "raw":true to skip the SDK's client-side outputSchema check (plain tools/call)
    {"op":"wait_list_changed","timeout":10}              -> {"ok":true,"received":bool,"count":N}
        (legacy: notifications/tools/list_changed; 2026-07-28: events of the open subscription)
    {"op":"listen"}                                      -> {"ok":true,"honored":{...filter...}}
        (2026-07-28: opens a subscriptions/listen stream for tools list changes)
    {"op":"unlisten"}                                    -> {"ok":true,"end":"graceful"|"lost"|"open"}
    {"op":"ping"}                                        -> {"ok":true}
    {"op":"close"}                                       -> {"ok":true}, exit 0

A failing command answers {"ok":false,"error":"<Type>: <message>"} (plus "code" for a
JSON-RPC error) and the loop goes on. A failed connect prints {"ok":false,...} and exits 1.

--oauth-consent-key KEY (http) authorizes with the SDK's OAuth client instead of sending an
Authorization header: it discovers Junction's authorization server from the 401, registers
itself, and plays the person at the consent page (presenting KEY, and --oauth-tenant T for a
platform key), then exchanges the code with PKCE. The "initialized" line then carries
"oauth": {"client_id", "scope", "token_type", "consent_status"}; {"op":"oauth_refresh"}
forces a refresh-token exchange and answers {"ok":true,"rotated":bool}. With
--oauth-client-metadata-url URL the client is identified by that metadata document (CIMD)
instead of registering, when the server says it supports them.

The stdio child inherits this process's whole environment plus the --env pairs (the SDK
alone would pass only HOME/LOGNAME/PATH/SHELL/TERM/USER).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import AsyncExitStack
from typing import Any

import anyio
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


def emit(obj: dict[str, Any]) -> None:
    """One JSON object per line on stdout, flushed (the Swift side reads line by line)."""
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def describe(exc: BaseException) -> dict[str, Any]:
    """{"ok":false,...} for an exception; unwraps single-exception groups from anyio task groups."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    out: dict[str, Any] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if isinstance(exc, MCPError):
        out["code"] = exc.code
    return out


def wire(model: Any) -> dict[str, Any]:
    """A pydantic MCP model as its wire JSON (camelCase aliases, no nulls)."""
    # exclude_unset drops SDK-side defaults that were never on the wire (e.g. 2026 `resultType`).
    return model.model_dump(by_alias=True, mode="json", exclude_none=True, exclude_unset=True)


class ListChanged:
    """Counts notifications/tools/list_changed; wait() consumes what arrived since the last wait."""

    def __init__(self) -> None:
        self.pending = 0
        self.event = anyio.Event()

    async def handler(self, message: Any) -> None:  # ClientSession message_handler
        if isinstance(message, types.ToolListChangedNotification):
            self.pending += 1
            self.event.set()

    def count(self) -> None:
        self.pending += 1
        self.event.set()

    async def wait(self, timeout: float) -> tuple[bool, int]:
        if self.pending == 0:
            with anyio.move_on_after(timeout):
                await self.event.wait()
        count, self.pending, self.event = self.pending, 0, anyio.Event()
        return count > 0, count


def parse_args(argv: list[str]) -> argparse.Namespace:
    command: list[str] = []
    if "--" in argv:  # everything after "--" is the stdio server command line
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1 :]
    p = argparse.ArgumentParser(description="Line-driven MCP client driver")
    p.add_argument("transport", choices=["http", "stdio"])
    p.add_argument("url", nargs="?")
    p.add_argument("--header", action="append", default=[], help="'Name: value' (http)")
    p.add_argument("--env", action="append", default=[], help="K=V for the stdio child")
    p.add_argument("--mode", default="legacy", help="legacy | auto | a modern version such as 2026-07-28")
    p.add_argument("--timeout", type=float, default=30.0, help="connect / per-request timeout (s)")
    p.add_argument("--oauth-consent-key", help="authorize with OAuth, consenting with this API key")
    p.add_argument("--oauth-tenant", help="the tenant a platform consent key acts for")
    p.add_argument("--oauth-client-metadata-url", help="identify by this client ID metadata document URL (CIMD)")
    args = p.parse_args(argv)
    args.command = command
    if args.transport == "http" and not args.url:
        p.error("http needs a URL")
    if args.transport == "stdio" and not command:
        p.error("stdio needs '-- COMMAND ARGS...'")
    return args


class Consent:
    """OAuth as a person at Junction's consent page: the SDK's redirect handler fetches the page,
    submits its form with the consent key, and keeps the redirect's code for the callback."""

    def __init__(self, key: str, tenant: str | None) -> None:
        self.key, self.tenant = key, tenant
        self.result: Any = None
        self.status: int | None = None
        self.storage: Any = None
        self.provider: Any = None

    async def redirect_handler(self, url: str) -> None:
        import html
        import re
        from urllib.parse import parse_qs, urljoin, urlparse

        import httpx2
        from mcp.shared.auth import AuthorizationCodeResult

        async with httpx2.AsyncClient(follow_redirects=False) as http:
            page = await http.get(url)
            page.raise_for_status()
            fields = {
                html.unescape(name): html.unescape(value)
                for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text)
            }
            fields.update({"api_key": self.key, "decision": "allow"})
            if self.tenant:
                fields["tenant"] = self.tenant
            answer = await http.post(urljoin(url, "/oauth/authorize"), data=fields)
            self.status = answer.status_code
            location = answer.headers.get("location")
            if answer.status_code != 302 or not location:
                raise RuntimeError(f"consent answered {answer.status_code}: {answer.text[:300]}")
            query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
            if "code" not in query:
                raise RuntimeError(f"consent redirected without a code: {location}")
            self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    async def callback_handler(self) -> Any:
        return self.result


class MemoryTokens:
    """TokenStorage in memory."""

    def __init__(self) -> None:
        self.tokens: Any = None
        self.client: Any = None

    async def get_tokens(self) -> Any:
        return self.tokens

    async def set_tokens(self, tokens: Any) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> Any:
        return self.client

    async def set_client_info(self, client_info: Any) -> None:
        self.client = client_info


def oauth_provider(args: argparse.Namespace, consent: Consent) -> Any:
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import OAuthClientMetadata

    consent.storage = MemoryTokens()
    consent.provider = OAuthClientProvider(
        server_url=args.url,
        client_metadata=OAuthClientMetadata(
            client_name="Junction test client",
            redirect_uris=["http://127.0.0.1:8976/callback"],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=consent.storage,
        redirect_handler=consent.redirect_handler,
        callback_handler=consent.callback_handler,
        client_metadata_url=args.oauth_client_metadata_url,
    )
    return consent.provider


CONSENT: Consent | None = None


async def connect(args: argparse.Namespace, stack: AsyncExitStack, changed: ListChanged) -> ClientSession:
    global CONSENT
    if args.transport == "http":
        headers = {}
        for h in args.header:
            name, _, value = h.partition(":")
            headers[name.strip()] = value.strip()
        auth = None
        if args.oauth_consent_key:
            CONSENT = Consent(args.oauth_consent_key, args.oauth_tenant)
            auth = oauth_provider(args, CONSENT)
        # Extra headers (e.g. Authorization) go on the httpx2 client; the transport adds
        # Accept / Content-Type / Mcp-Session-Id / MCP-Protocol-Version itself.
        http = await stack.enter_async_context(create_mcp_http_client(headers=headers, auth=auth))
        read, write = await stack.enter_async_context(streamable_http_client(args.url, http_client=http))
    else:
        env = dict(os.environ)
        for kv in args.env:
            k, _, v = kv.partition("=")
            env[k] = v
        params = StdioServerParameters(command=args.command[0], args=args.command[1:], env=env)
        read, write = await stack.enter_async_context(stdio_client(params))
    session = ClientSession(
        read,
        write,
        read_timeout_seconds=args.timeout,
        message_handler=changed.handler,
        client_info=types.Implementation(name="junction-test-client", version="1.0.0"),
    )
    await stack.enter_async_context(session)
    with anyio.move_on_after(args.timeout) as scope:
        if args.mode == "auto":
            from mcp.client._probe import negotiate_auto  # private: the policy Client(mode="auto") uses

            await negotiate_auto(session)
        elif args.mode == "legacy":
            await session.initialize()
        else:
            raw = await session.send_discover(args.mode)
            session.adopt(types.DiscoverResult.model_validate(raw))
    if scope.cancelled_caught:
        raise TimeoutError(f"no initialize answer within {args.timeout}s")
    return session


async def list_tools(session: ClientSession) -> dict[str, Any]:
    tools: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:  # follow nextCursor pagination
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools += [wire(t) for t in page.tools]
        cursor = page.next_cursor
        if not cursor:
            return {"ok": True, "tools": tools}


async def call_tool(session: ClientSession, cmd: dict[str, Any]) -> dict[str, Any]:
    name, arguments = cmd["name"], cmd.get("arguments")
    if cmd.get("raw"):
        # Plain tools/call: wire-shape validation only, no outputSchema check.
        request = types.CallToolRequest(params=types.CallToolRequestParams(name=name, arguments=arguments))
        result = await session.send_request(request, types.CallToolResult)
    else:
        # The SDK validates structuredContent against the tool's cached outputSchema (listing the
        # tools first if it has not seen this one) and raises RuntimeError on a mismatch; that
        # surfaces as ok:false below rather than being swallowed.
        result = await session.call_tool(name, arguments)
    out = wire(result)
    out.setdefault("isError", False)
    out.setdefault("structuredContent", None)
    return {"ok": True, "result": out}


class Listener:
    """One subscriptions/listen stream (2026-07-28) run in the background, counting tool changes."""

    def __init__(self, session: ClientSession, changed: ListChanged) -> None:
        self.session, self.changed = session, changed
        self.honored: dict[str, Any] | None = None
        self.end = "open"
        self.scope: anyio.CancelScope | None = None
        self.ready = anyio.Event()
        self.error: BaseException | None = None

    async def run(self) -> None:
        from mcp.client.subscriptions import SubscriptionLost, ToolsListChanged, listen

        with anyio.CancelScope() as scope:
            self.scope = scope
            try:
                async with listen(self.session, tools_list_changed=True) as subscription:
                    self.honored = wire(subscription.honored)
                    self.ready.set()
                    async for event in subscription:
                        if isinstance(event, ToolsListChanged):
                            self.changed.count()
                self.end = "graceful"
            except SubscriptionLost:
                self.end = "lost"
            except Exception as exc:  # refused before the acknowledgement
                self.error = exc
            finally:
                self.ready.set()


async def run_commands(session: ClientSession, changed: ListChanged, tg: Any) -> None:
    listener: Listener | None = None
    stdin = anyio.wrap_file(sys.stdin)
    while True:
        line = await stdin.readline()
        if not line:  # EOF: behave like close, without a reply
            return
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "list_tools":
                emit(await list_tools(session))
            elif op == "call_tool":
                emit(await call_tool(session, cmd))
            elif op == "wait_list_changed":
                received, count = await changed.wait(float(cmd.get("timeout", 10)))
                emit({"ok": True, "received": received, "count": count})
            elif op == "listen":
                listener = Listener(session, changed)
                tg.start_soon(listener.run)
                await listener.ready.wait()
                if listener.error is not None:
                    raise listener.error
                emit({"ok": True, "honored": listener.honored})
            elif op == "unlisten":
                end = listener.end if listener else "none"
                if listener and listener.scope and end == "open":
                    listener.scope.cancel()
                emit({"ok": True, "end": end})
            elif op == "oauth_refresh":
                # Expire the access token locally: the provider then refreshes before the next request.
                assert CONSENT is not None, "not an OAuth connection"
                before = CONSENT.storage.tokens.refresh_token
                CONSENT.provider.context.token_expiry_time = 1.0
                await session.list_tools()
                emit({"ok": True, "rotated": CONSENT.storage.tokens.refresh_token != before})
            elif op == "ping":
                await session.send_ping()
                emit({"ok": True})
            elif op == "close":
                emit({"ok": True})
                return
            else:
                emit({"ok": False, "error": f"ValueError: unknown op {op!r}"})
        except Exception as exc:  # report and keep going
            emit(describe(exc))


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    changed = ListChanged()
    connected = False
    try:
        async with AsyncExitStack() as stack:
            session = await connect(args, stack, changed)
            connected = True
            init = session.initialize_result
            discovered = session.discover_result
            emit(
                {
                    "ok": True,
                    "event": "initialized",
                    "server": wire(session.server_info) if session.server_info else {},
                    "protocol_version": session.protocol_version,
                    "capabilities": wire(session.server_capabilities) if session.server_capabilities else {},
                    "instructions": init.instructions if init else (discovered.instructions if discovered else None),
                    "discover": wire(discovered) if discovered else None,
                    "oauth": {
                        "client_id": CONSENT.storage.client.client_id,
                        "scope": CONSENT.storage.tokens.scope,
                        "token_type": CONSENT.storage.tokens.token_type,
                        "consent_status": CONSENT.status,
                    }
                    if CONSENT and CONSENT.storage.tokens
                    else None,
                }
            )
            async with anyio.create_task_group() as tg:
                await run_commands(session, changed, tg)
                tg.cancel_scope.cancel()
    except Exception as exc:  # ExceptionGroup included: transport failures surface from task groups
        if not connected:
            # e.g. connection refused surfaces as the transport task group's error, not from initialize()
            emit(describe(exc))
            return 1
        # Teardown noise after a successful session (e.g. the server died) keeps exit code 0.
        print(f"mcp_client: teardown: {describe(exc)['error']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
