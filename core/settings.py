"""Process-wide settings from the environment (prefix ZHIFA_; DATABASE_URL also accepted bare).

The embedded default needs no configuration: SQLite under ./var, Temporal dev server on
127.0.0.1:7233, API on 127.0.0.1:8000. Production swaps each by configuration only.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AgencyParticulars(BaseModel):
    """What an issuing unit's documents print besides its name in the jurisdiction tree (core.agencies):
    where the party submits statements and pays, who reviews and who hears a challenge. Any field left
    empty is derived (name, review body, court) or, for contact and payment, missing: a document that
    needs it is then not issued, and an officer is asked for the value (never a blank on paper)."""

    name: str | None = Field(default=None, description="printed agency name, e.g. 示范市清河区城市管理局")
    address: str | None = Field(default=None, description="where statements and hearing requests are submitted")
    contact_person: str | None = None
    contact_phone: str | None = None
    review_body: str | None = Field(default=None, description="行政复议机关 (复议法 Art. 24)")
    court: str | None = Field(default=None, description="the court that hears a challenge (行政诉讼法 Arts. 14, 18)")
    payment_bank: str | None = Field(default=None, description="指定银行 (处罚法 Art. 67 para 3)")
    payment_account_name: str | None = None
    payment_account: str | None = None
    payment_electronic: str | None = Field(default=None, description="电子缴款渠道 (处罚法 Art. 67 para 3)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFA_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "ZHIFA_DATABASE_URL"),
        description="SQLAlchemy URL; empty means SQLite at var/zhifa.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "zhifa"
    temporal_ui_port: int = 8233
    task_queue: str = "zhifa-main"
    documents_task_queue: str = Field(
        default="zhifa-documents",
        description="the queue document rendering runs on (empty: the case queue); `zhifa worker` serves it "
        "with document_render_concurrency renders at a time, so PDFs never starve workflow tasks",
    )
    document_render_concurrency: int = Field(
        default=1,
        ge=0,
        description="renders at once in this worker process (each is CPU-bound, 0.15-0.35 s); 0: this process "
        "does not render (another worker serves documents_task_queue)",
    )
    worker_max_concurrent_activities: int = 50
    worker_max_concurrent_workflow_tasks: int = 50

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    auth_secret: str = Field(
        default="",
        description="HMAC key that signs access tokens; empty means a random one kept in var/auth-secret",
    )
    access_token_minutes: int = Field(default=480, ge=1, description="token lifetime: one shift")

    seed_demo: bool = Field(default=True, description="seed demo reference data (embedded default only)")
    calendar_dir: Path | None = Field(
        default=None, description="admin-loaded holiday schedules; empty means var/calendar"
    )
    temporal_dev_config: Path = Field(
        default=Path("temporal-dev.yaml"),
        description="the embedded Temporal dev server's configuration, used by `zhifa dev`",
    )
    worker_graceful_shutdown_seconds: float = Field(
        default=10.0, description="how long in-flight activities may run on after SIGTERM"
    )

    # --- documents (core.docstore, core.numbering) ---
    document_store: Literal["local", "s3"] = Field(
        default="local", description="where issued documents are kept: a local directory or S3-compatible storage"
    )
    document_dir: Path | None = Field(default=None, description="the local document store; empty means var/documents")
    document_s3_bucket: str = ""
    document_s3_prefix: str = Field(default="documents/", description="key prefix; keys are <prefix><sha256>")
    document_s3_endpoint_url: str = Field(default="", description="S3-compatible endpoint (MinIO, Ceph…); empty: AWS")
    document_s3_region: str = "us-east-1"
    document_s3_access_key_id: str = Field(default="", description="empty: boto3's default credential chain")
    document_s3_secret_access_key: SecretStr = SecretStr("")
    document_s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="path", description="path-style suits most S3-compatible servers"
    )
    document_abbreviations: dict[str, str] = Field(
        default_factory=dict,
        description="jurisdiction code → 文号 abbreviation, overriding jurisdiction.abbreviation (JSON in the env)",
    )
    document_agencies: dict[str, AgencyParticulars] = Field(
        default_factory=dict,
        description="jurisdiction code → the issuing unit's particulars on documents (JSON in the env); "
        "with seed_demo on, the demo districts have demo particulars",
    )
    document_verify_base_url: str = Field(
        default="", description="public base URL printed in documents' QR codes; empty means http://api_host:api_port"
    )

    # --- evidence and the ledger (ledger/, core.evidence) ---
    evidence_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1, description="largest evidence upload")
    evidence_media_types: list[str] = Field(
        default_factory=lambda: [
            "image/jpeg",
            "image/png",
            "image/heic",
            "image/webp",
            "video/mp4",
            "video/quicktime",
            "audio/mpeg",
            "audio/mp4",
            "audio/wav",
            "audio/amr",
            "application/pdf",
            "application/json",
            "text/plain",
            "text/csv",
        ],
        description="media types accepted as evidence (JSON list in the env)",
    )
    ledger_log_id: str = Field(
        default="zhifa-evidence",
        pattern=r"^[^\s+]{1,128}$",  # also the checkpoint's origin and note key name: no spaces, no '+'
        description="the log's name, signed into every tree head; a domain-like name (城管.example.gov.cn/evidence) "
        "tells witnesses which log a checkpoint is from",
    )
    ledger_signing_key: SecretStr = Field(
        default=SecretStr(""),
        description="Ed25519 private key, PEM (PKCS#8); empty: var/ledger-key.pem, generated on first start",
    )
    ledger_anchor_backend: Literal["embedded", "fabric"] = Field(
        default="embedded", description="where signed tree heads are anchored"
    )
    ledger_anchor_every_seconds: int = Field(default=300, ge=1, description="anchor at least this often")
    ledger_anchor_every_leaves: int = Field(default=10_000, ge=1, description="…or as soon as this many leaves wait")
    ledger_fabric_peer_endpoint: str = Field(default="", description="host:port of a peer's Gateway service")
    ledger_fabric_peer_host_alias: str = Field(default="", description="TLS server name, when not the endpoint's host")
    ledger_fabric_tls_root_cert: Path | None = Field(default=None, description="PEM CA of the peer; empty: no TLS")
    ledger_fabric_tls_client_cert: Path | None = Field(
        default=None, description="PEM client TLS certificate, for peers that require client authentication"
    )
    ledger_fabric_tls_client_key: Path | None = Field(default=None, description="its private key, PEM")
    ledger_fabric_msp_id: str = ""
    ledger_fabric_cert: Path | None = Field(default=None, description="the client identity's X.509 certificate, PEM")
    ledger_fabric_key: Path | None = Field(default=None, description="its ECDSA P-256 private key, PEM")
    ledger_fabric_channel: str = "zhifa"
    ledger_fabric_chaincode: str = "evidence-anchor"
    ledger_fabric_timeout_seconds: float = Field(default=30.0, gt=0, description="per gRPC call")

    # --- perception (perception/) ---
    mqtt_host: str = Field(default="127.0.0.1", description="the MQTT broker of the sensors")
    mqtt_port: int = 1883
    mqtt_client_id: str = Field(
        default="zhifa-perception", description="stable: the broker keeps this client's session and queued messages"
    )
    mqtt_username: str = ""
    mqtt_password: SecretStr = SecretStr("")
    perception_violation_codes: dict[str, str] = Field(
        default_factory=lambda: {"street_vending": "street_vending_jiaxing", "piled_materials": "piling_materials_bj"},
        description="video violation type → the deploying city's violation catalogue code (JSON in the env); "
        "a type without one is recorded and triaged as notify-only",
    )
    notice_webhook_url: str = Field(
        default="",
        description="the city's messaging gateway (短信平台, 政务消息): non-contact notices are POSTed here "
        "(core/notices.py); empty: notices are recorded, not delivered",
    )
    notice_webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="HMAC-SHA256 key of the X-Zhifa-Signature header; empty: unsigned"
    )
    notice_webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="per delivery attempt")
    mqtt_embedded_broker: bool = Field(
        default=True, description="`zhifa dev`: start a pure-Python broker (amqtt) when none answers at mqtt_host"
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'zhifa.db'}"

    @property
    def effective_calendar_dir(self) -> Path:
        return self.calendar_dir or self.var_dir / "calendar"

    @property
    def effective_document_dir(self) -> Path:
        return self.document_dir or self.var_dir / "documents"

    @property
    def effective_verify_base_url(self) -> str:
        return (self.document_verify_base_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
