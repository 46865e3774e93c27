"""Command line: the only place that parses argv, prints and exits."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from fundflow.progress import Progress
from fundflow.errors import FundflowError

log = logging.getLogger("fundflow")


class _TerminalProgress(Progress):
    """One status line rewritten in place on a terminal."""

    def __init__(self) -> None:
        self._width = 0

    def stage(self, name: str, detail: str = "") -> None:
        line = f"[{name}] {detail}"[:100]
        sys.stderr.write("\r" + line.ljust(self._width))
        sys.stderr.flush()
        self._width = len(line)

    def close(self) -> None:
        if self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()


class _LogProgress(Progress):
    def stage(self, name: str, detail: str = "") -> None:
        log.info("%s: %s", name, detail)

    def close(self) -> None:
        pass


def _week_arg(value: str) -> date | None:
    if value == "latest":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--week must be a date like 2025-11-07 or 'latest', got {value!r}") from None


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="fundflow", description=__doc__)
    ap.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the weekly report (HTML + PDF)")
    b.add_argument("--config", type=Path, default=Path("config.yaml"))
    b.add_argument("--week", type=_week_arg, default=None, metavar="DATE|latest",
                   help="any date inside the report week, or 'latest' (default)")
    b.add_argument("--source", choices=["sample", "store", "akshare"], default="store")
    b.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: config 'language', zh)")
    b.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    b.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)
    c = sub.add_parser("config", help="check the config or print its reference")
    csub = c.add_subparsers(dest="config_command", required=True)
    cc = csub.add_parser("check", help="validate config.yaml, section params, alerts and "
                                       "templates without touching data or network")
    cc.add_argument("--config", type=Path, default=Path("config.yaml"))
    csub.add_parser("reference", help="print the configuration reference (Markdown)")
    sub.add_parser("sections", help="list the registered sections with params and datasets")
    return ap


def _cmd_config(args: argparse.Namespace) -> int:
    from fundflow.config import load_config
    from fundflow.introspect import check_config, config_reference

    if args.config_command == "reference":
        sys.stdout.write(config_reference())
        return 0
    cfg = load_config(args.config)
    lines = check_config(cfg)
    print(f"{args.config}: OK")
    for line in lines:
        print(line)
    return 0


def _cmd_sections(_args: argparse.Namespace) -> int:
    from fundflow.introspect import sections_listing

    sys.stdout.write(sections_listing())
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from fundflow.build import BuildRequest, build
    from fundflow.config import load_config

    cfg = load_config(args.config)
    progress = _TerminalProgress() if sys.stderr.isatty() else _LogProgress()
    try:
        result = build(cfg, BuildRequest(week=args.week, source=args.source,
                                         lang=args.lang or cfg.language, out_dir=args.out),
                       now=datetime.now(timezone.utc), progress=progress)
    finally:
        progress.close()
    print(f"report for week {result.week.start}..{result.week.end}: {result.html}")
    if result.pdf:
        print(f"pdf ({result.pages} pages): {result.pdf}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    for noisy in ("fontTools", "weasyprint", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "build":
            return _cmd_build(args)
        if args.command == "config":
            return _cmd_config(args)
        if args.command == "sections":
            return _cmd_sections(args)
    except FundflowError as exc:
        if args.debug:
            raise
        msg = str(exc).strip().splitlines()
        print(f"fundflow: error: {msg[0]}", file=sys.stderr)
        for extra in msg[1:]:
            print(f"  {extra}", file=sys.stderr)
        return 2 if type(exc).__name__ == "ConfigError" else 1
    except KeyboardInterrupt:
        print("fundflow: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
