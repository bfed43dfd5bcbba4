"""What a request to the API may carry, checked once for every operation before its view
runs: a body of a media type the operation takes (415), within its size (413), JSON that
parses (400), and no NUL or lone surrogate in any text — body, query string or path (422,
naming where). PostgreSQL cannot store a NUL and a lone surrogate cannot be encoded, so
either would otherwise surface as a server error deep in a service."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from caseflow.domain.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

JSON_TYPES = ("application/json",)
JSON_MAX_BYTES = 1024 * 1024  # a JSON body (a case, a settlement, a schedule) is far smaller
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
ID_MAX = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger one names nothing (404)


class BoundedInt(IntegerConverter):
    """``<int:…>`` in the API's routes: 0 … 2³¹−1; a larger number matches no route (404),
    so no database is asked about an id it cannot hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def _bad_text(value: Any, where: str) -> str | None:
    """The first place in ``value`` (nested) holding a NUL or a lone surrogate."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _BAD_TEXT.search(item):
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and _BAD_TEXT.search(key):
                    return path
                stack.append((inner, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]") for i, inner in enumerate(item))
    return None


def _refuse_text(where: str) -> ValidationFailed:
    field = where.split(".", 1)[0].split("[", 1)[0] or "body"
    return ValidationFailed(f"{where or 'body'}: text may not hold a NUL character or a lone "
                            f"surrogate", field=field)


def _view_says(name: str, default: Any) -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(getattr(view, "view_class", None), name, default)


def check_request() -> None:
    """Refuse, before any view or service runs, what no operation of the API takes. An
    operation that reads another media type (``body_types``) checks its own body; one that
    answers odd text its own way (``checks_own_text``: signing in) is left to do so."""
    if request.routing_exception is not None:
        return  # no such route or method: Flask answers 404 / 405 (with Allow) itself
    own_text = _view_says("checks_own_text", False)
    if not own_text:
        for name, value in (request.view_args or {}).items():
            if isinstance(value, str) and _BAD_TEXT.search(value):
                raise _refuse_text(name)
        for name, values in request.args.lists():
            if _BAD_TEXT.search(name):
                raise _refuse_text("query")
            for value in values:
                if _BAD_TEXT.search(value):
                    raise _refuse_text(name)
    if request.method in ("GET", "HEAD", "OPTIONS") or not _has_body():
        return
    kinds = tuple(_view_says("body_types", JSON_TYPES))
    if request.mimetype not in kinds and not (request.is_json and "application/json" in kinds):
        raise UnsupportedMediaType(f"this operation takes {' or '.join(kinds)}, not "
                                   f"{request.mimetype or 'a body without a type'}")
    if kinds != JSON_TYPES:
        return  # an upload or a schedule: its operation checks its own size and content
    if (request.content_length or 0) > JSON_MAX_BYTES:
        raise PayloadTooLarge(f"a JSON body is at most {JSON_MAX_BYTES // 1024} KiB")
    raw = request.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES:  # chunked: no Content-Length to go by
        raise PayloadTooLarge(f"a JSON body is at most {JSON_MAX_BYTES // 1024} KiB")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON, a 5000-digit number, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
        raise BadRequest(f"the body is not valid JSON: {reason}") from None
    where = None if own_text else _bad_text(body, "")
    if where is not None:
        raise _refuse_text(where)
