"""A small HTTP client for the API tests: real requests over a socket, JSON in and out,
multipart for uploads; errors come back as (status, headers, body) like successes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from caseflow.services.tokens import create_token


def call(base: str, method: str, path: str, token: str | None = None,
         body: object = None, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    """One request; the body is parsed as JSON when the response is JSON, else returned as
    bytes."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None and raw is None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), _body(resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), _body(err.headers, err.read())


def _body(headers: Any, content: bytes) -> Any:
    kind = headers.get("Content-Type", "")
    if "json" in kind:
        return json.loads(content or b"null")
    return content


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
              ) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type; files map a field to
    (filename, media type, content)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, (filename, media_type, content) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {media_type}\r\n\r\n").encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def issue(uow: Any, username: str, days: int = 30) -> str:
    """A fresh API token for ``username`` (issued by the demo admin); returns the secret."""
    _record, secret = create_token(uow(), for_user=username, name="浙江知识产权在线对接",
                                   actor="zhao.admin", days=days, reason="省平台对接测试")
    return secret
