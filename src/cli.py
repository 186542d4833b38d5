"""`porchlight` — the local command line: serve, migrate, manage offices/users/tokens, run cron."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import logging
import os
import sys
import time
from pathlib import Path

from core import bindings as bindings_module
from core import config, errors
from core.clock import SystemClock
from core.records import Actor

CLI_ACTOR = Actor(None, "CLI")


def _bindings() -> bindings_module.Bindings:
    try:
        return bindings_module.local()
    except config.SettingsError as exc:
        sys.exit(f"porchlight: {exc}")


def cmd_serve(args: argparse.Namespace) -> None:
    from ops import backup_ops

    # Held for the server's whole life: `porchlight db restore` checks it (src/ops/backup_ops.py).
    try:
        with backup_ops.holding(bindings_module.database_path(), "porchlight serve"):
            _serve(args)
    except backup_ops.DatabaseBusy as exc:
        sys.exit(f"porchlight: cannot serve: {exc}")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app import create_app
    from core import log_redaction
    from cron.scheduler import run_forever

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s %(message)s")
    b = _bindings()
    port = args.port or int(os.environ.get("PORT", "8787"))
    app = create_app(b)
    # Everything loaded so far lives as long as the process: keep it out of the collector's sweeps.
    # Under intake load the full collections walked those ~115,000 objects and took a tenth of the
    # server's time; frozen, they take a third of that.
    gc.collect()
    gc.freeze()
    settings = uvicorn.Config(app, host=args.host, port=port, lifespan="off", log_level="info", proxy_headers=False)
    # uvicorn's Config has just set up its loggers: from here on every line, its access log included,
    # goes out with the webhook secret and source tokens redacted.
    log_redaction.install()
    server = uvicorn.Server(settings)

    async def main() -> None:
        stop = asyncio.Event()
        jobs = asyncio.create_task(run_forever(b, stop)) if not args.no_cron else None
        print(
            f"Porchlight on http://{args.host}:{port}  (database {bindings_module.database_path()})",
            flush=True,
        )
        try:
            await server.serve()
        finally:
            stop.set()
            if jobs:
                await jobs

    # uvicorn's own loop choice (uvloop when installed), as `uvicorn app` would use.
    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(main())


def cmd_migrate(args: argparse.Namespace) -> None:
    from core.storage import migrations
    from core.storage.sqlite import connect

    path = bindings_module.database_path()
    conn = connect(path)
    applied = migrations.migrate(conn)
    total = len(migrations.applied(conn))
    print(
        f"{path}: applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}; {total} in total"
    )


def _backup_policy() -> config.BackupPolicy:
    try:
        return config.policy_from(bindings_module.local_environment(), bindings_module.database_path())
    except config.SettingsError as exc:
        sys.exit(f"porchlight: {exc}")


def cmd_backup(args: argparse.Namespace) -> None:
    from ops import backup_ops

    policy = _backup_policy()
    directory = Path(args.to) if args.to else policy.directory
    try:
        made = backup_ops.take(policy.database, directory, SystemClock().now())
    except backup_ops.BackupError as exc:
        sys.exit(f"porchlight: backup failed: {exc}")
    tables = made.manifest["tables"]
    print(
        f"{made.archive}: {made.size:,} bytes, integrity ok, {len(tables)} tables, {tables.get('leads', 0):,} leads,"
        f" migration {made.migration}"
    )


def cmd_restore(args: argparse.Namespace) -> None:
    from ops import backup_ops

    database = bindings_module.database_path()
    try:
        done = backup_ops.restore(Path(args.file), database, SystemClock().now())
    except backup_ops.RestoreRefused as exc:
        sys.exit(f"porchlight: restore refused: {exc}")
    print(f"restored {database} from {args.file} (taken {done.manifest['taken_at']})")
    if done.aside:
        print(f"the previous database was kept as {done.aside}")
    if done.applied:
        print(f"applied {len(done.applied)} newer migration(s): {', '.join(done.applied)}")


def cmd_check(args: argparse.Namespace) -> None:
    from core.storage.sqlite import connect
    from ops import db_check

    path = bindings_module.database_path()
    if not path.is_file():
        sys.exit(f"porchlight: there is no database at {path}")
    conn = connect(path)
    try:
        findings = db_check.check(conn, SystemClock().now(), sample=args.sample)
    finally:
        conn.close()
    for f in findings:
        print(f"{'ok ' if f.ok else 'BAD'}  {f.check}: {f.detail}")
    if not all(f.ok for f in findings):
        sys.exit(1)


def cmd_export(args: argparse.Namespace) -> None:
    from core.storage.sqlite import connect
    from ops import db_export

    if bool(args.table) == bool(args.query):
        sys.exit("porchlight: name one TABLE or give --query SQL (not both)")
    path = bindings_module.database_path()
    if not path.is_file():
        sys.exit(f"porchlight: there is no database at {path}")
    conn = connect(path)
    out = Path(args.output).open("w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.table:
            count = db_export.export_table(conn, args.table, out, args.format)
        else:
            count = db_export.export_query(conn, args.query, out, args.format)
    except db_export.ExportRefused as exc:
        if args.output:
            out.close()
            Path(args.output).unlink(missing_ok=True)
        sys.exit(f"porchlight: export refused: {exc}")
    finally:
        conn.close()
    if args.output:
        out.close()
        print(f"{count:,} row(s) written to {args.output}", file=sys.stderr)


def cmd_devvars(args: argparse.Namespace) -> None:
    if config.ensure_dev_vars(bindings_module.DEV_VARS):
        print(f"wrote {bindings_module.DEV_VARS} with fresh secrets")


async def _offices(args: argparse.Namespace) -> None:
    from accounts import offices

    b = _bindings()
    if args.action == "create":
        try:
            office = await offices.create_office(
                b.db, b.clock.now(), CLI_ACTOR, name=args.name, time_zone=args.tz, jobs_enabled=args.jobs
            )
        except errors.Refused as exc:
            sys.exit(f"porchlight: {exc}")
        print(f"created office {office.name} (id {office.id}, {office.time_zone})")
    else:
        for o in await offices.all_offices(b.db):
            flags = ("jobs" if o.jobs_enabled else "") + ("" if o.active else " inactive")
            print(f"{o.id:>4}  {o.slug:<20} {o.name:<24} {o.time_zone:<22} {flags}")


async def _users(args: argparse.Namespace) -> None:
    from accounts import offices, users

    b = _bindings()
    if args.action == "list":
        for u in await users.all_users(b.db):
            scope = "all" if u.all_offices else ",".join(str(i) for i in sorted(u.office_ids))
            print(f"{u.id:>4}  {u.email:<32} {u.role:<14} offices={scope:<10} {'active' if u.active else 'inactive'}")
        return
    if args.action == "deactivate":
        user = await users.by_email(b.db, args.email)
        if user is None:
            sys.exit(f"porchlight: no user {args.email}")
        await users.set_active(b.db, b.clock.now(), CLI_ACTOR, user, False)
        print(f"deactivated {user.email}; their sessions were ended")
        return
    if args.action == "reset-two-factor":  # a sole owner who lost their phone and recovery codes
        from accounts import two_factor

        user = await users.by_email(b.db, args.email)
        if user is None:
            sys.exit(f"porchlight: no user {args.email}")
        await two_factor.reset(b.db, b.clock.now(), CLI_ACTOR, user)
        print(f"two-step sign-in reset for {user.email}; their sessions were ended")
        return
    password = os.environ.get("PORCHLIGHT_PASSWORD") or getpass.getpass("Password for the new user: ")
    office_ids: set[int] = set()
    all_offices = args.offices.strip().lower() == "all"
    if not all_offices:
        for name in filter(None, (n.strip() for n in args.offices.split(","))):
            office = await offices.by_name(b.db, name) or await offices.by_slug(b.db, name)
            if office is None:
                sys.exit(f"porchlight: no office named {name!r} (see `porchlight offices list`)")
            office_ids.add(office.id)
    try:
        profile = users.check_profile(args.name, args.role, all_offices, office_ids, args.partner)
        user = await users.create_user(
            b.db, b.clock.now(), CLI_ACTOR, email=args.email, password=password, profile=profile
        )
    except errors.Refused as exc:
        sys.exit(f"porchlight: {exc}")
    print(f"created {user.role} {user.email} (id {user.id})")


async def _tokens(args: argparse.Namespace) -> None:
    from accounts import api_tokens, users

    b = _bindings()
    user = await users.by_email(b.db, args.email)
    if user is None or not user.active:
        sys.exit(f"porchlight: no active user {args.email}")
    token = await api_tokens.create_token(b.db, b.clock.now(), CLI_ACTOR, user, args.name)
    print(token)


async def _cron(args: argparse.Namespace) -> None:
    import cron

    b = _bindings()
    try:
        result = await cron.run_job(b, args.job, holder="cli")
    except cron.UnknownJob:
        sys.exit(f"porchlight: unknown job {args.job!r}; jobs: {', '.join(cron.JOBS)}")
    print(json.dumps(result))


async def _demo(args: argparse.Namespace) -> None:
    from ops import demo

    b = _bindings()
    if b.settings.production:
        sys.exit("porchlight: refusing to seed demo data in production")
    started = time.monotonic()
    logins = await demo.seed(b.db, b.clock.now())
    if logins is None:
        print("demo people: the database already has users; none added")
    else:
        print("demo data seeded. Sign in with:")
        for email, password, role in logins:
            print(f"  {role:<14} {email:<28} {password}")
    if args.people_only:
        return
    summary = await demo.seed_business(b, b.clock.now())
    if summary is None:
        print("demo business: the database already has leads or customers; nothing added (run it on a fresh database)")
        return
    print(f"demo business seeded in {time.monotonic() - started:.1f} s:")
    for line in summary.lines():
        print(f"  {line}")


async def _sms(args: argparse.Namespace) -> None:
    """Simulate an inbound text (development provider, issue 21): stored as the provider's webhook
    would store it, then any reply it causes (opt-out confirmation, HELP answer) is delivered."""
    import secrets as _secrets

    from core import outbox
    from core.sms_gateway import InboundSms
    from messaging import sms, sms_delivery

    b = _bindings()
    if b.settings.production:
        sys.exit("porchlight: refusing to simulate texts in production")
    message = InboundSms(args.id or f"dev-in-{_secrets.token_hex(8)}", args.from_, args.to, args.body)
    try:
        received = await sms.receive(b.db, b.clock.now(), message)
    except sms.UnknownLine:
        sys.exit(f"porchlight: {args.to} is not one of our SMS lines (Maintenance → SMS lists them)")
    delivered = await outbox.drain(b, kinds=[sms_delivery.KIND])
    print(
        json.dumps({"result": received.status, "uid": received.uid, "consent": received.consent, "outbox": delivered})
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="porchlight", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the app (and its cron jobs) locally")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="default $PORT or 8787")
    s.add_argument("--no-cron", action="store_true", help="do not run scheduled jobs in-process")
    s.set_defaults(func=cmd_serve)

    _db_commands(sub)

    sub.add_parser("dev-vars", help="create .dev.vars with fresh secrets if missing").set_defaults(func=cmd_devvars)

    _admin_commands(sub)

    c = sub.add_parser("cron", help="scheduled jobs").add_subparsers(dest="action", required=True)
    cr = c.add_parser("run", help="run one job now")
    cr.add_argument("job")
    cr.set_defaults(func=lambda a: asyncio.run(_cron(a)))

    d = sub.add_parser("demo", help="demo data").add_subparsers(dest="action", required=True)
    seed = d.add_parser("seed", help="seed the demo business once: offices, people, leads, customers, billing")
    seed.add_argument("--people-only", action="store_true", help="only the offices and the demo people")
    seed.set_defaults(func=lambda a: asyncio.run(_demo(a)))

    m = sub.add_parser("sms", help="SMS (development)").add_subparsers(dest="action", required=True)
    rcv = m.add_parser("receive", help="simulate an inbound text to one of our lines")
    rcv.add_argument("--from", dest="from_", required=True, help="the sender, e.g. +13125550123")
    rcv.add_argument("--to", required=True, help="our line, e.g. +12125550100")
    rcv.add_argument("--body", required=True)
    rcv.add_argument("--id", default="", help="the provider's message id (repeat one to replay a delivery)")
    rcv.set_defaults(func=lambda a: asyncio.run(_sms(a)))
    return p


def _db_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending migrations to $PORCHLIGHT_DB").set_defaults(func=cmd_migrate)
    bk = db.add_parser("backup", help="a verified, compressed copy of the database, taken while it runs")
    bk.add_argument("--to", default="", help="folder (default $PORCHLIGHT_BACKUP_DIR or backups/ beside the database)")
    bk.set_defaults(func=cmd_backup)
    rs = db.add_parser("restore", help="replace the database with a backup (stop the server first)")
    rs.add_argument("file", help="a porchlight-….sqlite3.gz with its manifest beside it")
    rs.set_defaults(func=cmd_restore)
    ck = db.add_parser("check", help="integrity, foreign keys, search indexes, rollups; exit 1 on a problem")
    ck.add_argument("--sample", type=int, default=2, help="offices whose rollups are compared with a rebuild")
    ck.set_defaults(func=cmd_check)
    ex = db.add_parser("export", help="one table or one query as CSV or JSON (secrets never included)")
    ex.add_argument("table", nargs="?", default="")
    ex.add_argument("--query", default="", help="a SELECT statement instead of a table")
    ex.add_argument("--format", choices=["csv", "json"], default="csv")
    ex.add_argument("--output", default="", help="file to write (default standard output)")
    ex.set_defaults(func=cmd_export)


def _admin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Offices, users and API tokens: what an operator sets up before anyone signs in."""
    from accounts.users import ROLES

    o = sub.add_parser("offices", help="offices").add_subparsers(dest="action", required=True)
    oc = o.add_parser("create")
    oc.add_argument("--name", required=True)
    oc.add_argument("--tz", default="America/New_York", help="IANA time zone")
    oc.add_argument("--jobs", action="store_true", help="turn the Jobs feature on")
    o.add_parser("list")
    for sp in (oc, o.choices["list"]):
        sp.set_defaults(func=lambda a: asyncio.run(_offices(a)))

    u = sub.add_parser("users", help="users").add_subparsers(dest="action", required=True)
    uc = u.add_parser("create", help="password from $PORCHLIGHT_PASSWORD or a prompt")
    uc.add_argument("--email", required=True)
    uc.add_argument("--name", required=True)
    uc.add_argument("--role", required=True, choices=ROLES)
    uc.add_argument("--offices", default="all", help="'all' or comma-separated office names")
    uc.add_argument("--partner", default=None, help="partner name (role partner)")
    ud = u.add_parser("deactivate")
    ud.add_argument("--email", required=True)
    ul = u.add_parser("list")
    ur = u.add_parser("reset-two-factor", help="remove a user's two-step sign-in (lost phone and recovery codes)")
    ur.add_argument("--email", required=True)
    for sp in (uc, ud, ul, ur):
        sp.set_defaults(func=lambda a: asyncio.run(_users(a)))

    t = sub.add_parser("tokens", help="API tokens").add_subparsers(dest="action", required=True)
    tc = t.add_parser("create", help="print a new API token for a user (shown once)")
    tc.add_argument("--email", required=True)
    tc.add_argument("--name", required=True)
    tc.set_defaults(func=lambda a: asyncio.run(_tokens(a)))


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
