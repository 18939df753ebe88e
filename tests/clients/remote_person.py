"""One MCP client per person, driven by tests/remote_e2e.rs: the official MCP
Python SDK's Streamable HTTP client with its OAuth client provider
(``mcp.client.auth.OAuthClientProvider``) against ``okta-mcp serve --http``
with MCP authorization on (``OKTA_MCP_HTTP_AUTH=oauth``).

The SDK discovers the authorization server from the 401, registers itself
(dynamic client registration) and opens the authorization URL; this script
plays the person's browser headlessly: it follows the redirects to the
sign-in page of the Okta stand-in (oidc-provider), submits it, and follows
back through the server's /oauth/callback to the client's redirect URI,
whose code and state go to the SDK's callback handler.

Usage: remote_person.py MCP_URL PERSON MODE   (MODE: legacy | auto)

Line protocol (JSON, one object a line): this script writes events on
stdout and, after each, waits for the test's answer on stdin (``{"ok":
true}``, or ``{"ok": false, "why": ...}`` to stop). Events:
  signed_in   {access_token, refresh_token, code, client_id, redirect_uri}
  tools       {names}
  called      {tool, arguments, is_error, text}   (one per tool call)
  asked       {message}                           (a confirmation was asked)
  step        {name}                              (a point the test may act at)
Commands read from stdin after ``step``: ``{"ok": true, "call": {tool,
arguments}}`` calls a tool and reports it; ``{"ok": true}`` goes on.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import parse_qsl, urljoin, urlsplit

import anyio
import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

MODES = {"legacy": "2025-11-25", "auto": "2026-07-28"}
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never opened: the browser stops at it
STEP_TIMEOUT = 120


class Memory(TokenStorage):
    """Tokens and registration in memory, as the test's one client keeps them."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Test:
    """The line protocol with tests/remote_e2e.rs."""

    @staticmethod
    async def tell(event: str, **fields) -> dict:
        print(json.dumps({"event": event, **fields}), flush=True)
        line = await anyio.to_thread.run_sync(sys.stdin.readline)
        if not line:
            raise SystemExit("the test closed stdin")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise SystemExit(f"the test stopped after {event}: {answer.get('why')}")
        return answer


class Browser:
    """The person's browser: cookies per host (as browsers keep them, ports
    shared), redirects followed by hand, the sign-in form filled in."""

    def __init__(self, login: str) -> None:
        self.login = login
        self.authorization_url: str | None = None
        self.code: str | None = None

    async def open(self, url: str) -> None:
        self.authorization_url = url

    async def sign_in(self) -> AuthorizationCodeResult:
        assert self.authorization_url, "the SDK did not open an authorization URL"
        async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
            url = self.authorization_url
            for _ in range(20):
                if url.startswith(REDIRECT_URI):
                    query = dict(parse_qsl(urlsplit(url).query))
                    assert "error" not in query, f"the sign-in ended in an error: {query}"
                    self.code = query["code"]
                    return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))
                r = await http.get(url)
                if r.is_redirect:
                    url = urljoin(url, r.headers["location"])
                    continue
                path = urlsplit(url).path
                assert r.status_code == 200 and path.startswith("/interaction/"), (
                    f"the browser stopped at {url}: {r.status_code} {r.text[:500]}"
                )
                r = await http.post(url.rstrip("/") + "/login", data={"login": self.login})
                assert r.is_redirect, f"the sign-in form answered {r.status_code}: {r.text[:500]}"
                url = urljoin(url, r.headers["location"])
            raise AssertionError("the sign-in did not reach the client within 20 steps")


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def main(mcp_url: str, person: str, mode: str) -> None:
    browser = Browser(person)
    storage = Memory()

    async def confirm(context, params: types.ElicitRequestParams) -> types.ElicitResult:
        await Test.tell("asked", message=params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    auth = OAuthClientProvider(
        server_url=mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name=f"remote e2e ({person})",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.sign_in,
    )
    with anyio.fail_after(STEP_TIMEOUT):
        async with httpx2.AsyncClient(auth=auth, timeout=httpx2.Timeout(30, read=120)) as http:
            transport = streamable_http_client(mcp_url, http_client=http)
            async with Client(transport, mode=mode, elicitation_callback=confirm) as client:
                assert client.protocol_version == MODES[mode], client.protocol_version
                tokens = storage.tokens
                assert tokens is not None and storage.client is not None, "signed in"
                await Test.tell(
                    "signed_in",
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    code=browser.code,
                    client_id=storage.client.client_id,
                    redirect_uri=REDIRECT_URI,
                )
                tools = await client.list_tools()
                await Test.tell("tools", names=sorted(t.name for t in tools.tools))
                while True:
                    answer = await Test.tell("step", name="ready")
                    call = answer.get("call")
                    if call is None:
                        break
                    r = await client.call_tool(call["tool"], call.get("arguments") or {})
                    await Test.tell(
                        "called",
                        tool=call["tool"],
                        is_error=bool(r.is_error),
                        text=text_of(r),
                        structured=r.structured_content,
                    )


if __name__ == "__main__":
    url, who, how = sys.argv[1:4]
    anyio.run(main, url, who, how)
