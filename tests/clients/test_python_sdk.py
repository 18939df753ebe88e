"""okta-mcp driven by the official MCP Python SDK, against fake-okta, over
stdio and over Streamable HTTP (``okta-mcp serve --http`` in local
single-user mode, ``OKTA_MCP_HTTP_AUTH=none``).

Every test runs in both transports and twice in each:
  * ``legacy``: the classic ``initialize`` handshake (protocol 2025-11-25);
    elicitation arrives as a server-to-client ``elicitation/create`` request.
  * ``auto``: the SDK's default. It probes ``server/discover`` and, when the
    server answers, speaks 2026-07-28 (no initialize; elicitation comes back
    inside an ``InputRequiredResult`` and the SDK retries the call with the
    answers: a multi-round-trip result).

Binaries: OKTA_MCP_BIN / FAKE_OKTA_BIN, default target/debug/{okta-mcp,fake-okta}.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import time
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[2]
OKTA_MCP = os.environ.get("OKTA_MCP_BIN", str(ROOT / "target/debug/okta-mcp"))
FAKE_OKTA = os.environ.get("FAKE_OKTA_BIN", str(ROOT / "target/debug/fake-okta"))
TOKEN = "clients-test-token"
SCOPES = "okta.users.read okta.groups.manage"
STEP_TIMEOUT = 60  # seconds for a whole test body (start, handshake, calls)

MODES = {"legacy": "2025-11-25", "auto": "2026-07-28"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=list(MODES))
def mode(request):
    return request.param


@pytest.fixture(params=["stdio", "http"])
def transport(request):
    return request.param


@pytest.fixture
def fake_okta(tmp_path):
    """A fresh fake Okta per test (deletes don't leak between tests)."""
    log = open(tmp_path / "fake-okta.log", "w")
    proc = subprocess.Popen(
        [FAKE_OKTA, "--users", "25", "--token", TOKEN, "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 20
        url = ""
        while not url and time.monotonic() < deadline and proc.poll() is None:
            if sel.select(timeout=0.5):
                url = proc.stdout.readline().strip()
        sel.close()
        assert url.startswith("http://127.0.0.1:"), f"fake-okta did not start: {url!r}"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def server_log(tmp_path):
    path = tmp_path / "okta-mcp.stderr"
    yield path
    # Shown by pytest only when the test fails.
    if path.exists():
        print(f"--- okta-mcp stderr ({path}) ---")
        print(path.read_text(errors="replace")[-4000:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def http_server(env, server_log):
    """``okta-mcp serve --http`` on a free loopback port; yields the MCP URL."""
    port = free_port()
    env = dict(env, OKTA_MCP_HTTP_AUTH="none")
    with open(server_log, "a") as errlog:
        proc = subprocess.Popen(
            [OKTA_MCP, "serve", "--http", f"127.0.0.1:{port}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                assert proc.poll() is None, "okta-mcp serve --http exited"
                assert time.monotonic() < deadline, "okta-mcp serve --http did not answer /healthz"
                await anyio.sleep(0.05)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@asynccontextmanager
async def connect(url, server_log, mode, transport="stdio", **kwargs):
    env = dict(os.environ)
    env.update(OKTA_ORG_URL=url, OKTA_SCOPES=SCOPES, OKTA_API_TOKEN=TOKEN)
    if transport == "http":
        async with http_server(env, server_log) as mcp_url:
            async with Client(mcp_url, mode=mode, **kwargs) as client:
                assert client.protocol_version == MODES[mode], client.protocol_version
                yield client
        return
    params = StdioServerParameters(command=OKTA_MCP, args=[], env=env)
    with open(server_log, "a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode, **kwargs) as client:
            assert client.protocol_version == MODES[mode], client.protocol_version
            yield client


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def a_group_id(client) -> str:
    r = await client.call_tool("list_groups", {"limit": 20})
    assert not r.is_error, text_of(r)
    groups = [g for g in r.structured_content["items"] if g.get("type") == "OKTA_GROUP"]
    assert groups, r.structured_content
    return groups[0]["id"]


async def assert_group_gone(client, gid):
    r = await client.call_tool("get_group", {"groupId": gid})
    assert r.is_error, f"group {gid} still exists: {text_of(r)}"
    assert "E0000007" in text_of(r), text_of(r)


@pytest.mark.anyio
async def test_list_tools_gated_by_scopes(fake_okta, server_log, mode, transport):
    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport) as client:
            assert client.server_info is not None and client.server_info.name == "okta-mcp"
            tools = await client.list_tools()
            names = {t.name for t in tools.tools}
            assert "list_users" in names, sorted(names)
            assert "delete_group" in names, sorted(names)
            assert "create_user" not in names, "okta.users.manage not granted: create_user must be hidden"
            delete = next(t for t in tools.tools if t.name == "delete_group")
            assert delete.annotations is not None and delete.annotations.destructive_hint is True


@pytest.mark.anyio
async def test_read_tool(fake_okta, server_log, mode, transport):
    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport) as client:
            r = await client.call_tool("list_users", {"limit": 3})
            assert not r.is_error, text_of(r)
            assert r.structured_content is not None
            assert len(r.structured_content["items"]) == 3, r.structured_content
            assert isinstance(r.structured_content.get("next_cursor"), str)


@pytest.mark.anyio
async def test_tool_error_unknown_user(fake_okta, server_log, mode, transport):
    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport) as client:
            r = await client.call_tool("get_user", {"id": "00unosuchuser000000"})
            assert r.is_error
            assert "E0000007" in text_of(r), text_of(r)


@pytest.mark.anyio
async def test_destructive_confirmed_by_elicitation(fake_okta, server_log, mode, transport):
    asked: list[types.ElicitRequestParams] = []

    async def accept(context, params):
        asked.append(params)
        return types.ElicitResult(action="accept", content={"confirm": True})

    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport, elicitation_callback=accept) as client:
            gid = await a_group_id(client)
            r = await client.call_tool("delete_group", {"groupId": gid})
            assert not r.is_error, text_of(r)
            assert len(asked) == 1, asked
            assert gid in asked[0].message, asked[0].message
            await assert_group_gone(client, gid)


@pytest.mark.anyio
async def test_destructive_declined_by_elicitation(fake_okta, server_log, mode, transport):
    async def decline(context, params):
        return types.ElicitResult(action="decline")

    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport, elicitation_callback=decline) as client:
            gid = await a_group_id(client)
            r = await client.call_tool("delete_group", {"groupId": gid})
            assert r.is_error, text_of(r)
            r = await client.call_tool("get_group", {"groupId": gid})
            assert not r.is_error, f"declined, yet the group is gone: {text_of(r)}"


@pytest.mark.anyio
async def test_destructive_without_elicitation_needs_confirm_flag(fake_okta, server_log, mode, transport):
    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(fake_okta, server_log, mode, transport) as client:  # no elicitation callback
            gid = await a_group_id(client)
            r = await client.call_tool("delete_group", {"groupId": gid})
            assert r.is_error, text_of(r)
            assert '"confirm": true' in text_of(r), text_of(r)
            r = await client.call_tool("get_group", {"groupId": gid})
            assert not r.is_error, f"unconfirmed delete reached Okta: {text_of(r)}"
            r = await client.call_tool("delete_group", {"groupId": gid, "confirm": True})
            assert not r.is_error, text_of(r)
            await assert_group_gone(client, gid)


@pytest.mark.anyio
async def test_modern_elicitation_is_an_input_required_result(fake_okta, server_log, transport):
    """At 2026-07-28 the confirmation must come back as an InputRequiredResult (no server->client request)."""

    async def must_not_be_called(context, params):
        raise AssertionError("elicitation must travel inside InputRequiredResult, driven by hand here")

    with anyio.fail_after(STEP_TIMEOUT):
        async with connect(
            fake_okta, server_log, "auto", transport, elicitation_callback=must_not_be_called
        ) as client:
            gid = await a_group_id(client)
            first = await client.session.call_tool("delete_group", {"groupId": gid}, allow_input_required=True)
            assert isinstance(first, types.InputRequiredResult), first
            assert first.input_requests, first
            (key, req), = first.input_requests.items()
            assert isinstance(req, types.ElicitRequest), req
            assert gid in req.params.message
            done = await client.session.call_tool(
                "delete_group",
                {"groupId": gid},
                input_responses={key: types.ElicitResult(action="accept", content={"confirm": True})},
                request_state=first.request_state,
                allow_input_required=True,
            )
            assert isinstance(done, types.CallToolResult), done
            assert not done.is_error, text_of(done)
            await assert_group_gone(client, gid)
