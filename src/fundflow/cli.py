"""Command line: the only place that parses argv, prints and exits."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fundflow.progress import Progress
from fundflow.errors import ConfigError, FundflowError

log = logging.getLogger("fundflow")


class _LogProgress(Progress):
    def stage(self, name: str, detail: str = "") -> None:
        log.info("%s: %s", name, detail)

    def close(self) -> None:
        pass


def _build_progress() -> Progress:
    """The build's stages drawn by rich on a terminal, log lines otherwise."""
    if sys.stderr.isatty():
        from fundflow.terminal import RichBuildProgress

        return RichBuildProgress()
    return _LogProgress()


def _week_arg(value: str) -> date | None:
    if value == "latest":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--week must be a date like 2025-11-07 or 'latest', got {value!r}") from None


def _out_arg(value: str) -> Path:
    # '' would be the current folder: the build would overwrite its index.html
    if not value.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    return Path(value)


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="fundflow", description="Weekly A-share fund-flow research report: collect data "
        "from akshare, build HTML and PDF, e-mail it to the team.")
    ap.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the weekly report (HTML + PDF)")
    b.add_argument("--config", type=Path, default=Path("config.yaml"))
    b.add_argument("--week", type=_week_arg, default=None, metavar="DATE|latest",
                   help="any date inside the report week, or 'latest' (default)")
    b.add_argument("--source", choices=["sample", "store", "akshare"], default="store")
    b.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: config 'language', zh)")
    b.add_argument("--out", type=_out_arg, default=None, help="output folder (default: reports/)")
    b.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)
    c = sub.add_parser("config", help="check the config or print its reference")
    csub = c.add_subparsers(dest="config_command", required=True)
    cc = csub.add_parser("check", help="validate config.yaml, section params, alerts and "
                                       "templates without touching data or network")
    cc.add_argument("--config", type=Path, default=Path("config.yaml"))
    csub.add_parser("reference", help="print the configuration reference (Markdown)")
    sub.add_parser("sections", help="list the registered sections with params and datasets")
    _add_delivery_commands(sub)
    _add_collect_commands(sub)
    _add_import_commands(sub)
    return ap


def _cmd_config(args: argparse.Namespace) -> int:
    from fundflow.plan import load_config
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
    from fundflow.plan import load_config

    cfg = load_config(args.config)
    progress = _build_progress()
    try:
        result = build(cfg, BuildRequest(week=args.week, source=args.source,
                                         lang=args.lang or cfg.language, out_dir=args.out),
                       now=datetime.now(timezone.utc), progress=progress)
    finally:
        progress.close()
    for key, reason in result.unavailable.items():
        print(f"fundflow: warning: section {key} is not in the report: {reason}",
              file=sys.stderr)
    print(f"report for week {result.week.start}..{result.week.end}: {result.html}")
    if result.pdf:
        print(f"pdf ({result.pages} pages): {result.pdf}")
    _update_archive(cfg, args.out)
    return 0


# -- delivery (issue 7): send, run, archive --------------------------------------------------------
if TYPE_CHECKING:
    from fundflow.config import Config
    from fundflow.delivery.send import DeliveryResult


def _addr_arg(value: str) -> str:
    from fundflow.config import _check_address

    try:
        return _check_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--to: {exc}") from None


def _add_delivery_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    week_help = ("any date inside the report week, or 'latest' (default): the last week whose "
                 "last session has closed (15:00 Asia/Shanghai)")
    s = sub.add_parser("send", help="e-mail a built report, once per week and recipient")
    r = sub.add_parser("run", help="collect, build and send: the one command a scheduler calls")
    for p in (s, r):
        p.add_argument("--config", type=Path, default=Path("config.yaml"))
        p.add_argument("--week", type=_week_arg, default=None, metavar="DATE|latest",
                       help=week_help)
        p.add_argument("--out", type=_out_arg, default=None,
                       help="reports folder (default: config output.dir)")
        p.add_argument("--dry-run", action="store_true",
                       help="write the message to reports/<week>/report.eml instead of sending")
        p.add_argument("--to", action="append", type=_addr_arg, default=[], metavar="ADDR",
                       help="send to ADDR only, instead of delivery.email to/cc/bcc "
                            "(repeatable)")
        p.add_argument("--force", action="store_true",
                       help="send even if the delivery ledger says this week went out")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)
    r.add_argument("--source", choices=["sample", "store", "akshare"], default="store",
                   help="akshare collects the week first; store builds from collected data")
    r.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: config 'language', zh)")
    a = sub.add_parser("archive", help="rewrite reports/index.html from the built reports")
    a.add_argument("--config", type=Path, default=Path("config.yaml"))
    a.add_argument("--out", type=_out_arg, default=None,
                   help="reports folder (default: config output.dir)")


def _update_archive(cfg: Config, out: Path | None) -> None:
    """Rewrite reports/index.html; a failure there is a warning, not a failed build."""
    from fundflow.archive import write_index_for

    try:
        write_index_for(cfg, out)
    except FundflowError as exc:
        log.warning("archive page not updated: %s", exc)


def _report_delivery(result: DeliveryResult) -> int:
    week = result.week_end.isoformat()
    mb = result.size_bytes / (1024 * 1024)
    if result.status == "skipped":
        print(f"week {week} was already sent to {', '.join(result.already)} "
              f"({result.reply}); nothing sent, use --force to send again")
        if result.note:
            print(f"note: {result.note}")
        return 0
    if result.status == "dry_run":
        print(f"dry run: wrote {result.eml} ({mb:.2f} MB) for {', '.join(result.recipients)}; "
              f"nothing sent")
        if result.already:
            print(f"already sent before (left out): {', '.join(result.already)}")
        if result.note:
            print(f"note: {result.note}")
        return 0
    print(f"sent week {week} to {', '.join(result.recipients)} ({mb:.2f} MB, "
          f"{result.message_id}); server: {result.reply}")
    if result.already:
        print(f"already sent before (left out): {', '.join(result.already)}")
    if result.refused:
        for addr, (code, text) in result.refused.items():
            print(f"fundflow: error: recipient {addr} refused by the server: {code} {text}",
                  file=sys.stderr)
        return 1
    return 0


def _cmd_send(args: argparse.Namespace) -> int:
    from fundflow.plan import load_config
    from fundflow.delivery.compose import require_email
    from fundflow.delivery.send import deliver, resolve_week

    cfg = load_config(args.config)
    require_email(cfg)
    now = datetime.now(timezone.utc)
    week = args.week or resolve_week(cfg, None, now).end
    result = deliver(cfg, week=week, reports_dir=args.out or cfg.resolve(cfg.output.dir),
                     now=now, dry_run=args.dry_run, to=args.to, force=args.force)
    return _report_delivery(result)


def _cmd_run(args: argparse.Namespace) -> int:
    from fundflow.build import BuildRequest, build
    from fundflow.plan import load_config
    from fundflow.delivery.compose import require_email
    from fundflow.delivery.send import already_delivered, deliver, resolve_week
    from fundflow.quality import banner_text, delivery_decision, findings_from_manifest

    cfg = load_config(args.config)
    require_email(cfg)
    now = datetime.now(timezone.utc)
    week = resolve_week(cfg, args.week, now, source=args.source)
    kind = "sample" if args.source == "sample" else "real"
    if not args.force and not args.dry_run:
        done = already_delivered(cfg, week.end, kind, args.to)
        if done:
            print(f"week {week.end} was already sent to {', '.join(sorted(done))}; "
                  f"nothing to do (use --force to build and send again)")
            return 0
    log.info("run: week %s..%s, source %s", week.start, week.end, args.source)
    if args.source == "akshare":
        _log_doctor(cfg, now)
    progress = _build_progress()
    try:
        built = build(cfg, BuildRequest(week=week.end, source=args.source,
                                        lang=args.lang or cfg.language, out_dir=args.out),
                      now=now, progress=progress)
    finally:
        progress.close()
    print(f"report for week {built.week.start}..{built.week.end}: {built.html}")
    _update_archive(cfg, args.out)
    # the data-quality policy decides: send, send with a warning banner, or hold (issue 9)
    findings = findings_from_manifest(built.manifest, cfg.quality)
    action = delivery_decision(findings, cfg.quality)
    if action == "hold" and not args.force:
        return _hold(cfg, built, findings, now, dry_run=args.dry_run)
    banner = banner_text(findings, built.manifest.get("language", "zh")) \
        if action in ("banner", "hold") else ""
    result = deliver(cfg, folder=built.folder, now=now, dry_run=args.dry_run, to=args.to,
                     force=args.force, banner=banner)
    return _report_delivery(result)


EXIT_HELD = 3


def _hold(cfg: Any, built: Any, findings: Any, now: datetime, *, dry_run: bool) -> int:
    """Do not deliver; tell the owner (quality.owner, else the sender) why, and exit 3."""
    from fundflow.delivery.send import notify_owner
    from fundflow.quality import owner_notice

    subject, body = owner_notice(findings, week_label=built.week.label,
                                 report_folder=str(built.folder), action="hold")
    owner = cfg.quality.owner or cfg.delivery.email.from_
    if dry_run:
        print(f"dry run: the report would be held; the owner {owner} would get: {subject}")
    else:
        notify_owner(cfg, owner, subject, body, now=now)
    print(f"fundflow: week {built.week.label} held by the data-quality policy (see the data "
          f"appendix); {owner} was told. Send anyway with --force.", file=sys.stderr)
    return EXIT_HELD


def _cmd_archive(args: argparse.Namespace) -> int:
    from fundflow.archive import write_index_for
    from fundflow.plan import load_config

    cfg = load_config(args.config)
    print(write_index_for(cfg, args.out))
    return 0


def _add_collect_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("collect", help="fetch the week's data from akshare into the store")
    bf = sub.add_parser("backfill", help="fetch N weeks of history (streaks, percentiles, "
                                         "52-week ranges) from akshare into the store")
    for p in (c, bf):
        p.add_argument("--config", type=Path, default=Path("config.yaml"))
        p.add_argument("--week", type=_week_arg, default=None, metavar="DATE|latest",
                       help="any date inside the report week, or 'latest' (default)")
        p.add_argument("--datasets", type=_datasets_arg, default=None, metavar="NAME,...",
                       help="only these datasets (default: what the enabled sections need)")
        p.add_argument("--refresh", action="store_true",
                       help="fetch again what the store already has")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)
    bf.add_argument("--weeks", type=int, required=True, metavar="N",
                    help="weeks of history before the report week")
    d = sub.add_parser("doctor", help="one small live call per dataset the config needs: "
                                      "status, latest date, magnitude; run it once after "
                                      "installing")
    d.add_argument("--config", type=Path, default=Path("config.yaml"))
    d.add_argument("--timeout", type=_seconds_arg, default=60.0, metavar="S",
                   help="overall deadline in seconds (default 60)")
    d.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)


def _seconds_arg(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = float("nan")
    if not 1 <= x <= 3600:
        raise argparse.ArgumentTypeError(f"--timeout must be seconds between 1 and 3600, "
                                         f"got {value!r}")
    return x


def _datasets_arg(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError("--datasets: give dataset names separated by commas")
    return names


def _collect_now() -> datetime:
    """The collection clock (a function so tests can fix it)."""
    return datetime.now(timezone.utc)


class _CollectLines:
    """Collection progress without a terminal (cron, CI): a line per finished dataset."""

    def started(self, dataset: str, units: int) -> None:
        pass

    def advanced(self, dataset: str, done: int, units: int, label: str) -> None:
        pass

    def finished(self, report: Any) -> None:
        sys.stderr.write(f"[collect] {report.dataset}: {report.status}, {report.rows} rows, "
                         f"{report.seconds:.1f} s\n")

    def close(self) -> None:
        pass


def _collect_progress() -> Any:
    """Rows per dataset drawn by rich on a terminal, plain lines otherwise."""
    if sys.stderr.isatty():
        from fundflow.terminal import RichCollectProgress

        return RichCollectProgress()
    return _CollectLines()


def _cmd_doctor(args: argparse.Namespace) -> int:
    from fundflow.plan import load_config
    from fundflow.doctor import doctor, doctor_lines

    cfg = load_config(args.config)
    result = doctor(cfg, now=_collect_now(), deadline_s=args.timeout)
    print("\n".join(doctor_lines(result)))
    return 0 if result.ok else 1


def _log_doctor(cfg: Any, now: datetime) -> None:
    """Before a run collects: the doctor's table in the log, so a failed Friday shows which
    source was down before the collection started."""
    from fundflow.doctor import doctor, doctor_lines

    result = doctor(cfg, now=now, deadline_s=min(120.0, cfg.collect.call_deadline_s))
    for line in doctor_lines(result):
        log.info("doctor: %s", line)


def _cmd_collect(args: argparse.Namespace) -> int:
    from fundflow.collect import CollectRequest, collect, summary_lines
    from fundflow.plan import load_config

    cfg = load_config(args.config)
    weeks = getattr(args, "weeks", None)
    progress = _collect_progress()
    try:
        result = collect(cfg, CollectRequest(week=args.week, datasets=args.datasets,
                                             refresh=args.refresh, backfill_weeks=weeks),
                         now=_collect_now(), progress=progress)
    finally:
        progress.close()
    print("\n".join(summary_lines(result)))
    return 0 if result.ok else 1


# -- bring your own data (issue 17): import, datasets ------------------------------------------
def _add_import_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser(
        "import", help="import a team's CSV, XLSX or Parquet files (Wind, Choice, Excel) into "
                       "the store, checked like collected data",
        usage="fundflow import DATASET FILE... [options]\n"
              "       fundflow import --layout NAME FILE... [options]")
    i.add_argument("args", nargs="+", metavar="DATASET FILE...",
                   help="the dataset (`fundflow datasets`) and one or more files; with --layout "
                        "only the files")
    i.add_argument("--config", type=Path, default=Path("config.yaml"))
    i.add_argument("--layout", default=None, metavar="NAME",
                   help="a named layout from the config's import: block")
    i.add_argument("--map", action="append", default=[], metavar="SRC=DST",
                   help="rename the file's column SRC to the dataset's column DST (repeatable)")
    i.add_argument("--set", action="append", default=[], metavar="COL=VALUE",
                   help="fill column COL, which the file lacks, with VALUE (repeatable)")
    i.add_argument("--unit", action="append", default=[], metavar="COL=UNIT",
                   help="the file gives COL in UNIT (元|万元|亿元|万份|份|股|万股|%%); converted "
                        "to the stored unit (repeatable)")
    i.add_argument("--sheet", default=None, metavar="NAME", help="XLSX sheet (default: first)")
    i.add_argument("--source-label", default=None, metavar="LABEL",
                   help="who made the file, shown with it as its source (e.g. Wind)")
    i.add_argument("--dry-run", action="store_true",
                   help="check the files and print what would change; write nothing")
    i.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)
    sub.add_parser("datasets", help="list every dataset: columns, types, units, required "
                                    "columns and the sections that use it")


def _import_now() -> datetime:
    """The import clock (a function so tests can fix it)."""
    return datetime.now(timezone.utc)


def _cmd_import(args: argparse.Namespace) -> int:
    from fundflow.plan import load_config
    from fundflow.data.importing import parse_pairs
    from fundflow.data.schemas import DATASETS
    from fundflow.importer import ImportRequest, run_import, summary_lines

    mapping = parse_pairs(args.map, "--map")
    set_values = parse_pairs(args.set, "--set")
    units = parse_pairs(args.unit, "--unit")
    positional = list(args.args)
    dataset = None
    if args.layout is None or (positional and positional[0] in DATASETS
                               and not Path(positional[0]).exists()):
        dataset = positional.pop(0)
    if not positional:
        raise ConfigError("import: give at least one file after the dataset")
    cfg = load_config(args.config)
    result = run_import(cfg, ImportRequest(
        files=tuple(Path(p) for p in positional), dataset=dataset, layout=args.layout,
        mapping=mapping, set_values=set_values, units=units, sheet=args.sheet,
        source_label=args.source_label, dry_run=args.dry_run), now=_import_now())
    print("\n".join(summary_lines(result)))
    return 0


def _cmd_datasets(_args: argparse.Namespace) -> int:
    from fundflow.introspect import datasets_listing

    sys.stdout.write(datasets_listing())
    return 0


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Logs to whatever ``sys.stderr`` is at the time of the record: while rich draws progress
    it redirects stderr, so a warning prints above the live lines instead of through them."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if sys.stderr.isatty() and not args.debug:
        handler.setLevel(logging.WARNING)   # the live progress shows what the INFO lines say
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, handlers=[handler])
    for noisy in ("fontTools", "weasyprint", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "build":
            return _cmd_build(args)
        if args.command == "config":
            return _cmd_config(args)
        if args.command == "sections":
            return _cmd_sections(args)
        if args.command in ("collect", "backfill"):
            return _cmd_collect(args)
        if args.command == "doctor":
            return _cmd_doctor(args)
        if args.command == "import":
            return _cmd_import(args)
        if args.command == "datasets":
            return _cmd_datasets(args)
        if args.command in ("send", "run", "archive"):
            return {"send": _cmd_send, "run": _cmd_run, "archive": _cmd_archive}[args.command](args)
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
