"""A sentence the engine says, kept translatable: ``Said`` is the English text itself (a
``str``, so every caller, the API and the tests read exactly what they always read) that also
remembers its ``template`` (marked ``N_``) and ``params``, so a page can say it in its own
language. A param may itself be ``Said`` (a clock's title, "3 day(s)"), or ``Joined`` parts.
``Said.both`` carries a text whose Chinese is already known (a clock's or state's title)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _rebuild(template: str, params: dict[str, Any], zh: str | None) -> Said:
    return Said(template, params, zh=zh)


class Said(str):
    """``template % params`` as a ``str``, with the template and params kept for translation."""

    template: str
    params: dict[str, Any]
    zh: str | None

    def __new__(cls, template: str, params: Mapping[str, Any] | None = None, *,
                zh: str | None = None) -> Said:
        values = dict(params or {})
        obj = super().__new__(cls, template % values if values else template)
        obj.template, obj.params, obj.zh = template, values, zh
        return obj

    @classmethod
    def both(cls, en: str, zh: str) -> Said:
        """A text whose Chinese is given, not looked up (data: a title in both languages)."""
        return cls(en, zh=zh)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return _rebuild, (self.template, self.params, self.zh)

    def __deepcopy__(self, memo: dict[int, Any]) -> Said:
        return self

    def __copy__(self) -> Said:
        return self


class Joined(str):
    """Parts joined by ``sep`` (``"; "``) as a ``str``; a page joins the translated parts with
    its own separator."""

    parts: tuple[str, ...]

    def __new__(cls, sep: str, parts: Iterable[str]) -> Joined:
        items = tuple(parts)
        obj = super().__new__(cls, sep.join(items))
        obj.parts = items
        return obj

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return Joined, ("; ", self.parts)

    def __deepcopy__(self, memo: dict[int, Any]) -> Joined:
        return self
