"""Who may use the audit page: the local machine, or holders of a token (issue 19).

On a loopback address no login is needed, but requests must name a loopback host (a page of
another site that points a DNS name at 127.0.0.1 is refused) and every form carries the
server's form secret (another site's page cannot post a verdict). Listening on any other address
must be asked for explicitly and then needs a token: a ``Bearer`` header, the ``extractor_token``
cookie, or ``?token=`` once (which sets the cookie).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "extractor_token"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class ServeError(ValueError):
    """The server cannot start as asked; the message says why and what to do."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool, token: str | None) -> str | None:
    """The token the server must require (None on loopback); refuses a non-loopback address that
    was not asked for explicitly. A remote server without a given token gets a random one."""
    if is_loopback(host):
        return token
    if not allow_remote:
        raise ServeError(f"refusing to listen on {host}: only loopback addresses (127.0.0.1, ::1) are served without "
                         "--allow-remote, which then requires a token (--token or EXTRACTOR_SERVE_TOKEN, else one is "
                         "made and printed)")
    if token is not None and len(token) < 16:
        raise ServeError("the token must be at least 16 characters long")
    return token or secrets.token_urlsafe(24)


def host_name(header: str) -> str:
    """The host of a Host header, without its port ("[::1]:8000" -> "[::1]")."""
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class Guard:
    """ASGI middleware: loopback host names only (unless remote), and the token when there is one."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback_only: bool) -> None:
        self.app = app
        self.token = token
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self.refuse(request)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refuse(self, request: Request) -> Response | None:
        host = host_name(request.headers.get("host") or "")
        if self.loopback_only and not is_loopback(host):
            return PlainTextResponse(f"host {host!r} is not served: open http://127.0.0.1 instead", status_code=400)
        if self.token is None:
            return None
        auth = request.headers.get("authorization") or ""
        given = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
        if same(given, self.token):
            return None
        query = request.query_params.get("token")
        if same(query, self.token):
            # the token leaves the address bar: it lives on in an HTTP-only cookie
            response = RedirectResponse(str(request.url.remove_query_params("token")), status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return response
        return PlainTextResponse("a token is required: open the address the server printed (it ends in ?token=...)",
                                 status_code=401)
