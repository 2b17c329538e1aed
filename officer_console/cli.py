"""Entry points: ``officer-console`` (GUI), ``officer-gateway`` (citizen gateway), ``officer-admin``."""

from __future__ import annotations

import sys


def console_main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="officer-console", description="Officer Console 远程执法办案民警端（图形界面）"
    )
    parser.add_argument(
        "--demo", action="store_true", help="在临时 SQLite 演示数据库上启动（含内置网关）"
    )
    parser.parse_args(argv)
    print(
        "officer-console: 图形界面尚未构建（not built yet）; 请使用 officer-admin", file=sys.stderr
    )
    return 2


def gateway_main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="officer-gateway", description="群众端网关（预约、验证码、信令）"
    )
    parser.add_argument("--host", default=None, help="监听地址")
    parser.add_argument("--port", type=int, default=None, help="监听端口")
    parser.parse_args(argv)
    print("officer-gateway: 网关尚未构建（not built yet）", file=sys.stderr)
    return 2


def admin_main(argv: list[str] | None = None) -> int:
    from officer_console.admin.commands import main

    return main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(admin_main())
