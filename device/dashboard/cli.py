"""``python -m device dashboard`` and ``python -m device user``."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

from .. import command
from ..config import Config


def add_arguments(sub) -> None:
    """The two subcommands, added to the main parser (device/__main__.py)."""
    d = sub.add_parser("dashboard", help="the clinician's web dashboard and the athlete screen")
    d.add_argument("--host", help="address to listen on (default [dashboard] host: 127.0.0.1, this machine only)")
    d.add_argument("--port", type=int, help="port (default [dashboard] port: 8080)")
    d.add_argument("--demo", action="store_true",
                   help="a simulated station, demo patients and past sessions in a temporary folder")
    d.add_argument("--demo-speed", type=float, default=1.0, help=argparse.SUPPRESS)

    u = sub.add_parser("user", help="dashboard accounts: user add NAME | user passwd NAME | user list")
    u.add_argument("action", choices=["add", "passwd", "list"])
    u.add_argument("name", nargs="?")
    u.add_argument("--password-file", type=Path, help="read the password from this file's first line (for installers)")


def _read_password(args) -> str:
    if args.password_file is not None:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise SystemExit(f"cannot read the password file {args.password_file}: {e.strerror}")
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password; pass --password-file FILE")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the two passwords differ; nothing was changed")
    return first


def user_main(args, cfg: Config) -> int:
    from .auth import PasswordError, hash_password
    from .clinic import ClinicDB, ClinicError

    try:
        db = ClinicDB(cfg.dashboard.database)
    except ClinicError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        if args.action == "list":
            for u in db.users():
                print(f"{u['name']}  (since {u['created_at'][:10]})")
            return 0
        if not args.name or not args.name.strip() or len(args.name) > 40:
            print(f"give a user name of 1 to 40 characters: {command()} user add NAME", file=sys.stderr)
            return 2
        if args.action == "add" and cfg.station.place == "home" and db.users():
            print("a home unit has one user, and it has one already; change its password with "
                  f"`{command()} user passwd NAME`", file=sys.stderr)
            return 2
        if args.action == "passwd" and db.user_by_name(args.name) is None:
            print(f"no user named {args.name!r}; `{command()} user list` shows them", file=sys.stderr)
            return 2
        try:
            pw_hash = hash_password(_read_password(args))
        except PasswordError as e:
            print(f"error: {e}; nothing was changed", file=sys.stderr)
            return 2
        except SystemExit as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.action == "add":
            db.add_user(args.name.strip(), pw_hash)
            print(f"user {args.name} created; log in at the dashboard ({command()} dashboard)")
        else:
            db.set_password(args.name, pw_hash)
            print(f"password of {args.name} changed; their open logins were ended")
        return 0
    except ClinicError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        db.close()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def dashboard_main(args, cfg: Config) -> int:
    import uvicorn

    from .app import Settings, create_app
    from .clinic import ClinicDB, ClinicError

    host = args.host or cfg.dashboard.host
    port = args.port or cfg.dashboard.port
    try:  # a clear message for the commonest failure, before the server starts
        import socket

        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as e:
        print(f"error: cannot listen on {host}:{port} ({e.strerror}); another program may use that port: "
              "choose another --port (or [dashboard] port), or --host", file=sys.stderr)
        return 1
    demo = None
    if args.demo:
        from .demo import Demo

        demo = Demo(speed=args.demo_speed)
        cfg = demo.config
    settings = Settings(place=cfg.station.place, clinic_db=Path(cfg.dashboard.database),
                        session_log=Path(cfg.storage.database), socket=Path(cfg.bus.socket),
                        session_hours=cfg.dashboard.session_hours, rounding_deg=cfg.thresholds.rounding_deg)
    try:
        db = ClinicDB(settings.clinic_db)
        has_user = bool(db.users())
        db.close()
    except ClinicError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not has_user:
        print(f"no dashboard user yet: create one with `{command()} user add NAME` "
              f"(the clinic data in {settings.clinic_db} needs a login; there is no default password)",
              file=sys.stderr)
        return 2
    if not _is_loopback(host):
        print(f"note: listening on {host}: anyone on this network can reach the login page; the traffic is plain "
              "HTTP, so use it only on the clinic's own network (or behind a TLS proxy)", file=sys.stderr)
    app = create_app(settings)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if demo is not None:
        demo.start()
        print(f"WallHinge demo dashboard: {url}")
        print(f"  log in as: {demo.user}   password: {demo.password}")
        print(f"  athlete screen: {url}athlete/{demo.athlete_token}")
        print(f"  demo data in {demo.folder} (removed when you stop it with Ctrl-C)", flush=True)
    else:
        print(f"WallHinge dashboard: {url}", flush=True)
    if threading.current_thread() is threading.main_thread():
        # uvicorn stops gracefully on SIGTERM, then re-raises it with the handler found here:
        # exit through Python so the `finally` below runs (the demo removes its folder).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False,
                    server_header=False, timeout_graceful_shutdown=3)
    except OSError as e:  # port in use, address not here
        print(f"error: cannot listen on {host}:{port}: {e.strerror}; choose another --port or --host",
              file=sys.stderr)
        return 1
    finally:
        if demo is not None:
            demo.stop()
    return 0


def main_hook(command: str, args, cfg: Config) -> Optional[int]:
    if command == "dashboard":
        return dashboard_main(args, cfg)
    if command == "user":
        return user_main(args, cfg)
    return None
