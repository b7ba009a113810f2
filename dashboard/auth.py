"""The door of every request (issue 13): logins and roles, signed embeds and wall links, headers.

Every request passes `guard` before anything else runs. It lets through what is public (/login,
/health, static assets), the ingest API (which checks its own keys), an embedded panel with a
valid signed token, and a logged-in user's session; everything else gets the login page (pages)
or 401 (data). What passed is `viewer()`: who it is, its role, and the filters locked for it.

With LOGIN=off (tests, closed networks) every request is an anonymous viewer whose personal
data is masked, as before logins existed.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Response, g, has_app_context, redirect, render_template_string, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError
from sqlalchemy.orm import Session

from dashboard import ratelimit
from dashboard.i18n import say
from data_access import access, case_list, db
from data_access.status import DB_ERRORS

log = logging.getLogger(__name__)

SESSION_HOURS = 12
PUBLIC_PATHS = frozenset({"/login", "/logout", "/health", "/favicon.ico", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
DASH_DATA = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/_reload-hash")
EMBED_PREFIX = "/embed/"
WALL_PREFIX = "/wall/"
EMBED_HEADER = "X-Embed-Token"
KEYED_BLUEPRINTS = ("ingest_api", "open311")  # APIs that check their own keys
PANEL_PARTS = ("panel-body", "panel-stale", "panel-good")  # the outputs of a panel's refresh
ANYONE_ROLE = "open"  # LOGIN=off
# Paths a role may not open (prefixes); everything else is open to every logged-in role.
FORBIDDEN = {
    "wall": ("/case", "/object", "/api/v1/cases.csv", "/admin", "/live"),  # /case/…, /cases, /objects/…
    "viewer": ("/admin",), "leader": ("/admin",), "duty_officer": ("/admin",), "admin": (),
    ANYONE_ROLE: ("/admin",),  # LOGIN=off: no audit log for anyone
}
# Failed logins allowed per account and per address in one window.
LOGIN_WINDOW = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_ADDRESS = 20
DUTY_ROLES = ("admin", "duty_officer")  # acknowledge alarms, move cases through the loop
USER_TTL = 30  # seconds a loaded user is trusted before it is read again (disabling takes effect)


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a user, a wall screen, an embedding portal, or anyone (LOGIN=off)."""

    name: str
    role: str
    regions: tuple[str, ...] = ()
    grant: access.Grant | None = None  # of a signed link (embed or wall)
    locked: dict = field(default_factory=dict)  # query parameters this viewer cannot change
    city: str | None = None  # the jurisdiction a user is limited to

    @property
    def may_act(self) -> bool:
        """A logged-in duty officer (or admin): acknowledges alarms and moves cases."""
        return self.acts_as_user and self.role in DUTY_ROLES

    @property
    def disclosure(self) -> case_list.Disclosure:
        """What of reporters' data this viewer sees (LOGIN=off keeps the masking of before logins)."""
        if access.sees_personal_data(self.role):
            return case_list.FULL
        return case_list.NAMES_MASKED if self.role == ANYONE_ROLE else case_list.MASKED

    @property
    def acts_as_user(self) -> bool:
        """A logged-in person whose name writes are recorded under (not a screen, link or anyone)."""
        return self.grant is None and self.role in access.ROLES and self.role != "wall"


ANYONE = Viewer("", ANYONE_ROLE)


def viewer() -> Viewer:
    """The viewer of the current request (ANYONE outside a request or with LOGIN=off)."""
    return g.get("cockpit_viewer", ANYONE) if has_app_context() else ANYONE


def locked_search(search: str) -> str:
    """`search` with this viewer's locked filters put back: a query cannot widen what a signed
    embed or a user limited to one city or some of its regions may see."""
    who = viewer()
    if not who.locked and not who.regions and not who.city:
        return search
    params = dict(parse_qsl((search or "").lstrip("?")))
    params.update(who.locked)
    if who.city:
        params["city"] = who.city
    if who.regions and params.get("region") not in who.regions:
        params["region"] = who.regions[0]  # one of the user's regions: the first unless the URL names another
    return "?" + urlencode(params)


class _LoginUser:
    """What flask-login keeps for a session: the user's row, read at most every USER_TTL seconds."""

    def __init__(self, row):
        self.id, self.username, self.role = row.id, row.username, row.role
        self.display_name = row.display_name
        self.regions = tuple(code for code in (row.region_codes or "").split(",") if code)
        self.city = row.jurisdiction_code
        self.loaded = time.monotonic()

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


_users: dict[int, _LoginUser] = {}


def _load_user(user_id: str, database_url: str):
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    cached = _users.get(key)
    if cached and time.monotonic() - cached.loaded < USER_TTL:
        return cached
    with Session(db.get_engine(database_url)) as s:
        row = access.active_user(s, key)
        _users[key] = _LoginUser(row) if row else None
    return _users[key]


def _address() -> str:
    return request.remote_addr or ""


def _language() -> str:
    from dashboard.app import current_settings

    return current_settings().language


def record(action: str, target: str = "") -> None:
    """Write one audit entry for the current viewer (a view of personal data, an export, a write).
    An entry that cannot be written (database down) is logged instead of failing the page."""
    from dashboard.app import current_settings

    try:
        with db.session_scope(db.get_engine(current_settings().database_url)) as s:
            access.audit(s, viewer().name or "-", action, target, _address() if request else "")
    except DB_ERRORS:
        log.warning("audit entry not written (database unavailable): %s %s", action, target[:80])


# ---- the login page ----

LOGIN_PAGE = """<!doctype html>
<html lang="{{ 'zh-CN' if zh else 'en' }}"><head><meta charset="utf-8">
<title>{{ title }}</title><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/theme.css"><link rel="stylesheet" href="/assets/auth.css"></head>
<body class="login-body"><main class="login-card">
<div class="brand-mark"></div><h1>{{ title }}</h1>
{% if message %}<p class="login-message" role="alert">{{ message }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
<label>{{ '用户名' if zh else 'User name' }}<input name="username" autocomplete="username" required autofocus value="{{ username }}"></label>
<label>{{ '密码' if zh else 'Password' }}<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">{{ '登录' if zh else 'Log in' }}</button>
</form></main></body></html>"""


def _safe_next(target: str | None) -> str:
    """A local path to go to after login (never another host)."""
    target = (target or "/").strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or any(ord(c) < 32 for c in target):
        return "/"
    return target


def _login_page(message: str = "", status: int = 200, username: str = ""):
    zh = _language() == "zh"
    html = render_template_string(LOGIN_PAGE, zh=zh, title=say(_language(), "智慧城管驾驶舱 · 登录", "Smart city cockpit · log in"),
                                  message=message, csrf=generate_csrf(), next=_safe_next(request.values.get("next")),
                                  username=username[:64])
    return Response(html, status=status, mimetype="text/html")


def _login_counters(username: str) -> tuple[str, str]:
    return f"login-fail:user:{username.lower()}", f"login-fail:addr:{_address()}"


def login_view(database_url: str):
    if request.method == "GET":
        return _login_page()
    lang = _language()
    username = (request.form.get("username") or "").strip()[:64]
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _login_page(say(lang, "登录页已过期，请重试", "The login form expired; try again"), 400, username)
    user_key, address_key = _login_counters(username)
    if ratelimit.count(user_key, LOGIN_WINDOW) >= LOGIN_FAILURES_PER_ACCOUNT or \
            ratelimit.count(address_key, LOGIN_WINDOW) >= LOGIN_FAILURES_PER_ADDRESS:
        return _login_page(say(lang, "失败次数过多，请 15 分钟后再试", "Too many failed logins; try again in 15 minutes"),
                           429, username)
    with db.session_scope(db.get_engine(database_url)) as s:
        row = access.authenticate(s, username, request.form.get("password") or "")
        access.audit(s, username or "?", "login" if row else "login.failed", address=_address())
        user = _LoginUser(row) if row else None
    if user is None:
        ratelimit.hit(user_key, LOGIN_WINDOW)
        ratelimit.hit(address_key, LOGIN_WINDOW)
        return _login_page(say(lang, "用户名或密码不正确", "Wrong user name or password"), 401, username)
    session.clear()
    session.permanent = True
    login_user(user)
    _users[user.id] = user
    return redirect(_safe_next(request.form.get("next")))


def logout_view():
    logout_user()
    session.clear()
    return redirect("/login")


# ---- signed links ----

REFUSED = {
    "tampered": ("链接无效：签名不符", "This link is not valid: its signature does not match"),
    "expired": ("链接已过期", "This link has expired"),
    "revoked": ("链接已被撤销", "This link has been revoked"),
    "wrong panel": ("链接不允许打开此面板", "This link does not open this panel"),
}
REFUSED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>403</title>
<link rel="stylesheet" href="/assets/theme.css"><link rel="stylesheet" href="/assets/auth.css"></head>
<body class="login-body"><main class="login-card refused" data-refused="{{ reason }}"><h1>403</h1><p>{{ text }}</p></main></body></html>"""


def refused(reason: str, data_request: bool) -> Response:
    zh, en = REFUSED.get(reason, REFUSED["tampered"])
    text = say(_language(), zh, en)
    if data_request:
        response = Response(json.dumps({"error": en, "refused": reason}), status=403, mimetype="application/json")
    else:
        response = Response(render_template_string(REFUSED_PAGE, reason=reason, text=text), status=403,
                            mimetype="text/html")
    response.headers["X-Link-Refused"] = reason
    return response


def _check_link(database_url: str, secret: str, token: str, kind: str) -> access.Grant:
    with Session(db.get_engine(database_url)) as s:
        return access.check_link(s, secret, token, kind)


def _embed_viewer(grant: access.Grant) -> Viewer:
    return Viewer(f"embed:{grant.link_id}", "viewer", grant=grant, locked=dict(parse_qsl(grant.filters)))


def _panel_of_update(body) -> str | None:
    """The panel a Dash callback request updates: every output is a pattern id of that one panel."""
    outputs = body.get("outputs") if isinstance(body, dict) else None
    outputs = [outputs] if isinstance(outputs, dict) else outputs if isinstance(outputs, list) else []
    panels = {item["id"].get("id") if isinstance(item, dict) and isinstance(item.get("id"), dict)
              and item["id"].get("type") in PANEL_PARTS else None for item in outputs}
    return panels.pop() if len(panels) == 1 and None not in panels else None


def _routed_path(body) -> str | None:
    """The page a Dash request asks the page router to draw (its pathname input), if it is one."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    for item in inputs if isinstance(inputs, list) else ():
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            return item.get("value") if isinstance(item.get("value"), str) else ""
    return None


def _asked_path() -> str:
    """The page a request is for: the path, or the page a Dash router request draws."""
    if request.path == "/_dash-update-component":
        routed = _routed_path(request.get_json(silent=True))
        if routed is not None:
            return routed
    return request.path


# ---- the guard ----

def guard(settings):
    """before_request: decide who is asking; answer the request itself when it may not go on."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or request.blueprint in KEYED_BLUEPRINTS:
        return None
    data_request = path.startswith(DASH_DATA) or path.startswith("/api/")
    if not settings.login_required:
        return _refuse_role(data_request)
    try:
        token = request.args.get("token") if path.startswith(EMBED_PREFIX) else request.headers.get(EMBED_HEADER)
        if token and (path.startswith(EMBED_PREFIX) or path.startswith(DASH_DATA)):
            return _guard_embed(settings, token, path, data_request)
        if path.startswith(WALL_PREFIX):
            return _open_wall(settings, path[len(WALL_PREFIX):])
        wall = session.get("wall")
        if wall:
            grant = _check_link(settings.database_url, settings.signing_key, wall, "wall")
            g.cockpit_viewer = Viewer(f"wall:{grant.link_id}", "wall", grant=grant)
        elif current_user.is_authenticated:
            g.cockpit_viewer = Viewer(current_user.username, current_user.role, current_user.regions,
                                      city=current_user.city)
        else:
            if data_request:
                return Response(json.dumps({"error": "log in first"}), status=401, mimetype="application/json")
            return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
    except access.LinkRefused as exc:
        session.pop("wall", None)
        return refused(exc.reason, data_request)
    except DB_ERRORS:
        return Response(json.dumps({"error": "database unavailable"}), status=503, mimetype="application/json")
    return _refuse_role(data_request)


def _refuse_role(data_request: bool):
    """A 403 when the viewer's role may not open the page asked for, else None."""
    role = viewer().role
    if not _asked_path().startswith(FORBIDDEN.get(role, ())):
        return None
    if data_request:
        return Response(json.dumps({"error": f"not allowed for role {role}"}), status=403, mimetype="application/json")
    return Response(render_template_string(REFUSED_PAGE, reason="role",
                                           text=say(_language(), "无权访问此页面", "Your role may not open this page")),
                    status=403, mimetype="text/html")


def _guard_embed(settings, token: str, path: str, data_request: bool):
    grant = _check_link(settings.database_url, settings.signing_key, token, "embed")
    if path.startswith(EMBED_PREFIX) and path[len(EMBED_PREFIX):].strip("/") != grant.target:
        return refused("wrong panel", False)
    if path == "/_dash-update-component":
        body = request.get_json(silent=True)
        if _panel_of_update(body) != grant.target and _routed_path(body) != EMBED_PREFIX + grant.target:
            return refused("wrong panel", True)
    g.cockpit_viewer = _embed_viewer(grant)
    return None


def _open_wall(settings, token: str):
    grant = _check_link(settings.database_url, settings.signing_key, token, "wall")
    session.clear()
    session["wall"] = token
    session.permanent = True
    return redirect(f"/kiosk/{grant.target}")


def security_headers(response: Response) -> Response:
    """after_request: no framing, except kiosk items (by the player, same origin) and signed
    embeds (by their token's origins)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    grant = viewer().grant
    if grant is not None and grant.kind == "embed":
        origins = " ".join(grant.origins) or "'none'"
        headers["Content-Security-Policy"] = f"frame-ancestors {origins}"
    elif request.args.get("kiosk") == "1":  # a kiosk playlist frames its items from its own origin
        headers["X-Frame-Options"] = "SAMEORIGIN"
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    else:
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def init_auth(server, settings) -> None:
    """Bind logins, the guard and the headers to `server`."""
    server.secret_key = settings.signing_key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS), WTF_CSRF_TIME_LIMIT=None,
    )
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(lambda user_id: _load_user(user_id, settings.database_url))
    server.before_request(lambda: guard(settings))
    server.after_request(security_headers)
    server.add_url_rule("/login", "login", lambda: login_view(settings.database_url), methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout_view, methods=["GET", "POST"])
