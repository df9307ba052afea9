"""The anchor backend the settings name (``ZHIFA_LEDGER_ANCHOR_BACKEND``: embedded or fabric)."""

from __future__ import annotations

from core.settings import Settings
from ledger.embedded import EmbeddedAnchorBackend
from ledger.heads import AnchorBackend


def make_backend(settings: Settings) -> AnchorBackend:
    if settings.ledger_anchor_backend == "fabric":
        from ledger.fabric import fabric_backend  # grpc and the Fabric protobufs load only when used

        return fabric_backend(settings)
    return EmbeddedAnchorBackend()
