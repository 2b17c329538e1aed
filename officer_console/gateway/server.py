"""JSON errors even for requests aiohttp refuses before any handler runs (header lines over
the parser limit, malformed request lines): aiohttp answers those from
``RequestHandler.handle_error`` with ``text/plain``. Its only hook is the request handler
class, so the gateway's runner serves connections with a subclass that keeps aiohttp's
logging and connection handling and only replaces the body with the JSON error shape."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from officer_console.gateway.errors import error_response

_PARSER_MESSAGES = {
    400: ("bad_request", "请求格式不正确或请求头过大"),
    413: ("payload_too_large", "请求内容过大"),
    431: ("headers_too_large", "请求头过大"),
}


class JsonErrorRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs; refuses if bytes were sent
        code, text = _PARSER_MESSAGES.get(status, ("internal_error", "服务器内部错误，请稍后重试"))
        response = error_response(status, code, text)
        response.force_close()
        return response


class JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """An AppRunner whose connections answer parser-level errors in the JSON shape."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = JsonErrorServer  # same state, JSON handle_error
        return server
