"""`cockpit`: set up the database, seed the demo city, run the live simulator, serve the app.

    cockpit demo                      # init-db, seed if empty, simulator + gunicorn on :8050
    cockpit init-db | seed | simulate | serve

Bad settings and unreachable databases end with one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import ipaddress
import subprocess
import sys

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


def _seed(engine, cases: int | None, seed: int, progress: bool, reset: bool = False) -> None:
    from seeds import demo

    cases = demo.DEFAULT_CASES if cases is None else cases
    try:
        report = demo.seed_demo(engine, cases=cases, seed=seed, progress=progress, reset=reset)
    except demo.SeedError as exc:
        raise CliError(str(exc)) from None
    rate = report.rows / report.seconds if report.seconds else 0.0
    print(f"seeded {report.cases} cases, {report.rows} rows in {report.seconds:.1f} s ({rate:.0f} rows/s)")


def cmd_seed(args, settings: Settings) -> None:
    _seed(connect(settings), args.cases, args.seed, not args.no_progress, args.reset)


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


def cmd_serve(args, settings: Settings) -> None:
    if args.dev and not is_loopback(args.host):
        # The development server's debugger runs any code a visitor sends it.
        raise CliError(f"--dev serves an interactive debugger; it listens on loopback only, not {args.host!r}")
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
