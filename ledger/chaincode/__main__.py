"""Serve the anchoring chaincode as a service: `python -m ledger.chaincode`.

Chaincode-as-a-service: the peer dials us. CHAINCODE_SERVER_ADDRESS is where to listen (host:port) and
CHAINCODE_ID the package id the peer printed at `peer lifecycle chaincode install`. TLS is optional:
CHAINCODE_TLS_KEY and CHAINCODE_TLS_CERT (PEM files) turn it on, CHAINCODE_CLIENT_CA_CERT also requires the peer
to present a client certificate from that CA. The shim's own fallbacks to CORE_TLS_* never apply (start() always
passes its key/cert arguments), so the files are read here.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ledger.chaincode import new_chaincode


def _read(variable: str) -> bytes | None:
    path = os.environ.get(variable, "")
    return Path(path).read_bytes() if path else None


def main() -> int:
    address = os.environ.get("CHAINCODE_SERVER_ADDRESS", "")
    chaincode_id = os.environ.get("CHAINCODE_ID", "")
    if not address or not chaincode_id:
        print(
            "set CHAINCODE_SERVER_ADDRESS (host:port to listen on) and CHAINCODE_ID (the package id)", file=sys.stderr
        )
        return 2
    key, cert = _read("CHAINCODE_TLS_KEY"), _read("CHAINCODE_TLS_CERT")
    if (key is None) != (cert is None):
        print("CHAINCODE_TLS_KEY and CHAINCODE_TLS_CERT go together", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    chaincode = new_chaincode()
    chaincode.start(
        cc_id=chaincode_id,
        address=address,
        key=key,
        cert=cert,
        client_ca_certs=_read("CHAINCODE_CLIENT_CA_CERT"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
