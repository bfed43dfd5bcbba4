"""Languages of the pages: Chinese (zh_Hans_CN) first, English second, chosen per user.

The source strings are English; ``web/translations/zh_Hans_CN`` holds the Chinese catalog
(``messages.po`` and its compiled ``messages.mo``, both committed: the app runs from the
package without a build step; ``tests/unit/test_catalog.py`` fails on a string without a
Chinese translation and on a ``.mo`` older than its ``.po``).

Which language a request is in: a signed-in user's saved choice (``users.locale``, set on
the language switch and remembered across sessions), else the ``caseflow_lang`` cookie the
switch leaves for the sign-in page, else Chinese. Times are shown in Asia/Shanghai.

Flask-Babel parses ``zh_CN`` as ``zh_Hans_CN``; a catalog saved under ``zh_CN`` would be
silently ignored, so the directory, the selector and the cookie all say ``zh_Hans_CN``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel, get_locale

CHINESE = "zh_Hans_CN"
ENGLISH = "en"
LOCALES = (CHINESE, ENGLISH)
COOKIE = "caseflow_lang"
TIMEZONE = "Asia/Shanghai"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def N_(message: str) -> str:
    """Mark a string for the catalog where it is defined; translate it where it is shown."""
    return message


def chosen_locale() -> str:
    """The request's language (see the module's docstring)."""
    preferred = g.get("caseflow_locale")  # set where the signed-in user is resumed
    if preferred in LOCALES:
        return preferred
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LOCALES else CHINESE


def is_chinese() -> bool:
    return str(get_locale()) == CHINESE


def html_lang() -> str:
    """The page's ``lang`` attribute: ``zh-CN`` or ``en``."""
    return "zh-CN" if is_chinese() else "en"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", CHINESE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=chosen_locale, timezone_selector=lambda: TIMEZONE)
    # Flask-Babel 4 gives templates gettext/ngettext but not these
    app.jinja_env.globals.update(get_locale=get_locale, html_lang=html_lang,
                                 is_chinese=is_chinese, LOCALES=LOCALES)
