"""Keyed pseudonyms for person identifiers (HMAC-SHA256).

The key never ships with the code. It comes from OUTCOMES_PSEUDONYM_KEY, or, for the
bundled synthetic sample only, from the source folder's manifest (`demo_pseudonym_key`);
a warehouse built with a manifest key is marked as demo data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

KEY_ENV = "OUTCOMES_PSEUDONYM_KEY"


class MissingKeyError(Exception):
    pass


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    demo: bool
    # raw value -> pseudonym, for this ingest: one person is in referrals, offences and
    # comparison, and is hashed once.
    _known: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Identifies the key (to refuse mixing keys in one warehouse) without revealing it."""
        return hmac.new(self.secret, b"diversion-outcomes key fingerprint", hashlib.sha256).hexdigest()[:16]

    def pseudonymise(self, values: pa.Array) -> pa.DictionaryArray:
        """HMAC of each distinct trimmed value; blanks stay blank (they are `missing_value`).
        Dictionary-encoded: each value is hashed once however many rows carry it."""
        encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values, null_encoding="encode")
        inner, outer = _hmac_pads(self.secret)
        known = self._known
        pseudonyms = []
        for raw in encoded.dictionary.to_pylist():
            text = (raw or "").strip(" \t")
            pseudonym = known.get(text)
            if pseudonym is None:
                pseudonym = ""
                if text != "":
                    digest = inner.copy()
                    digest.update(text.encode("utf-8"))
                    final = outer.copy()
                    final.update(digest.digest())
                    pseudonym = final.hexdigest()
                known[text] = pseudonym
            pseudonyms.append(pseudonym)
        return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(pseudonyms, pa.string()))

    def pseudonym(self, raw: str) -> str:
        return hmac.new(self.secret, raw.strip(" \t").encode("utf-8"), hashlib.sha256).hexdigest()


def _hmac_pads(secret: bytes) -> tuple:
    """The two pre-keyed SHA-256 states of HMAC, so each value costs two cheap updates."""
    block = 64
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in secret))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in secret))
    return inner, outer


def resolve_key(manifest: dict, configured: str | None = None, demo_only: bool = False) -> PseudonymKey:
    """Configured key or environment first; the manifest's demo key only as a fallback
    (or, for the bundled synthetic sample, always)."""
    secret = None if demo_only else configured or os.environ.get(KEY_ENV)
    if secret:
        return PseudonymKey(secret.encode("utf-8"), demo=False)
    demo_key = manifest.get("demo_pseudonym_key")
    if demo_key:
        return PseudonymKey(str(demo_key).encode("utf-8"), demo=True)
    raise MissingKeyError(
        f"No pseudonymisation key: set {KEY_ENV} (a long random secret kept outside the repository). "
        "Person identifiers are never stored without one."
    )
