"""A small fake Discord on 127.0.0.1: the REST routes and the gateway websocket discord.py uses.

The real discord.py client logs in, connects to the gateway and answers interactions against
this server, which records every REST request (method, path, JSON body) so tests can assert
the exact payloads the bot sent. Tests drive it by dispatching gateway events:
`slash(...)`, `click(...)`, `autocomplete(...)`, `post_message(...)`.

Point discord.py at it with `discord.http.Route.BASE = fake.api_base` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
NOW = "2024-05-01T12:00:00.000000+00:00"
MANAGE_GUILD = 1 << 5
EVERYDAY_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31)
)  # view, send, embed, history, use commands

Json = dict[str, Any]

# the JSON error bodies Discord sends (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
ERRORS: dict[int, Json] = {
    400: {"message": "Invalid Form Body", "code": 50035},
    403: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "Unknown Channel", "code": 10003},
    500: {"message": "500: Internal Server Error", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
}


@dataclass
class Recorded:
    """One REST request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any  # parsed JSON, or a dict of multipart fields, or None
    at: float = field(default_factory=time.perf_counter)  # when the request arrived

    @property
    def json(self) -> Json:
        assert isinstance(self.body, dict), self.body
        return self.body


@dataclass
class FakeInteraction:
    id: int
    token: str
    guild_id: int | None
    channel_id: int
    user_id: int

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"

    def webhook_path(self, app_id: int) -> str:
        return f"/webhooks/{app_id}/{self.token}"


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int
    retry_after: float
    body: Json | None = None


def user_payload(user_id: int, name: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class FakeGuild:
    id: int
    name: str
    channel_ids: list[int]
    roles: dict[str, int] = field(default_factory=dict)  # role name -> id
    bot_role: int | None = None  # the bot's managed role (Discord makes one for bots it installs)


class FakeDiscord:
    """REST + gateway on one aiohttp server. Use `async with FakeDiscord() as fake:`."""

    def __init__(self, *, app_id: int = 900_000_000_000_000_001, bot_name: str = "newsdesk") -> None:
        self.app_id = app_id
        self.bot_user = user_payload(app_id, bot_name, bot=True)
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, Json] = {}
        self.messages: dict[int, Json] = {}
        self.users: dict[int, Json] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # name -> (content, content type)
        self.commands: dict[str, list[Json]] = {}  # "global" or guild id -> last synced commands
        self.requests: list[Recorded] = []
        self.identify: Json | None = None
        self.identifies: list[Json] = []  # every IDENTIFY, e.g. one per shard
        self._shard_ws: dict[int, web.WebSocketResponse] = {}
        self._shard_count = 1
        self.port = 0
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._identified = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._originals: dict[str, int | None] = {}  # interaction token -> original response id
        self._token_channels: dict[str, int] = {}  # interaction token -> channel id
        self._component_messages: dict[str, int] = {}  # interaction token -> message clicked

    # -- life cycle -------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined,union-attr,unused-ignore]

    async def close(self) -> None:
        for ws in {id(w): w for w in [self._ws, *self._shard_ws.values()] if w is not None}.values():
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_identified(self, timeout: float = 30, count: int = 1) -> None:
        """Until `count` gateway sessions (shards) have identified."""

        async def enough() -> None:
            await self._identified.wait()
            while len(self.identifies) < count:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(enough(), timeout)

    def shard_of(self, guild_id: int) -> int:
        """Discord's rule: (guild_id >> 22) % shard_count."""
        return (guild_id >> 22) % self._shard_count

    # -- world ------------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def add_user(self, name: str) -> int:
        uid = self.next_id()
        self.users[uid] = user_payload(uid, name)
        return uid

    def add_guild(
        self, name: str, *, roles: tuple[str, ...] = (), guild_id: int | None = None, bot_role: bool = False
    ) -> FakeGuild:
        gid = guild_id or self.next_id()
        cid = self.next_id()
        guild = FakeGuild(
            gid, name, [cid], {r: self.next_id() for r in roles}, self.next_id() if bot_role else None
        )
        self.guilds[gid] = guild
        self.channels[cid] = {
            "id": str(cid),
            "type": 0,
            "guild_id": str(gid),
            "name": "news",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        return guild

    def _guild_create(self, guild: FakeGuild) -> Json:
        everyone = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": str(EVERYDAY_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
        }
        roles = [everyone] + [
            {
                "id": str(rid),
                "name": name,
                "permissions": "0",
                "position": i + 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            }
            for i, (name, rid) in enumerate(guild.roles.items())
        ]
        if guild.bot_role is not None:
            tags = {"bot_id": str(self.app_id)}
            roles.append(dict(roles[0], id=str(guild.bot_role), name="newsdesk", managed=True, tags=tags))
        return {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(self.next_id()),
            "unavailable": False,
            "member_count": 2,
            "large": False,
            "features": [],
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "channels": [self.channels[c] for c in guild.channel_ids],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "members": [self._member(self.app_id, [guild.bot_role] if guild.bot_role else [], guild.id)],
            "joined_at": NOW,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "afk_timeout": 300,
            "system_channel_flags": 0,
        }

    def _member(self, user_id: int, roles: list[int], guild_id: int, permissions: int | None = None) -> Json:
        user = self.bot_user if user_id == self.app_id else self.users[user_id]
        member: Json = {
            "user": user,
            "roles": [str(r) for r in roles],
            "joined_at": NOW,
            "flags": 0,
            "deaf": False,
            "mute": False,
            "nick": None,
            "pending": False,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    # -- failures ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: float = 0.01,
        body: Json | None = None,
    ) -> None:
        """The next `times` requests matching answer `status` (429 with retry_after and Via),
        with Discord's JSON error `body` (by default the one Discord sends for that status)."""
        self._failures.append(Failure(method, re.compile(path_regex), times, status, retry_after, body))

    def _take_failure(self, method: str, path: str) -> Failure | None:
        for f in self._failures:
            if f.method == method and f.pattern.search(path) and f.times > 0:
                f.times -= 1
                return f
        return None

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], *, count: int = 1, timeout: float = 60
    ) -> list[Recorded]:
        """The first `count` recorded requests matching `predicate` (waits for them)."""

        def found() -> list[Recorded]:
            return [r for r in self.requests if predicate(r)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count), timeout)
        return found()[:count]

    async def wait_request(
        self, method: str, path: str, *, count: int = 1, timeout: float = 60
    ) -> list[Recorded]:
        return await self.wait_for(
            lambda r: r.method == method and r.path == path, count=count, timeout=timeout
        )

    def sent(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def for_interaction(self, inter: FakeInteraction) -> list[Recorded]:
        """Every request the bot made to answer this interaction, in order."""
        return [r for r in self.requests if inter.token in r.path]

    async def _record(self, rec: Recorded) -> None:
        async with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()

    # -- gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None}))
            elif op == 2:
                self.identify = data["d"]
                self.identifies.append(data["d"])
                shard = list(data["d"].get("shard") or [0, 1])
                self._shard_ws[shard[0]] = ws
                self._shard_count = shard[1]
                await self._send_ready(ws, shard)
                self._identified.set()
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse, shard: list[int]) -> None:
        mine = [g for g in self.guilds.values() if (g.id >> 22) % shard[1] == shard[0]]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "session_id": f"fake-session-{shard[0]}",
            "shard": shard,
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in mine],
            "application": {"id": str(self.app_id), "flags": 0},
        }
        await self._send_event(ws, "READY", ready)
        for guild in mine:
            await self._send_event(ws, "GUILD_CREATE", self._guild_create(guild))

    async def _send_event(self, ws: web.WebSocketResponse, event: str, data: Json) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def dispatch(self, event: str, data: Json) -> None:
        """Send an event on the gateway session of the shard that owns its guild."""
        ws = self._ws
        if len(self._shard_ws) > 1 and data.get("guild_id"):
            ws = self._shard_ws.get(self.shard_of(int(data["guild_id"])), ws)
        assert ws is not None, "the bot has not connected to the gateway"
        await self._send_event(ws, event, data)

    @property
    def intents(self) -> int:
        return int(self.identify["intents"]) if self.identify else 0

    # -- driving the bot --------------------------------------------------------------------

    def _interaction_base(
        self,
        kind: int,
        guild_id: int | None,
        user_id: int,
        *,
        channel_id: int | None = None,
        permissions: int = EVERYDAY_PERMISSIONS,
        roles: tuple[str, ...] = (),
    ) -> tuple[FakeInteraction, Json]:
        iid = self.next_id()
        token = f"tok{iid}"
        payload: Json = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 8 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or user_id)},
            "app_permissions": str(EVERYDAY_PERMISSIONS),
        }
        if guild_id is not None:
            guild = self.guilds[guild_id]
            cid = channel_id or guild.channel_ids[0]
            role_ids = [guild.roles[r] for r in roles]
            payload.update(
                guild_id=str(guild_id),
                guild_locale="en-US",
                context=0,
                channel_id=str(cid),
                channel=self.channels[cid],
                member=self._member(user_id, role_ids, guild_id, permissions),
            )
        else:
            cid = channel_id or self.next_id()
            payload.update(
                context=1,
                channel_id=str(cid),
                user=self.users[user_id],
                channel={"id": str(cid), "type": 1, "recipients": [self.users[user_id]]},
            )
        self._token_channels[token] = cid
        return FakeInteraction(iid, token, guild_id, cid, user_id), payload

    async def slash(
        self,
        name: str,
        options: list[Json] | None = None,
        *,
        guild_id: int | None,
        user_id: int,
        permissions: int = EVERYDAY_PERMISSIONS,
        roles: tuple[str, ...] = (),
        resolved: Json | None = None,
        kind: int = 2,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for `/name` (kind 4 = autocomplete)."""
        inter, payload = self._interaction_base(kind, guild_id, user_id, permissions=permissions, roles=roles)
        data: Json = {
            "id": str(self._command_id(name)),
            "name": name,
            "type": 1,
            "options": options or [],
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        if resolved:
            data["resolved"] = resolved
        payload["data"] = data
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    async def autocomplete(self, name: str, options: list[Json], **kw: Any) -> FakeInteraction:
        return await self.slash(name, options, kind=4, **kw)

    async def click(
        self,
        message: Json,
        custom_id: str,
        *,
        user_id: int,
        permissions: int = EVERYDAY_PERMISSIONS,
    ) -> FakeInteraction:
        """Dispatch a button press on `message` (a message this fake stored)."""
        guild_id = int(message["guild_id"]) if message.get("guild_id") else None
        inter, payload = self._interaction_base(
            3, guild_id, user_id, channel_id=int(message["channel_id"]), permissions=permissions
        )
        payload["message"] = message
        self._component_messages[inter.token] = int(message["id"])
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def attachment(self, name: str, content: bytes, content_type: str = "text/plain") -> Json:
        """Store a file and return its attachment payload (for `resolved.attachments`)."""
        aid = self.next_id()
        self.files[f"{aid}-{name}"] = (content, content_type)
        url = f"http://127.0.0.1:{self.port}/attachments/{aid}-{name}"
        return {
            "id": str(aid),
            "filename": name,
            "size": len(content),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    async def post_message(
        self,
        channel_id: int,
        content: str,
        *,
        author_id: int,
        mention_bot: bool = False,
        mention_roles: tuple[int, ...] = (),
        reply_to: Json | None = None,
        reply_ping: bool = True,
        message_type: int = 0,
        deliver: bool = True,
    ) -> Json:
        """A user posts in a channel or thread; dispatched as MESSAGE_CREATE.

        Like Discord, the content is blanked unless the bot asked for the message content
        intent, is mentioned, or the message is a DM. A reply (`reply_to`, a stored message) is
        type 19 with `message_reference` and `referenced_message`; with the reply ping (Discord's
        default) the replied-to author is in `mentions`, and the bot counts as mentioned.
        `message_type` makes a system message (4: thread renamed); `deliver=False` stores the
        message without dispatching it (posted while the bot was offline).
        """
        channel = self.channels[channel_id]
        guild_id = int(channel["guild_id"])
        message = self._message(channel_id, content, self.users[author_id], guild_id=guild_id)
        mentions = [self.bot_user] if mention_bot else []
        if reply_to is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                "guild_id": str(guild_id),
            }
            message["referenced_message"] = reply_to
            if reply_ping and reply_to["author"] not in mentions:
                mentions.append(reply_to["author"])
        message["type"] = message_type or (19 if reply_to is not None else 0)
        message["mentions"] = mentions
        message["mention_roles"] = [str(r) for r in mention_roles]
        message["member"] = {k: v for k, v in self._member(author_id, [], guild_id).items() if k != "user"}
        self.messages[int(message["id"])] = message
        event = dict(message)
        message_content_intent = bool(self.intents & (1 << 15))
        if not (message_content_intent or self.bot_user in mentions):
            event["content"] = ""
        if deliver:
            await self.dispatch("MESSAGE_CREATE", event)
        return message

    def channel_messages(self, channel_id: int) -> list[Json]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def _command_id(self, name: str) -> int:
        for cmds in self.commands.values():
            for c in cmds:
                if c["name"] == name:
                    return int(c["id"])
        return self.next_id()

    def _message(
        self,
        channel_id: int,
        content: str,
        author: Json,
        *,
        guild_id: int | None,
        body: Json | None = None,
        webhook_id: int | None = None,
    ) -> Json:
        body = body or {}
        mid = self.next_id()
        message: Json = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": 0,
            "content": content,
            "author": author,
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": NOW,
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
        }
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(webhook_id)
        return message

    # -- REST -------------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        content, content_type = found
        return web.Response(body=content, headers={"Content-Type": content_type})

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            body = {}
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None) or "?"
                raw = await part.read()  # type: ignore[union-attr]
                body[name] = json.loads(raw) if name == "payload_json" else raw
            if "payload_json" in body:
                files = {k: v for k, v in body.items() if k != "payload_json"}
                body = dict(body["payload_json"], _files=files)
        rec = Recorded(request.method, path, dict(request.query), body)
        await self._record(rec)
        failure = self._take_failure(request.method, path)
        if failure is not None and failure.status == 429:
            err = failure.body or {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": False,
                "code": 0,
            }
            headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user"}
            return self._json(err, status=failure.status, headers=headers)
        if failure is not None:
            err = failure.body or ERRORS.get(failure.status) or {"message": str(failure.status), "code": 0}
            return self._json(err, status=failure.status)
        result = await self._route(request.method, path, body, rec.query)
        if result is None:
            return web.Response(status=204)
        status, payload = result
        return self._json(payload, status=status)

    @staticmethod
    def _json(payload: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly `application/json`: aiohttp's json_response adds a charset and breaks login.
        resp = web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)
        resp.headers["Content-Type"] = "application/json"
        return resp

    async def _route(
        self, method: str, path: str, body: Any, query: dict[str, str]
    ) -> tuple[int, Any] | None:
        app = str(self.app_id)
        if method == "GET" and path == "/users/@me":
            return 200, self.bot_user
        if method == "GET" and path == "/oauth2/applications/@me":
            return 200, {
                "id": app,
                "name": "newsdesk",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "00",
                "flags": 0,
                "owner": user_payload(self.next_id(), "owner"),
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "tags": [],
            }
        if method == "GET" and path == "/gateway/bot":  # AutoShardedBot with shard_count=None
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return 200, {"url": self.gateway_url, "shards": 2, "session_start_limit": limit}
        m = re.fullmatch(rf"/applications/{app}(?:/guilds/(\d+))?/commands", path)
        if m:
            scope = m.group(1) or "global"
            if method == "PUT":
                cmds = [dict(c, id=str(self.next_id()), application_id=app, version="1") for c in body]
                self.commands[scope] = cmds
                return 200, cmds
            return 200, self.commands.get(scope, [])
        m = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        if m:
            return self._callback(int(m.group(1)), m.group(2), body)
        m = re.fullmatch(rf"/webhooks/{app}/([^/]+)(?:/messages/(@original|\d+))?", path)
        if m:
            return self._webhook(method, m.group(1), m.group(2), body)
        m = re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)
        if m and method == "POST":
            return await self._start_thread(int(m.group(1)), int(m.group(2)), body)
        m = re.fullmatch(r"/channels/(\d+)/messages", path)
        if m:
            cid = int(m.group(1))
            if method == "POST":
                return 200, self._store_bot_message(cid, body)
            msgs = sorted(self.channel_messages(cid), key=lambda x: int(x["id"]), reverse=True)
            count = int(query.get("limit", 50))
            if "after" in query:  # like Discord: the `limit` oldest after it, newest first
                return 200, [x for x in msgs if int(x["id"]) > int(query["after"])][-count:]
            before = int(query.get("before") or 1 << 64)
            return 200, [x for x in msgs if int(x["id"]) < before][:count]
        m = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)
        if m and method in ("GET", "PATCH"):
            msg = self.messages.get(int(m.group(2)))
            if msg is None or int(msg["channel_id"]) != int(m.group(1)):
                return 404, {"message": "Unknown Message", "code": 10008}
            if method == "PATCH":  # the bot edits its own message: the fields it sends replace
                msg.update({k: v for k, v in body.items() if k in ("content", "embeds")})
            return 200, msg
        m = re.fullmatch(r"/channels/(\d+)/typing", path)
        if m:
            return None
        m = re.fullmatch(r"/channels/(\d+)", path)
        if m and method == "GET" and int(m.group(1)) in self.channels:
            return 200, self.channels[int(m.group(1))]
        return 404, {"message": f"fake discord: no route {method} {path}", "code": 0}

    def _guild_of_channel(self, channel_id: int) -> int | None:
        ch = self.channels.get(channel_id)
        return int(ch["guild_id"]) if ch and ch.get("guild_id") else None

    def _store_bot_message(self, channel_id: int, body: Json) -> Json:
        msg = self._message(
            channel_id,
            body.get("content") or "",
            self.bot_user,
            guild_id=self._guild_of_channel(channel_id),
            body=body,
        )
        self.messages[int(msg["id"])] = msg
        return msg

    def _callback(self, iid: int, token: str, body: Json) -> tuple[int, Json]:
        kind = body.get("type")
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        result: Json = {
            "interaction": {
                "id": str(iid),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            }
        }
        channel_id = self._token_channels.get(token, 0)
        if kind == 4:  # a message: it becomes the original response
            msg = self._message(
                channel_id,
                data.get("content") or "",
                self.bot_user,
                guild_id=self._guild_of_channel(channel_id),
                body=data,
                webhook_id=self.app_id,
            )
            self.messages[int(msg["id"])] = msg
            self._originals[token] = int(msg["id"])
            result["resource"] = {"type": kind, "message": msg}
        elif kind == 7:  # update the message the component was on
            msg = self.messages[self._component_messages[token]]
            for key in ("content", "embeds", "components"):
                if key in data:
                    msg[key] = data[key]
            result["resource"] = {"type": kind, "message": msg}
        return 200, result

    def _webhook(
        self, method: str, token: str, which: str | None, body: Json | None
    ) -> tuple[int, Any] | None:
        channel_id = self._channel_of_token(token)
        guild_id = self._guild_of_channel(channel_id) if channel_id else None
        if which is None and method == "POST":
            msg = self._message(
                channel_id or 0,
                (body or {}).get("content") or "",
                self.bot_user,
                guild_id=guild_id,
                body=body,
                webhook_id=self.app_id,
            )
            self.messages[int(msg["id"])] = msg
            if self._originals.get(token) is None:
                self._originals[token] = int(msg["id"])
            return 200, msg
        mid = self._originals.get(token) if which == "@original" else int(which or 0)
        if method == "DELETE":
            if mid is not None:
                self.messages.pop(mid, None)
            self._originals[token] = None
            return None
        if mid is None or mid not in self.messages:
            if which == "@original" and method == "PATCH":
                msg = self._message(
                    channel_id or 0, "", self.bot_user, guild_id=guild_id, webhook_id=self.app_id
                )
                self.messages[int(msg["id"])] = msg
                self._originals[token] = mid = int(msg["id"])
            else:
                return 404, {"message": "Unknown Message", "code": 10008}
        msg = self.messages[mid]
        if method == "PATCH" and body:
            for key in ("content", "embeds", "components", "flags"):
                if key in body:
                    msg[key] = body[key]
        return 200, msg

    def _channel_of_token(self, token: str) -> int | None:
        return self._token_channels.get(token)

    async def _start_thread(self, channel_id: int, message_id: int, body: Json) -> tuple[int, Json]:
        guild_id = self._guild_of_channel(channel_id)
        tid = message_id  # Discord gives a thread started from a message the message's id
        thread: Json = {
            "id": str(tid),
            "guild_id": str(guild_id),
            "parent_id": str(channel_id),
            "owner_id": str(self.app_id),
            "name": body["name"],
            "type": 11,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": NOW,
                "locked": False,
            },
        }
        self.channels[tid] = thread
        event = dict(thread, newly_created=True)
        task = asyncio.ensure_future(self.dispatch("THREAD_CREATE", event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 200, thread
