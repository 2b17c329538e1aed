"""``officer-admin`` sub-commands. Each exits non-zero with one clear line on bad input.

Every command runs in one transaction: it either completes or changes nothing.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from officer_console import __version__
from officer_console.admin.common import CommandError
from officer_console.admin.common import actor as _actor
from officer_console.admin.common import open_engine as _engine
from officer_console.config import ConfigError, Settings, load_settings
from officer_console.demo import DEMO_PASSWORD
from officer_console.domain.errors import DomainError
from officer_console.evidence_store import redaction
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import (
    DatabaseUnavailable,
    read_session,
    session_factory,
    transaction,
)
from officer_console.store.db.schema import current_revision, head_revision, migrate
from officer_console.store.people import accounts


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    engine = _engine(settings, require_schema=False)
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    print(f"数据库已迁移: {before or '（空库）'} → {after}  ({engine.url.render_as_string()})")
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.demo.seed import run_seed_demo  # the demo package does the seeding

    run_seed_demo(settings, _engine(settings), args.password)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("标准输入中没有密码")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("没有终端可输入密码；请使用 --password-stdin")
    first = getpass.getpass("密码: ")
    if first != getpass.getpass("再次输入密码: "):
        raise CommandError("两次输入的密码不一致")
    return first


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args)
    engine = _engine(settings)
    with transaction(session_factory(engine)) as session:
        officer = accounts.create_user(
            session,
            _actor(settings),
            police_number=args.police_number,
            name=args.name,
            role=args.role,
            password=password,
            squad_code=args.squad,
        )
        print(f"已创建账号 {officer.police_number}（{accounts.ROLE_LABELS[officer.role]}）")
    return 0


def _account_action(
    action: Callable[[Session, Actor, str], None], done: str
) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        engine = _engine(settings)
        with transaction(session_factory(engine)) as session:
            action(session, _actor(settings), args.police_number)
        print(f"{done}: {args.police_number}")
        return 0

    return run


def cmd_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args)
    engine = _engine(settings)
    with transaction(session_factory(engine)) as session:
        accounts.reset_password(session, _actor(settings), args.police_number, password)
    print(f"已重置密码: {args.police_number}")
    return 0


def cmd_import_catalogue(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.store.appointments.catalogue import import_catalogue_file

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"找不到文件: {path}")
    engine = _engine(settings)
    with transaction(session_factory(engine)) as session:
        report = import_catalogue_file(session, _actor(settings), path)
    print(
        f"违法代码目录已导入: 新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}"
    )
    return 0


def cmd_verify_audit(settings: Settings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    with read_session(session_factory(engine)) as session:
        report = audit.verify_chain(session)
    if report.ok:
        print(f"审计链完整: 已校验 {report.checked} 行")
        return 0
    print(f"审计链损坏: 第一处损坏在 #{report.first_broken_id} — {report.reason}", file=sys.stderr)
    return 1


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.store.db.models import CatalogueEntry, Officer, Squad

    problems: list[str] = []
    engine = _engine(settings, require_schema=False)
    print(f"数据库: {engine.url.render_as_string()}  可连接")
    rev, head = current_revision(engine), head_revision()
    if rev != head:
        problems.append(f"结构版本 {rev or '（空库）'} ≠ {head}：请运行 officer-admin migrate")
    else:
        print(f"结构版本: {rev}（最新）")
        with read_session(session_factory(engine)) as session:
            report = audit.verify_chain(session)
            print(f"审计链: {report.reason}（{report.checked} 行）")
            if not report.ok:
                problems.append(f"审计链在 #{report.first_broken_id} 处损坏")
            admins = session.scalar(
                select(func.count())
                .select_from(Officer)
                .where(Officer.role == "admin", Officer.disabled.is_(False))
            )
            squads = session.scalar(select(func.count()).select_from(Squad))
            entries = session.scalar(select(func.count()).select_from(CatalogueEntry))
            print(f"管理员账号: {admins}  大队: {squads}  违法代码: {entries}")
            if not admins:
                problems.append(
                    "没有可用的管理员账号：请运行 officer-admin create-user --role admin"
                )
            if not entries:
                problems.append("违法代码目录为空：请运行 officer-admin import-catalogue")
    from officer_console.admin.store_check import check_evidence_store

    store_lines, store_problems = check_evidence_store(settings)
    print("\n".join(store_lines))
    problems.extend(store_problems)
    for problem in problems:
        print(f"问题: {problem}", file=sys.stderr)
    print("检查通过" if not problems else f"检查发现 {len(problems)} 个问题")
    return 0 if not problems else 1


def cmd_upload_evidence(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.admin.store_check import upload_spool
    from officer_console.store.db.engine import run_in_transaction

    factory = session_factory(_engine(settings))
    return upload_spool(settings, lambda work: run_in_transaction(factory, work))


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.admin.backup import backup

    engine = _engine(settings)
    target = backup(engine, Path(args.file))
    print(f"已备份到 {target}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.admin.backup import restore

    engine = _engine(settings, require_schema=False)
    restore(engine, Path(args.file))
    print(f"已从 {args.file} 恢复")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="officer-admin",
        description="Officer Console 管理工具：数据库迁移、账号、违法代码目录、审计校验、备份。"
        " 数据库由 OFFICER_CONSOLE_DATABASE_URL（SQLAlchemy URL）或配置文件指定。",
    )
    parser.add_argument("--database-url", help="覆盖 OFFICER_CONSOLE_DATABASE_URL")
    parser.add_argument("--config", help="TOML 配置文件（默认 OFFICER_CONSOLE_CONFIG）")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    parser.add_argument(
        "--version", action="version", version=f"officer-admin {__version__}", help="显示版本号"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("migrate", help="创建或升级数据库结构").set_defaults(run=cmd_migrate)
    p = sub.add_parser("seed-demo", help="写入济南支队演示数据（仅限空库）")
    p.add_argument(
        "--password", default=DEMO_PASSWORD, help=f"演示账号密码（默认 {DEMO_PASSWORD}）"
    )
    p.set_defaults(run=cmd_seed_demo)

    p = sub.add_parser("create-user", help="创建账号（首个管理员也由此创建）")
    p.add_argument("--police-number", required=True, help="警号（登录名）")
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument("--role", required=True, choices=accounts.ROLES, help="角色")
    p.add_argument("--squad", help="所属大队代码（民警、带班领导必填）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行密码")
    p.set_defaults(run=cmd_create_user)

    p = sub.add_parser("reset-password", help="重置账号密码")
    p.add_argument("police_number")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行密码")
    p.set_defaults(run=cmd_reset_password)
    for name, fn, done, text in (
        ("unlock", accounts.unlock, "已解锁", "解锁被锁定的账号"),
        ("disable", lambda s, a, n: accounts.set_disabled(s, a, n, True), "已停用", "停用账号"),
        ("enable", lambda s, a, n: accounts.set_disabled(s, a, n, False), "已启用", "启用账号"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("police_number")
        p.set_defaults(run=_account_action(fn, done))

    p = sub.add_parser("import-catalogue", help="导入违法代码目录 CSV")
    p.add_argument("file", help="CSV 文件（UTF-8）")
    p.set_defaults(run=cmd_import_catalogue)
    sub.add_parser("verify-audit", help="校验审计日志哈希链，报告第一处损坏").set_defaults(
        run=cmd_verify_audit
    )
    sub.add_parser(
        "check", help="检查数据库连接、结构版本、审计链、基础数据与证据存储"
    ).set_defaults(run=cmd_check)
    sub.add_parser(
        "upload-evidence", help="将本机暂存区的录像上传到证据存储并核验（控制台也会自动进行）"
    ).set_defaults(run=cmd_upload_evidence)
    p = sub.add_parser("backup", help="备份数据库（SQLite 在线备份）")
    p.add_argument("file")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help="从备份恢复数据库（SQLite）")
    p.add_argument("file")
    p.set_defaults(run=cmd_restore)
    from officer_console.admin import evidence_cli

    evidence_cli.register(sub)  # verify-evidence, export-case
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redaction.install()  # with -v botocore logs signed requests: credentials masked
    try:
        settings = load_settings(
            config_file=Path(args.config) if args.config else None, database_url=args.database_url
        )
        return int(args.run(settings, args))
    except (CommandError, ConfigError, DatabaseUnavailable, DomainError) as exc:
        print(f"officer-admin: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"officer-admin: 数据库错误，操作未完成（已回滚）: {type(exc).__name__}: {str(exc).splitlines()[0]}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("officer-admin: 已取消", file=sys.stderr)
        return 130
