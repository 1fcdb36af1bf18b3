"""The outermost middleware: a cap on request bodies and security headers on every response."""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Headers every response carries (pages set their own, stricter CSP; these fill what is missing).
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), payment=()",
}
#: JSON and other non-page responses: nothing may run or load from them.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The API explorer at /docs: its own (self-hosted) script and styles only.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


#: Paths (by ending) that take file uploads: the API's attachments, the console's upload and action forms, the
#: public report form with its photos.
UPLOAD_PATHS = ("/attachments", "/act", "/report")


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


def _problem(status: int, title: str, detail: str) -> bytes:
    body = {"type": f"https://gridloop.dev/problems/http-{status}", "title": title, "status": status}
    return json.dumps({**body, "detail": detail, "errors": []}).encode()


class GuardMiddleware:
    """Refuses bodies over `max_body` bytes (413, before reading them when Content-Length says so) and adds
    the security headers (HSTS too when the request came over HTTPS)."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int | None = None) -> None:
        self.app = app
        self.max_body = max_body
        #: File uploads (POST …/attachments) may be larger than other bodies.
        self.max_upload = max(max_upload or max_body, max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if str(scope.get("path", "")).endswith(UPLOAD_PATHS) else self.max_body
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(scope, send, limit)
                return
        path: str = scope["path"]
        https = scope.get("scheme") == "https"
        started = False
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = DOCS_CSP if path.startswith("/docs") else API_CSP
                if https:
                    headers["strict-transport-security"] = "max-age=31536000"
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = _problem(413, "Request body too large", f"Send at most {limit} bytes.")
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in BASE_HEADERS.items()]
        headers.append((b"content-security-policy", API_CSP.encode()))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
