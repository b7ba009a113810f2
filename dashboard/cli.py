"""`cockpit`: set up the database, seed the demo city, run the live simulator, serve the app.

    cockpit demo                      # init-db, seed if empty, simulator + gunicorn on :8050
    cockpit init-db | seed | simulate | serve

Bad settings and unreachable databases end with one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import ipaddress
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy.exc import InterfaceError, OperationalError

from dashboard.settings import Settings, SettingsError, load_settings
from data_access import clock, db
from data_access.status import DB_ERRORS, describe_error, safe_url

PROG = "cockpit"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_WORKERS = 2
WORKER_TIMEOUT = 120  # seconds
THREADS_PER_WORKER = 4
DEFAULT_SEED = 42
DB_WATCH_SECONDS = 10.0  # how often `serve` checks the database, to say when it goes or comes back


class CliError(Exception):
    """A failure to report as one line and exit status 2."""


def _database_error(settings: Settings, exc: BaseException) -> CliError:
    return CliError(f"DATABASE_URL: {safe_url(settings.database_url)}: {describe_error(exc)}")


def connect(settings: Settings):
    """The engine for DATABASE_URL, after checking that it answers."""
    try:
        engine = db.get_engine(settings.database_url)
        with engine.connect():
            pass
    except DB_ERRORS as exc:
        raise _database_error(settings, exc) from None
    return engine


def release(engine) -> None:
    """Close pooled connections so forked gunicorn workers open their own."""
    engine.dispose()
    db.get_engine.cache_clear()


# ---- commands ----

def init_db(settings: Settings):
    """Migrate the schema to the newest revision; returns the engine."""
    engine = connect(settings)
    db.upgrade(engine)
    print(f"database {safe_url(settings.database_url)} at schema revision {db.schema_revision(engine)}", flush=True)
    return engine


def cmd_init_db(args, settings: Settings) -> None:
    init_db(settings)


def _seed(engine, cases: int | None, seed: int, progress: bool, reset: bool = False, jurisdictions: int = 1) -> None:
    from seeds import demo

    cases = demo.DEFAULT_CASES if cases is None else cases
    try:
        report = demo.seed_demo(engine, cases=cases, seed=seed, progress=progress, reset=reset,
                                jurisdictions=jurisdictions)
    except demo.SeedError as exc:
        raise CliError(str(exc)) from None
    rate = report.rows / report.seconds if report.seconds else 0.0
    print(f"seeded {report.cases} cases, {report.rows} rows in {report.seconds:.1f} s ({rate:.0f} rows/s)")


def cmd_seed(args, settings: Settings) -> None:
    engine = connect(settings)
    db.upgrade(engine)  # a fresh database gets its schema first, as with `cockpit demo`
    _seed(engine, args.cases, args.seed, not args.no_progress, args.reset, args.jurisdictions)


def cmd_simulate(args, settings: Settings) -> None:
    from seeds import simulator

    try:
        simulator.run(connect(settings), rate_per_minute=args.rate, speed=args.speed, duration=args.duration)
    except simulator.SimulatorError as exc:
        raise CliError(str(exc)) from None


def cmd_apikey(args, settings: Settings) -> None:
    from data_access import api_keys

    with db.session_scope(connect(settings)) as session:
        key = api_keys.create_key(session, args.name)
    print(key)
    print(f"API key {args.name!r} created; it is shown only this once.", file=sys.stderr)


def cmd_apikey_list(args, settings: Settings) -> None:
    from data_access import api_keys

    with db.session_scope(connect(settings)) as session:
        for row in api_keys.list_keys(session):
            state = f"revoked {clock_text(row.revoked_at)}" if row.revoked_at else "active"
            print(f"{row.prefix}\t{row.name}\tcreated {clock_text(row.created_at)}\t{state}")


def cmd_apikey_revoke(args, settings: Settings) -> None:
    from data_access import api_keys

    with db.session_scope(connect(settings)) as session:
        if not api_keys.revoke(session, args.prefix):
            raise CliError(f"no API key with prefix {args.prefix!r} (see `cockpit apikey list`)")
    print(f"API key {args.prefix} revoked", file=sys.stderr)


def cmd_import(args, settings: Settings) -> None:
    """Import cases from a CSV or JSON file; exit 1 when any row was rejected."""
    from data_access import case_import

    try:
        overrides = case_import.parse_overrides(args.map)
        mapping = case_import.load_mapping(args.mapping) if args.mapping else None
        engine = connect(settings)
        report = case_import.import_file(engine, args.file, overrides, args.source, progress=not args.no_progress,
                                         mapping=mapping)
    except case_import.ImportFileError as exc:
        raise CliError(str(exc)) from None
    columns = ", ".join(f"{name}={column}" for name, column in report.columns.items())
    print(f"{args.file} ({report.encoding}; {columns})")
    print(f"{report.total} rows: {report.created} created, {report.present} already present, "
          f"{len(report.rejected)} rejected")
    for item in report.rejected[:case_import.MAX_REASONS]:
        print(f"  row {item.row}: {item.reason}")
    if report.rejected_file:
        print(f"rejected rows with their reasons: {report.rejected_file}")
        raise SystemExit(1)


def cmd_import_regions(args, settings: Settings) -> None:
    """Create or update a jurisdiction's regions from GeoJSON; exit 1 when any feature was rejected."""
    from data_access import region_import

    try:
        report = region_import.import_regions(connect(settings), args.file, args.jurisdiction, args.crs,
                                              args.code_property, args.name_property, args.new_jurisdiction)
    except region_import.RegionFileError as exc:
        raise CliError(str(exc)) from None
    properties = ", ".join(f"{name}={prop}" for name, prop in report.properties.items())
    print(f"{args.file} ({args.crs}; {properties}): {report.total} features")
    if report.jurisdiction_created:
        print(f"jurisdiction {args.jurisdiction} created")
    print(f"created {len(report.created)}, updated {len(report.updated)}, repaired {len(report.repaired)}, "
          f"rejected {len(report.rejected)}")
    for verb, notes in (("repaired", report.repaired), ("rejected", report.rejected)):
        for note in notes:
            print(f"  {verb} feature {note.feature} ({note.label or 'no code'}): {note.reason}")
    if report.created or report.updated:
        print(f"grids regenerated: {report.communities_created} communities and {report.grids_created} grids "
              f"created, {report.communities_removed} and {report.grids_removed} removed, "
              f"{report.communities_kept} and {report.grids_kept} kept because cases point at them")
    if report.departments_created:
        print(f"镇街 departments created: {', '.join(report.departments_created)}")
    if report.rejected:
        raise SystemExit(1)


def clock_text(moment) -> str:
    from data_access.case_list import local_text

    return local_text(moment) + " (UTC+8)" if moment else "-"


# ---- users and signed links (issue 13) ----

def read_password(args) -> str:
    """The new password: typed twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise CliError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _access_call(settings: Settings, action):
    from data_access import access

    try:
        with db.session_scope(connect(settings)) as session:
            return action(session, access)
    except access.AccessError as exc:
        raise CliError(str(exc)) from None


def cmd_user(args, settings: Settings) -> None:
    command = args.user_command
    if command == "add":
        password = read_password(args)
        regions = [code.strip() for code in (args.regions or "").split(",") if code.strip()]
        _access_call(settings, lambda s, a: a.add_user(s, args.username, password, args.role, args.display_name or "",
                                                       args.jurisdiction, regions))
        print(f"user {args.username!r} ({args.role}) added", file=sys.stderr)
    elif command == "passwd":
        password = read_password(args)
        _access_call(settings, lambda s, a: a.set_password(s, args.username, password))
        print(f"password of {args.username!r} changed", file=sys.stderr)
    elif command in ("disable", "enable"):
        _access_call(settings, lambda s, a: a.set_disabled(s, args.username, command == "disable"))
        print(f"user {args.username!r} {command}d", file=sys.stderr)
    else:
        rows = _access_call(settings, lambda s, a: [(u.username, u.role, u.display_name, u.region_codes or "-",
                                                     "disabled" if u.disabled_at else "active",
                                                     clock_text(u.last_login_at)) for u in a.list_users(s)])
        for row in rows:
            print("\t".join(row))


def parse_duration(text: str) -> timedelta:
    """30d, 12h, 90m: how long a signed link stays valid."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dhm])\s*", text or "")
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: a number with d, h or m, such as 30d")
    number, unit = int(match[1]), match[2]
    return timedelta(days=number) if unit == "d" else timedelta(hours=number) if unit == "h" else timedelta(minutes=number)


def cmd_embed_url(args, settings: Settings) -> None:
    from dashboard import panels
    from layouts import boards  # noqa: F401  (registers every panel)

    if args.panel not in panels.PANELS:
        raise CliError(f"no panel {args.panel!r}; panels: {', '.join(sorted(panels.PANELS))}")
    filters = []
    for item in args.filter or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--filter {item!r}: write it as key=value, such as region=441900003")
        filters.append((key.strip(), value.strip()))
    origins = tuple(_origin(o) for o in args.origin or ())
    token = _access_call(settings, lambda s, a: a.create_link(
        s, settings.signing_key, "embed", args.panel, args.expires, urlencode(filters), origins, args.note or ""))
    print(f"{args.base_url.rstrip('/')}/embed/{args.panel}?token={token}")


def _origin(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise CliError(f"--origin {text!r}: an origin such as https://portal.example.gov.cn")
    return f"{parts.scheme}://{parts.netloc}"


def cmd_wall_url(args, settings: Settings) -> None:
    from dashboard import playlists

    try:
        playlists.load(args.playlist)
    except playlists.PlaylistNotFound:
        raise CliError(f"no playlist {args.playlist!r} in {playlists.directory()}") from None
    except playlists.PlaylistError as exc:
        raise CliError(str(exc)) from None
    token = _access_call(settings, lambda s, a: a.create_link(
        s, settings.signing_key, "wall", args.playlist, args.expires, note=args.note or ""))
    print(f"{args.base_url.rstrip('/')}/wall/{token}")


def cmd_link_list(args, settings: Settings) -> None:
    rows = _access_call(settings, lambda s, a: [
        (link.id, link.target, link.filters or "-", link.origins or "-", f"expires {clock_text(link.expires_at)}",
         f"revoked {clock_text(link.revoked_at)}" if link.revoked_at else "active", link.note or "")
        for link in a.list_links(s, args.kind)])
    for row in rows:
        print("\t".join(row))


def cmd_link_revoke(args, settings: Settings) -> None:
    _access_call(settings, lambda s, a: a.revoke_link(s, args.link_id))
    print(f"link {args.link_id} revoked", file=sys.stderr)


DEMO_USERS = (("admin", "admin", "管理员"), ("duty", "duty_officer", "值班员"), ("leader", "leader", "领导"),
              ("viewer", "viewer", "查看者"))


def create_demo_users(engine) -> list[tuple[str, str, str]]:
    """Demo users with random passwords when the database has no user yet: [(name, role, password)]."""
    import secrets

    from data_access import access

    with db.session_scope(engine) as session:
        if access.list_users(session):
            return []
        made = []
        for username, role, display in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            access.add_user(session, username, password, role, display)
            made.append((username, role, password))
    return made


def serve_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class CockpitServer(BaseApplication):
        def load_config(self):
            options = {"bind": f"{host}:{port}", "workers": workers, "threads": THREADS_PER_WORKER,
                       "worker_class": "gthread", "timeout": WORKER_TIMEOUT, "errorlog": "-",
                       "control_socket_disable": True}
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from dashboard.app import create_app

            return create_app().server

    CockpitServer().run()


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def database_problem(settings: Settings) -> str | None:
    """None when DATABASE_URL answers now, else why not; keeps no pooled connection (workers fork)."""
    engine = None
    try:
        engine = db.get_engine(settings.database_url)
        with engine.connect():
            return None
    except DB_ERRORS as exc:
        return describe_error(exc)
    finally:
        if engine is not None:
            release(engine)


def say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def watch_database(settings: Settings, problem: str | None, every: float = DB_WATCH_SECONDS) -> None:
    """Check the database every `every` seconds and say on stderr when it goes away or comes back."""
    url = safe_url(settings.database_url)
    while True:
        time.sleep(every)
        now = database_problem(settings)
        if problem and not now:
            say(f"database {url} is reachable again")
        elif now and not problem:
            say(f"database {url} is unreachable: {now}")
        problem = now


def start_database_watch(settings: Settings) -> None:
    """Say now whether the database answers, then keep watching it in the background. A dead
    database does not stop the server: pages show the database-down state, /health answers 503."""
    problem = database_problem(settings)
    if problem:
        say(f"warning: database {safe_url(settings.database_url)} is unreachable: {problem}; serving anyway "
            f"(pages show the database-down state, /health answers 503), checking again every {DB_WATCH_SECONDS:g} s")
    threading.Thread(target=watch_database, args=(settings, problem), daemon=True, name="database-watch").start()


def cmd_serve(args, settings: Settings) -> None:
    if args.dev and not is_loopback(args.host):
        # The development server's debugger runs any code a visitor sends it.
        raise CliError(f"--dev serves an interactive debugger; it listens on loopback only, not {args.host!r}")
    start_database_watch(settings)
    if args.dev:
        from dashboard.app import create_app

        create_app(settings).run(host=args.host, port=args.port, debug=True,
                                 dev_tools_disable_version_check=True)
    else:
        print(f"serving on http://{args.host}:{args.port}", flush=True)
        serve_gunicorn(args.host, args.port, args.workers)


def start_simulator() -> subprocess.Popen:
    # Faster steps than real life, so a demo shows cases closing within minutes.
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "simulate", "--speed", "20"])


def cmd_demo(args, settings: Settings) -> None:
    from data_access.models import Case

    engine = init_db(settings)
    if db.count_rows(engine, Case) == 0:
        _seed(engine, None, DEFAULT_SEED, progress=True)
    for username, role, password in create_demo_users(engine):
        print(f"demo user {username} ({role}): password {password}", flush=True)
    release(engine)
    simulator = start_simulator()
    try:
        print(f"serving on http://{args.host}:{args.port}", flush=True)
        serve_gunicorn(args.host, args.port, args.workers)
    finally:
        simulator.terminate()
        try:
            simulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            simulator.kill()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="智慧城管驾驶舱 command-line tool")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init-db", help="create or upgrade the database schema")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("seed", help="fill the database with the demo city")
    p.add_argument("--cases", type=int, default=None, help="number of cases (default: seeds.demo.DEFAULT_CASES)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--reset", action="store_true", help="replace all data in a database that has cases")
    p.add_argument("--jurisdictions", type=int, default=1, metavar="N",
                   help="Dongguan plus N-1 further Guangdong cities (1-21, default 1), cases in proportion "
                        "to population, for the province view")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("simulate", help="report and move cases live until Ctrl-C")
    p.add_argument("--rate", type=float, default=6.0, help="new cases per minute (default: 6)")
    p.add_argument("--speed", type=float, default=1.0, help="how many times faster open cases move through their steps (default: 1)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("apikey", help="manage ingest API keys")
    keys = p.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    k = keys.add_parser("create", help="issue a new key and print it once")
    k.add_argument("--name", default="default", help="who the key is for (default: default)")
    k.set_defaults(func=cmd_apikey)
    k = keys.add_parser("list", help="list keys (prefix, name, created, revoked)")
    k.set_defaults(func=cmd_apikey_list)
    k = keys.add_parser("revoke", help="revoke a key by its prefix")
    k.add_argument("prefix", help="the key's prefix, as `apikey list` shows it")
    k.set_defaults(func=cmd_apikey_revoke)

    p = sub.add_parser("import", help="import cases from a CSV or JSON file of another system (e.g. a 12345 export)")
    p.add_argument("file", help="CSV with a header row, JSON lines or a JSON array; UTF-8 or GBK")
    p.add_argument("--mapping", metavar="MAPPING.toml",
                   help="how to read the export: columns, categories, statuses, dates, timezone, regions "
                        "(see examples/mappings/)")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="name the column of a field, e.g. external=工单编号,category=小类代码 (repeatable)")
    p.add_argument("--source", help="source of rows without one (default: the mapping's, else hotline)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("import-regions", help="create or update a jurisdiction's regions (镇街) from a GeoJSON file")
    p.add_argument("file", help="a GeoJSON FeatureCollection of Polygons and MultiPolygons")
    p.add_argument("--jurisdiction", required=True, help="the jurisdiction's code, e.g. 441900")
    p.add_argument("--crs", type=str.upper, choices=("WGS84", "GCJ02"), default="WGS84",
                   help="the file's coordinates; GCJ02 is converted to WGS-84 (default: WGS84)")
    p.add_argument("--code-property", help="the property holding the 9-digit code (default: code, adcode, 编码…)")
    p.add_argument("--name-property", help="the property holding the name (default: name, 名称, 镇街…)")
    p.add_argument("--new-jurisdiction", metavar="NAME",
                   help="create the jurisdiction under this name when its code is not stored yet")
    p.set_defaults(func=cmd_import_regions)

    from data_access.access import ROLES

    p = sub.add_parser("user", help="manage the users who log in")
    users = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    u = users.add_parser("add", help="add a user (password typed twice, or the first line of stdin)")
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=ROLES)
    u.add_argument("--display-name", help="the name shown and recorded (default: the username)")
    u.add_argument("--jurisdiction", help="jurisdiction code the user belongs to")
    u.add_argument("--regions", help="comma-separated region codes the user is limited to")
    for action, text in (("passwd", "set a new password"), ("disable", "stop a user logging in"),
                         ("enable", "let a disabled user log in again")):
        users.add_parser(action, help=text).add_argument("username")
    users.add_parser("list", help="list users")
    p.set_defaults(func=cmd_user)

    base_url = {"default": f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", "help": "the cockpit's address as the portal reaches it"}
    p = sub.add_parser("embed-url", help="print a signed link that embeds one panel in another portal")
    p.add_argument("panel", help="a panel id, e.g. overview.kpis")
    p.add_argument("--filter", action="append", metavar="KEY=VALUE", help="a filter locked into the link (repeatable)")
    p.add_argument("--expires", type=parse_duration, default=timedelta(days=30), help="validity, e.g. 30d, 12h (default 30d)")
    p.add_argument("--origin", action="append", help="an origin allowed to frame it (repeatable); none: no framing")
    p.add_argument("--note", help="who the link is for")
    p.add_argument("--base-url", **base_url)
    p.set_defaults(func=cmd_embed_url)
    p = sub.add_parser("wall-url", help="print a signed read-only link that logs a wall screen into a playlist")
    p.add_argument("playlist", help="a playlist name, e.g. wall")
    p.add_argument("--expires", type=parse_duration, default=timedelta(days=365), help="validity (default 365d)")
    p.add_argument("--note", help="which screen it is for")
    p.add_argument("--base-url", **base_url)
    p.set_defaults(func=cmd_wall_url)
    for kind in ("embed", "wall"):
        p = sub.add_parser(f"{kind}-list", help=f"list {kind} links")
        p.set_defaults(func=cmd_link_list, kind=kind)
        p = sub.add_parser(f"{kind}-revoke", help=f"revoke a {kind} link by its id")
        p.add_argument("link_id")
        p.set_defaults(func=cmd_link_revoke)

    def add_server_options(p):
        p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
        p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
        p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                       help=f"gunicorn worker processes (default: {DEFAULT_WORKERS})")

    p = sub.add_parser("serve", help="serve the app with gunicorn")
    add_server_options(p)
    p.add_argument("--dev", action="store_true", help="use the Dash development server with debugging")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="init-db, seed if empty, run the simulator and serve")
    add_server_options(p)
    p.set_defaults(func=cmd_demo)
    return parser


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return fail(str(exc))
    if settings.pinned_clock:
        clock.pin(settings.pinned_clock)
    try:
        args.func(args, settings)
    except CliError as exc:
        return fail(str(exc))
    except (OperationalError, InterfaceError) as exc:  # the database went away mid-command
        return fail(str(_database_error(settings, exc)))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
