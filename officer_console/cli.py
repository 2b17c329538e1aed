"""Entry points: ``officer-console`` (GUI), ``officer-gateway`` (citizen gateway), ``officer-admin``."""

from __future__ import annotations

import sys
from typing import TextIO

from officer_console import __version__


def version_text(prog: str) -> str:
    """What ``--version`` prints: ``<command> <version>`` (the .deb version follows it)."""
    return f"{prog} {__version__}"


def console_main(argv: list[str] | None = None) -> int:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="officer-console",
        description="Officer Console 远程执法办案民警端（图形界面）。数据库由"
        " OFFICER_CONSOLE_DATABASE_URL、配置文件（OFFICER_CONSOLE_CONFIG 或 <数据目录>/config.toml）"
        "或 OFFICER_CONSOLE_DATA_DIR 中的 SQLite 文件指定。",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="在新建的演示数据目录中迁移并写入演示数据后启动（SQLite；打印演示账号）",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="数据目录（覆盖 OFFICER_CONSOLE_DATA_DIR）"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    parser.add_argument(
        "--version", action="version", version=version_text("officer-console"), help="显示版本号"
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="不打开窗口，检查媒体组件、PDF、视频编解码、中文字体和音频设备（供 IT 验收安装）",
    )
    args = parser.parse_args(argv)
    if args.selftest:
        from officer_console.selftest import main as selftest_main

        return selftest_main(verbose=args.verbose)
    from officer_console.gui.shell.app import LaunchOptions, run

    demo = None
    if args.demo:  # the composition root prepares the demo; the GUI never imports it
        from officer_console.demo.console import ConsoleDemo

        demo = ConsoleDemo()
    return run(LaunchOptions(demo=demo, data_dir=args.data_dir, verbose=args.verbose))


def gateway_main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="officer-gateway", description="群众端网关（预约、验证码、信令）"
    )
    parser.add_argument("--host", default=None, help="监听地址（默认取配置 gateway_host）")
    parser.add_argument(
        "--port", type=int, default=None, help="监听端口（默认取配置 gateway_port）"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="演示模式：允许在表单中填写微信身份，并显示演示发件箱中的短信",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    parser.add_argument(
        "--version", action="version", version=version_text("officer-gateway"), help="显示版本号"
    )
    args = parser.parse_args(argv)

    from officer_console.config import ConfigError, load_settings

    configure_gateway_logging(verbose=args.verbose)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"officer-gateway: {exc}", file=sys.stderr)
        return 2
    from officer_console.domain.errors import DomainError
    from officer_console.evidence_store import open_store

    try:  # the evidence store's settings and keys, before citizens ask for documents
        evidence = open_store(settings)
    except DomainError as exc:
        print(f"officer-gateway: {exc}", file=sys.stderr)
        return 2
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("端口应为0至65535")
    from officer_console.gateway import serve
    from officer_console.store.db.engine import DatabaseUnavailable

    try:
        serve(
            settings,
            args.host or settings.gateway_host,
            settings.gateway_port if args.port is None else args.port,
            demo=args.demo,
            evidence=evidence,
        )
    except DatabaseUnavailable as exc:
        print(f"officer-gateway: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"officer-gateway: 无法监听: {exc}", file=sys.stderr)
        return 2
    return 0


def admin_main(argv: list[str] | None = None) -> int:
    from officer_console.admin.commands import main

    return main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(admin_main())


def configure_gateway_logging(*, verbose: bool, stream: TextIO | None = None) -> None:
    """The gateway's log: INFO (DEBUG with ``-v``) on stderr, credentials always masked."""
    import logging

    from officer_console.evidence_store.redaction import install

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=stream,
        force=stream is not None,
    )
    install()
