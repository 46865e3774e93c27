"""Typed configuration: ``load_config(path) -> Config``, checked before anything else runs.

Unknown keys and wrong types are errors that name the key path (``sections[1].params.top_n``)
and what is allowed. This is the bottom layer: it imports no section, alert or check module.
What the registry knows (section names, each section's params model, alert metrics) is checked one
layer up by ``fundflow.plan.load_config``, which the CLI uses; the quality check and dataset names
come from the small catalogue ``fundflow.quality_rules``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic import model_validator

from fundflow.data.importing import ImportSpec, check_spec
from fundflow.data.routes import ROUTES, route_names
from fundflow.errors import ConfigError
from fundflow.quality_rules import CHECKS, JUMP_DATASETS, SNAPSHOT_DATASETS
from fundflow.resources import BUNDLED_SAMPLE, BUNDLED_SEEDS

Lang = Literal["zh", "en"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Localized(_Model):
    """A text in both report languages."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class Analyst(_Model):
    name: str
    name_en: str | None = None
    license_no: str | None = None
    email: str | None = None


class ReportConfig(_Model):
    title: Localized = Localized(zh="资金行为跟踪周报", en="Weekly Fund-Flow Tracker")
    subtitle: Localized | None = None
    organisation: Localized = Localized(zh="示例证券研究所", en="Example Securities Research")
    analysts: tuple[Analyst, ...] = ()
    disclaimer: Localized | None = None
    logo: Path | None = Field(default=None, description="PNG, JPEG or SVG shown on the cover "
                                                        "(embedded in the HTML)")
    footer: Localized | None = Field(default=None, description="left page footer; default: "
                                                               "the organisation")


class CommentaryConfig(_Model):
    overrides_dir: Path | None = Field(
        default=None, description="folder of analyst override files, one per week, named "
        "<week end>.yaml, .yml, .md or .<lang>.md (e.g. 2025-11-07.yaml); a week without a "
        "file uses the generated text")


class AlertRule(_Model):
    """A threshold on a computed metric, tested every week; hits go on the cover and into the
    email subject. ``metric`` is ``<section id>.<metric name>`` (``fundflow sections`` lists the
    metric names); at least one of above / below / abs_above is set."""

    metric: str
    above: float | None = None
    below: float | None = None
    abs_above: float | None = None
    label: Localized | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> "AlertRule":
        if self.above is None and self.below is None and self.abs_above is None:
            raise ValueError("set at least one of above, below, abs_above")
        if "." not in self.metric:
            raise ValueError("metric must be '<section id>.<metric name>'")
        return self


class DataConfig(_Model):
    store: Path = Path("data/fundflow.duckdb")
    sample_store: Path = Path("data/sample.duckdb")
    # None: the copy shipped in the package (fundflow.resources), so an installed wheel builds
    # the sample report without a checkout
    sample_dir: Path | None = None
    seeds_dir: Path | None = None


class OutputConfig(_Model):
    dir: Path = Path("reports")
    pdf: bool = True
    excel: bool = True
    chart_dpi: int = Field(default=200, ge=72, le=600)
    pdf_timeout_s: float = Field(default=600.0, gt=0, le=7200,
                                 description="seconds WeasyPrint may take for the PDF before "
                                             "the build fails (the previous report is kept)")


class StyleConfig(_Model):
    up_color: str = "#d7262b"
    down_color: str = "#1a9641"
    accent_color: str = "#1f4e79"
    neutral_color: str = "#8c8c8c"
    font_family: str = "Noto Sans CJK SC"

    @field_validator("up_color", "down_color", "accent_color", "neutral_color")
    @classmethod
    def _hex(cls, v: str) -> str:
        import re

        if not re.fullmatch(r"#[0-9a-fA-F]{6}", v):
            raise ValueError("must be a colour like '#d7262b'")
        return v


class SectionEntry(_Model):
    section: str
    id: str | None = None
    enabled: bool = True
    required: bool = Field(default=False, description="true: the build fails when this section "
                           "cannot be computed; false: it shows 'data unavailable' and the rest "
                           "of the report builds")
    title: Localized | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        # the id names chart files, anchors and manifest keys: no path separators or dots
        import re

        if v is not None and not re.fullmatch(r"[a-z0-9_]{1,64}", v):
            raise ValueError("use lowercase letters, digits and _ (at most 64), e.g. "
                             "sw_industries_2")
        return v

    @property
    def key(self) -> str:
        return self.id or self.section


# -- delivery (issue 7) ---------------------------------------------------------------------------
# Placeholders allowed in delivery.email.subject and delivery.email.attachment_name.
DELIVERY_PLACEHOLDERS = ("week_end", "week_start", "sessions", "title", "organisation",
                         "issue_date")


def _check_placeholders(template: str) -> str:
    import string

    try:
        names = [f for _t, f, _s, _c in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"malformed placeholder: {exc}") from None
    for name in names:
        if name not in DELIVERY_PLACEHOLDERS:
            shown = "{" + name + "}" if name else "{}"
            raise ValueError(f"unknown placeholder {shown} (allowed: "
                             + ", ".join("{" + p + "}" for p in DELIVERY_PLACEHOLDERS) + ")")
    return template


def _check_address(value: str) -> str:
    from email.utils import parseaddr

    _name, addr = parseaddr(value)
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in addr):
        raise ValueError(f"not an e-mail address: {value!r}")
    if not domain.isascii():
        try:      # an internationalised domain goes on the wire in its IDNA (xn--) form
            domain.encode("idna")
        except UnicodeError:
            raise ValueError(f"not an e-mail address: {value!r} (the domain {domain!r} is not "
                             f"a valid internationalised domain name)") from None
    return value


class SmtpConfig(_Model):
    host: str = Field(description="SMTP server name")
    port: int | None = Field(default=None, ge=1, le=65535,
                             description="default 465 for ssl, 587 for starttls, 25 for none")
    security: Literal["ssl", "starttls", "none"] = Field(
        default="ssl", description="ssl = implicit TLS; starttls = upgrade a plain connection; "
                                   "none = no encryption (no login allowed)")
    timeout_s: float = Field(default=30.0, gt=0, le=600,
                             description="seconds to wait for the server at each step")
    ca_file: Path | None = Field(default=None,
                                 description="extra CA certificate(s) to trust, PEM "
                                             "(a corporate CA); relative to the config file")

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"ssl": 465, "starttls": 587, "none": 25}[self.security]


class EmailConfig(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)

    smtp: SmtpConfig = Field(description="{host, port, security, timeout_s, ca_file}")
    username: str | None = Field(default=None, description="SMTP login; omit for a relay "
                                                           "that needs none")
    # the password is read from this environment variable, never from the config file
    password_env: str = Field(default="FUNDFLOW_SMTP_PASSWORD",
                              pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                              description="environment variable holding the SMTP password "
                                          "(secrets never go in this file)")
    from_: str = Field(alias="from", description='sender, e.g. "周报 <reports@example.com>"')
    to: tuple[str, ...] = Field(min_length=1, description="recipients (at least one)")
    cc: tuple[str, ...] = Field(default=(), description="copy recipients")
    bcc: tuple[str, ...] = Field(default=(), description="blind copies (envelope only)")
    reply_to: str | None = Field(default=None, description="Reply-To address")
    subject: str = Field(default="{week_end} 资金行为周报",
                         description="placeholders: {week_end} {week_start} {sessions} "
                                     "{title} {organisation} {issue_date}; sample-data "
                                     "reports get a [样本数据] prefix")
    attachment_name: str = Field(default="{title}_{week_end}.pdf",
                                 description="PDF file name, same placeholders as subject")
    headline_table: str | None = Field(
        default=None, description="exhibit 'section_id.key' shown as a table in the mail; "
                                  "default broad_indices.broad_table, else the first table")
    charts: tuple[str, ...] | None = Field(
        default=None, description="exhibits 'section_id.key' shown inline; default "
                                  "broad_indices.broad_returns and sw_industries.sw_ranking")
    max_charts: int = Field(default=2, ge=0, le=6, description="inline charts at most")
    max_size_mb: float = Field(default=10.0, gt=0,
                               description="largest message after encoding, MB (1024² bytes)")
    retries: int = Field(default=3, ge=1, le=10,
                         description="attempts of the SMTP conversation on transient failures")
    retry_backoff_s: float = Field(default=5.0, ge=0, le=600,
                                   description="wait before the 2nd attempt; doubles each time")

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("password", "pass", "passwd", "smtp_password"):
                if key in data:
                    # drop the value first: the error message shows the input it was given
                    data.pop(key)
                    raise ValueError(
                        f"'{key}' is not allowed here: secrets never go into the config file; "
                        f"set the password in the environment variable "
                        f"{data.get('password_env', 'FUNDFLOW_SMTP_PASSWORD')}")
        return data

    @field_validator("from_", "reply_to")
    @classmethod
    def _addr(cls, v: str | None) -> str | None:
        return None if v is None else _check_address(v)

    @field_validator("to", "cc", "bcc")
    @classmethod
    def _addrs(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_address(a) for a in v)

    @field_validator("subject", "attachment_name")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return _check_placeholders(v)

    @field_validator("headline_table")
    @classmethod
    def _ref(cls, v: str | None) -> str | None:
        if v is not None and v.count(".") != 1:
            raise ValueError("must name an exhibit as 'section_id.key', e.g. "
                             "'broad_indices.broad_table'")
        return v

    @field_validator("charts")
    @classmethod
    def _refs(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for ref in v or ():
            if ref.count(".") != 1:
                raise ValueError(f"{ref!r}: must name an exhibit as 'section_id.key', e.g. "
                                 f"'sw_industries.sw_ranking'")
        return v


class DeliveryConfig(_Model):
    email: EmailConfig | None = Field(default=None, description="e-mail the built report")


class CollectConfig(_Model):
    """How ``fundflow collect`` calls akshare: timeouts, retries, politeness, history."""

    http_timeout_s: float = Field(default=30.0, gt=0, le=600, description=(
        "timeout of every HTTP request akshare makes (akshare itself sets none)"))
    call_deadline_s: float = Field(default=180.0, gt=0, le=3600, description=(
        "deadline of one akshare call, which may make many requests (paginated lists)"))
    attempts: int = Field(default=3, ge=1, le=10, description=(
        "tries per call; only transient errors (timeouts, connection, 429, 5xx) are retried"))
    backoff_initial_s: float = Field(default=1.0, ge=0, le=60, description=(
        "first retry wait; doubles per try, with full jitter"))
    backoff_max_s: float = Field(default=30.0, ge=0, le=600)
    min_interval_s: dict[str, float] = Field(
        default_factory=lambda: {"eastmoney": 1.0, "eastmoney_fund": 0.5, "sina": 1.0,
                                 "sse": 0.5, "szse": 0.5, "cffex": 0.5, "csindex": 0.5,
                                 "swsresearch": 0.5},
        description="minimum seconds between two calls to one site (eastmoney bans bursts)")
    default_min_interval_s: float = Field(default=0.5, ge=0, le=60)
    concurrency: int = Field(default=3, ge=1, le=16, description=(
        "datasets collected at the same time (calls to one site stay within its "
        "max_in_flight and min_interval_s)"))
    max_in_flight: dict[str, int] = Field(
        default_factory=lambda: {"eastmoney": 2},
        description="calls to one site at the same time (default 1). Calls still start "
                    "min_interval_s apart, so this overlaps slow answers without raising the "
                    "request rate; a paginated akshare function has its site to itself")
    site_failure_limit: int = Field(default=2, ge=1, le=100, description=(
        "calls failing after all retries before a site is skipped for the rest of the run"))
    daily_weeks: int = Field(default=2, ge=1, le=260, description=(
        "weeks collected by datasets fetched one day per call (margin detail, CFFEX, ETF "
        "shares): the report week and the one before; use 'fundflow backfill' for more"))

    sources: dict[str, list[str]] = Field(default_factory=dict, description=(
        "per dataset, the akshare routes to try in order when one fails (default: each "
        "dataset's order in data/routes.py, e.g. index_daily: [eastmoney, csindex, sina]); a "
        "route left out is not used. Rows from a route other than the first are labelled "
        "（备用来源） on the page"))

    @field_validator("sources")
    @classmethod
    def _known_routes(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for dataset, order in v.items():
            known = route_names(dataset)
            if not known:
                raise ValueError(
                    f"{dataset}: no dataset with a choice of routes (datasets with routes: "
                    f"{', '.join(sorted(ROUTES))})")
            unknown = [r for r in order if r not in known]
            if unknown:
                raise ValueError(f"{dataset}: unknown route(s) {', '.join(map(repr, unknown))} "
                                 f"(routes of {dataset}: {', '.join(known)})")
            if not order:
                raise ValueError(f"{dataset}: at least one route (routes of {dataset}: "
                                 f"{', '.join(known)})")
            if len(set(order)) != len(order):
                raise ValueError(f"{dataset}: a route is listed twice ({', '.join(order)})")
        return v

    @field_validator("max_in_flight")
    @classmethod
    def _at_least_one(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, x in v.items() if not 1 <= x <= 8]
        if bad:
            raise ValueError(f"must be between 1 and 8 (site {', '.join(bad)})")
        return v

    @field_validator("min_interval_s")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if x < 0]
        if bad:
            raise ValueError(f"intervals must be >= 0 (site {', '.join(bad)})")
        return v


# -- data quality (issue 9) ------------------------------------------------------------------------
QualityAction = Literal["send", "banner", "hold"]


class QualityActions(_Model):
    """What ``fundflow run`` does with the e-mail when the week's data has a finding of each
    severity (the strictest action wins): send it, send it with a warning banner on top, or
    hold it and tell ``quality.owner``."""

    info: QualityAction = "send"
    warning: QualityAction = "banner"
    error: QualityAction = "hold"


class QualityConfig(_Model):
    """The data-quality gate: findings per dataset (stale, missing sessions, out-of-range
    values, jumps, duplicates, ...) go to the data appendix and manifest.json."""

    owner: str | None = Field(default=None, description=(
        "address told when an e-mail is held or sent with a banner (default: "
        "delivery.email.from)"))
    actions: QualityActions = QualityActions()
    unavailable_section: Literal["info", "warning", "error"] = Field(
        default="error", description="severity of a section shown as 'data unavailable'")
    jump_pct: dict[str, float] = Field(default_factory=dict, description=(
        "per dataset: a day-over-day move beyond this many percent is a finding (overrides "
        "the built-in threshold)"))
    snapshot_max_age_days: dict[str, int] = Field(default_factory=dict, description=(
        "per snapshot dataset: a latest snapshot older than this is a finding"))
    disable: tuple[str, ...] = Field(default=(), description="checks switched off by name")

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str | None) -> str | None:
        return None if v is None else _check_address(v)

    @field_validator("jump_pct")
    @classmethod
    def _jump(cls, v: dict[str, float]) -> dict[str, float]:
        for name, pct in v.items():
            if name not in JUMP_DATASETS:
                raise ValueError(f"{name!r} has no jump check (datasets: "
                                 f"{', '.join(JUMP_DATASETS)})")
            if not pct > 0:
                raise ValueError(f"{name}: must be > 0, got {pct}")
        return v

    @field_validator("snapshot_max_age_days")
    @classmethod
    def _age(cls, v: dict[str, int]) -> dict[str, int]:
        for name, days in v.items():
            if name not in SNAPSHOT_DATASETS:
                raise ValueError(f"{name!r} is not a snapshot dataset (snapshots: "
                                 f"{', '.join(SNAPSHOT_DATASETS)})")
            if days < 1:
                raise ValueError(f"{name}: must be >= 1 day, got {days}")
        return v

    @field_validator("disable")
    @classmethod
    def _checks(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if c not in CHECKS]
        if bad:
            raise ValueError(f"unknown check(s) {', '.join(map(repr, bad))} (checks: "
                             f"{', '.join(CHECKS)})")
        return v


# -- bring your own data (issue 17) ----------------------------------------------------------------
class ImportLayout(_Model):
    """One recurring file layout: ``fundflow import --layout NAME FILE...`` (CLI flags add to
    or override it)."""

    dataset: str = Field(description="the dataset the files fill (`fundflow datasets`)")
    map: dict[str, str] = Field(default_factory=dict, description=(
        "file column -> dataset column, e.g. {日期: trade_date, 收盘价: close}"))
    set: dict[str, str] = Field(default_factory=dict, description=(
        "dataset column -> value for every row, e.g. {index_code: '000300'} (quote codes)"))
    unit: dict[str, str] = Field(default_factory=dict, description=(
        "dataset column -> unit of the file's values, converted to the stored unit: 元, 万元, "
        "亿元, 份, 万份, 亿份, 股, 万股, 亿股, %"))
    sheet: str | None = Field(default=None, description="XLSX sheet (default: the first)")
    source_label: str | None = Field(default=None, max_length=60, description=(
        "who made the file, shown with it as the source, e.g. Wind"))

    @model_validator(mode="after")
    def _fits_dataset(self) -> "ImportLayout":
        problems = check_spec(ImportSpec(self.dataset, self.map, self.set, self.unit),
                              where="")
        if problems:
            raise ValueError("; ".join(p.removeprefix(": ") for p in problems))
        return self


def _layout_names(v: dict[str, ImportLayout]) -> dict[str, ImportLayout]:
    for name in v:
        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"layout name {name!r}: use letters, digits, - and _")
    return v


class Config(_Model):
    report: ReportConfig = ReportConfig()
    data: DataConfig = DataConfig()
    output: OutputConfig = OutputConfig()
    style: StyleConfig = StyleConfig()
    language: Lang = "zh"
    templates_dir: Path | None = None
    sections: tuple[SectionEntry, ...] = ()
    collect: CollectConfig = CollectConfig()
    alerts: tuple[AlertRule, ...] = ()
    commentary: CommentaryConfig = CommentaryConfig()
    delivery: DeliveryConfig | None = None
    quality: QualityConfig = QualityConfig()
    imports: dict[str, ImportLayout] = Field(default_factory=dict, alias="import", description=(
        "named file layouts for `fundflow import --layout NAME FILE...`"))
    # Set by load_config (not keys of the file): where it was and a hash of its text.
    _source_path: Path | None = PrivateAttr(default=None)
    _source_hash: str = PrivateAttr(default="")

    @field_validator("imports")
    @classmethod
    def _imports(cls, v: dict[str, ImportLayout]) -> dict[str, ImportLayout]:
        return _layout_names(v)

    @property
    def source_path(self) -> Path | None:
        return self._source_path

    @property
    def source_hash(self) -> str:
        return self._source_hash

    def seeds_path(self) -> Path:
        """The reference tables: ``data.seeds_dir``, else the copy shipped in the package."""
        d = self.data.seeds_dir
        return BUNDLED_SEEDS if d is None else self.resolve(d)

    def sample_path(self) -> Path:
        """The sample data set: ``data.sample_dir``, else the copy shipped in the package."""
        d = self.data.sample_dir
        return BUNDLED_SAMPLE if d is None else self.resolve(d)

    def resolve(self, p: Path) -> Path:
        """Paths in config are relative to the config file's folder."""
        if p.is_absolute() or self.source_path is None:
            return p
        return (self.source_path.parent / p).resolve()


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc`` (for listing allowed keys)."""
    import typing

    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        # unwrap Optional[...] / tuple[...] to the model inside
        for _ in range(3):
            args = [a for a in typing.get_args(ann) if a is not type(None) and a is not Ellipsis]
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                break
            if args:
                ann = args[0]
        current = ann
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def format_validation_error(exc: ValidationError, model: type[BaseModel], where: str,
                            prefix: tuple[Any, ...] = ()) -> str:
    """One line per problem: ``where: key.path: what is wrong (allowed: ...)``."""
    lines = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        path = _loc_str(loc)
        etype = err["type"]
        if etype == "extra_forbidden":
            owner = _model_at(model, tuple(err["loc"]))
            allowed = ", ".join(sorted(owner.model_fields)) if owner else "?"
            lines.append(f"{where}: {path}: unknown key (allowed keys: {allowed})")
        elif etype == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            lines.append(f"{where}: {path}: got {err.get('input')!r}, allowed values: {expected}")
        elif etype == "missing":
            lines.append(f"{where}: {path}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {path}: {msg} (got {err.get('input')!r})")
    return "\n".join(lines)


def parse_config(data: Any, *, where: str = "config") -> Config:
    """Validate a parsed YAML document: its shape and every value this module can check on its
    own. The checks against the section registry (section names, params, alert metrics) are
    ``fundflow.plan.check_config``; ``fundflow.plan.parse_config`` does both."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys, "
                          f"got {type(data).__name__}")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, Config, where)) from None
    return cfg


# A config expands to a few hundred nodes; aliases may not blow it up beyond this many
# (a "billion laughs" document is a few lines that expand to 10^9 nodes).
MAX_YAML_NODES = 100_000


class _YamlProblem(Exception):
    """A well-formed YAML document this program refuses (duplicate key, alias bomb)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys and alias expansion beyond a bound."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            ident = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if ident in seen:
                raise _YamlProblem(f"line {line}: duplicate key {key_node.value!r} "
                                   f"(first at line {seen[ident]})")
            seen[ident] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded (memoised per node, so
    it costs the size of the document as written; a cycle counts as too large)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            sizes[key] = min(MAX_YAML_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in sizes:
            continue
        if key in active:
            return MAX_YAML_NODES + 1  # an alias inside its own anchor: infinite
        active.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, False) for c in node.value if id(c) not in sizes)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((c, False) for pair in node.value for c in pair if id(c) not in sizes)
    return sizes[id(root)]


def safe_yaml_load(text: str, where: str) -> Any:
    """Parse YAML with safe types only; raise ConfigError (one line naming ``where``) for
    malformed YAML, duplicate keys and alias expansion beyond MAX_YAML_NODES nodes."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_YAML_NODES:
            raise _YamlProblem(f"aliases expand to more than {MAX_YAML_NODES} nodes "
                               f"(refused: a config never needs that many)")
        return loader.construct_document(node)
    except _YamlProblem as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{where}: YAML nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: malformed YAML{at}: {problem}") from None
    finally:
        loader.dispose()


def load_config(path: Path | str) -> Config:
    """Read and validate a YAML config file. Raises ConfigError naming the file and key."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset "
                          f"{exc.start} cannot be decoded (save the file as UTF-8)") from None
    data = safe_yaml_load(text, str(p))
    cfg = parse_config(data, where=str(p))
    cfg._source_path = p.resolve()
    cfg._source_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    if cfg.templates_dir is not None and not cfg.resolve(cfg.templates_dir).is_dir():
        raise ConfigError(f"{p}: templates_dir: {cfg.resolve(cfg.templates_dir)} is not a "
                          f"folder (it does not exist or is a file)", key="templates_dir")
    return cfg
