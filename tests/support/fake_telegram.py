"""A fake Telegram Bot API on 127.0.0.1 for tests and benchmarks.

python-telegram-bot reaches it through `base_url` (`server.base_url`, which ends in "/bot"),
so everything between the tracker and the HTTP wire is the real library. It implements the
methods the tracker uses, records every call with its parameters, and can be told to fail:
429 with retry_after, 403, 400 "chat not found", 400 "can't parse entities",
migrate_to_chat_id, 502, or to stall past the client's timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Tracker", "username": "tracker_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int = 200


@dataclass
class Rule:
    """Answer `method` (for `chat_id`, when given) with this failure, `times` times (None:
    until removed)."""

    method: str
    status: int
    body: dict[str, Any]
    chat_id: int | None = None
    times: int | None = 1
    delay: float = 0.0


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: Any
    edits: list[str] = field(default_factory=list)


def _error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class FakeTelegram:
    def __init__(self, token: str = "123:TEST") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.rules: list[Rule] = []
        self.messages: dict[tuple[int, int], Sent] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._lock = threading.Lock()
        self._new_update = threading.Condition(self._lock)
        self._polls = 0
        self.conflicts = 0
        # Called with (method, params) as each request arrives, before it is answered: lets a
        # test break something (the database) at the exact moment a message is in flight.
        self.on_request: Callable[[str, dict[str, Any]], None] | None = None
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = server._handle(self.path, self.headers.get("Content-Type", ""), raw)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

            do_GET = do_POST

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._new_update.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- scripting ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        kind: str,
        *,
        chat_id: int | None = None,
        times: int | None = 1,
        retry_after: int = 1,
        migrate_to: int = 0,
        stall: float = 0.0,
    ) -> Rule:
        """kind: retry_after, forbidden, chat_not_found, parse, migrate, bad_gateway, stall."""
        answers = {
            "retry_after": (
                429,
                _error(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                ),
            ),
            "forbidden": (403, _error(403, "Forbidden: bot was blocked by the user")),
            "chat_not_found": (400, _error(400, "Bad Request: chat not found")),
            "parse": (
                400,
                _error(400, "Bad Request: can't parse entities: unsupported start tag at 3"),
            ),
            "migrate": (
                400,
                _error(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=migrate_to,
                ),
            ),
            "bad_gateway": (502, _error(502, "Bad Gateway")),
            "stall": (200, {}),
        }
        status, body = answers[kind]
        rule = Rule(method, status, body, chat_id, times, stall if kind == "stall" else 0.0)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear_failures(self) -> None:
        with self._lock:
            self.rules.clear()

    def push_command(self, chat_id: int, text: str, user_id: int = 7, username: str = "ana") -> int:
        user = {"id": user_id, "is_bot": False, "first_name": username, "username": username}
        chat_type = "private" if chat_id > 0 else "supergroup"
        return self._push(
            lambda uid: {
                "message": {
                    "message_id": 100000 + uid,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": chat_type},
                    "from": user,
                    "text": text,
                    "entities": [
                        {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                    ],
                }
            }
        )

    def push_press(
        self, chat_id: int, message_id: int, data: str, user_id: int = 7, username: str = "ana"
    ) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": username, "username": username}
        sent = self.messages.get((chat_id, message_id))
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
            "text": sent.text if sent else "",
        }
        return self._push(
            lambda uid: {
                "callback_query": {
                    "id": f"cb{uid}",
                    "from": user,
                    "chat_instance": "1",
                    "message": message,
                    "data": data,
                }
            }
        )

    def _push(self, make: Any) -> int:
        with self._lock:
            uid = next(self._update_ids)
            self._updates.append({"update_id": uid, **make(uid)})
            self._new_update.notify_all()
            return uid

    # -- reading what happened ---------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and (ok is None or (c.status == 200) == ok)
            ]

    def sent_to(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    # -- the API -----------------------------------------------------------------------------

    def _handle(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 404, _error(404, "Not Found")
        method = path[len(prefix) :].split("?")[0]
        params = _params(content_type, raw)
        call = Call(method, params, time.monotonic())
        if self.on_request is not None:
            self.on_request(method, params)
        with self._lock:
            self.calls.append(call)
            rule = self._match(method, params)
        if rule is not None:
            call.status = rule.status
            if rule.delay:
                time.sleep(rule.delay)
            if rule.status != 200:
                return rule.status, rule.body
        handler = getattr(self, "_api_" + method, None)
        if handler is None:
            call.status = 404
            return 404, _error(404, "Not Found: method not found")
        status, body = handler(params)
        call.status = status
        return status, body

    def _match(self, method: str, params: dict[str, Any]) -> Rule | None:
        for rule in self.rules:
            if rule.method != method:
                continue
            if rule.chat_id is not None and str(rule.chat_id) != str(params.get("chat_id")):
                continue
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    self.rules.remove(rule)
            return rule
        return None

    def _message(self, chat_id: int, text: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            ids = self._message_ids.setdefault(chat_id, itertools.count(1))
            message_id = next(ids)
            self.messages[(chat_id, message_id)] = Sent(
                chat_id, message_id, text, params.get("parse_mode"), params.get("reply_markup")
            )
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "text": text,
        }

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": BOT_USER}

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text:
            return 400, _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:  # Telegram counts UTF-16 units
            return 400, _error(400, "Bad Request: message is too long")
        return 200, {"ok": True, "result": self._message(chat_id, text, params)}

    def _api_sendPhoto(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        return 200, {
            "ok": True,
            "result": self._message(chat_id, params.get("caption", ""), params),
        }

    def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        text = str(params.get("text", ""))
        with self._lock:
            sent = self.messages.get(key)
            if sent is None:
                return 400, _error(400, "Bad Request: message to edit not found")
            if sent.text == text and sent.reply_markup == params.get("reply_markup"):
                return 400, _error(400, "Bad Request: message is not modified")
            sent.edits.append(text)
            sent.text, sent.reply_markup = text, params.get("reply_markup")
            sent.parse_mode = params.get("parse_mode")
        result = {
            "message_id": key[1],
            "date": int(time.time()),
            "chat": {"id": key[0], "type": "private" if key[0] > 0 else "supergroup"},
            "text": text,
        }
        return 200, {"ok": True, "result": result}

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            # Like Telegram, a newer getUpdates ends the one still waiting with 409 Conflict
            # (two bot instances polling at once).
            self._polls += 1
            mine = self._polls
            self._new_update.notify_all()
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._new_update.wait(deadline - time.monotonic())
                if self._polls != mine:
                    self.conflicts += 1
                    return 409, _error(409, "Conflict: terminated by other getUpdates request")
            result = list(self._updates)
        return 200, {"ok": True, "result": result}

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": True}

    def _api_setMyCommands(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": True}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": True}


def _params(content_type: str, raw: bytes) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose complex values are JSON strings."""
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        data: dict[str, Any] = json.loads(raw)
        return data
    if content_type.startswith("multipart/form-data"):  # sendPhoto uploads the picture
        return _multipart(content_type, raw)
    out: dict[str, Any] = {}
    for key, values in parse_qs(raw.decode(), keep_blank_values=True).items():
        value: Any = values[-1]
        if key in ("reply_markup", "allowed_updates", "commands", "link_preview_options"):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form fields as text; uploaded files as bytes."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        out[name] = payload if part.get_filename() else payload.decode()
    return out
