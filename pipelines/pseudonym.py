"""Keyed pseudonyms for identifiers (HMAC-SHA256): people and referrals.

The key never ships with the code. It comes from OUTCOMES_PSEUDONYM_KEY, or, for the
bundled synthetic sample only, from the source folder's manifest (`demo_pseudonym_key`);
a warehouse built with a manifest key is marked as demo data.

"The bundled synthetic sample" is recognised by its seal, never by the manifest alone:
`sample_data/` writes SAMPLE.sha256 beside the extracts it generates (the sha256 of each
extract file, in `sha256sum` format), and the demo key is honoured only while every extract
file of the folder is one the seal lists, byte for byte. A demo manifest copied onto real
extracts (with or without the seal) fails the ingest instead of pseudonymising real people
with a published key.

Each kind of identifier has its own domain: a person is HMAC(key, person_id), a referral
HMAC(referral key, referral_id) with the referral key derived from the key, so a referral
pseudonym never equals a person pseudonym and one cannot be tried against the other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

KEY_ENV = "OUTCOMES_PSEUDONYM_KEY"
SAMPLE_SEAL = "SAMPLE.sha256"  # written by sample_data/ only (sample_data.output.write_seal)
PERSON, REFERRAL = "person", "referral"  # identifier domains (contracts.Column.pseudonymise)
DOMAINS = (PERSON, REFERRAL)


class MissingKeyError(Exception):
    pass


class NotTheSampleError(MissingKeyError):
    """A manifest's demo key on a folder that is not the bundled synthetic sample."""

    def __init__(self, folder: Path, why: str):
        super().__init__(
            f"manifest.json carries demo_pseudonym_key, but {folder} is not the bundled synthetic sample "
            f"({why}): set {KEY_ENV} (a long random secret kept outside the repository) to ingest real "
            "extracts, and remove demo_pseudonym_key from their manifest. The demo key is public: it is "
            "only for the synthetic sample."
        )


@dataclass(frozen=True)
class SampleSeal:
    """The extract files of a generated synthetic sample: file name -> sha256 of its bytes."""

    folder: Path
    files: dict[str, str]

    def check(self, name: str, content_hash: str) -> None:
        expected = self.files.get(name)
        if expected is None:
            raise NotTheSampleError(self.folder, f"{name} is not a file of the sample ({SAMPLE_SEAL})")
        if not hmac.compare_digest(expected, content_hash):
            raise NotTheSampleError(self.folder, f"{name} differs from the sample's file ({SAMPLE_SEAL})")


def seal_text(hashes: dict[str, str]) -> str:
    """SAMPLE.sha256 for these files (name -> sha256 hex): `sha256sum -c SAMPLE.sha256` checks it."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(hashes.items()))


def read_seal(folder: Path) -> SampleSeal | None:
    path = folder / SAMPLE_SEAL
    if not path.is_file():
        return None
    files = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name and "/" not in name:
            files[name] = digest.lower()
    return SampleSeal(folder, files)


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    demo: bool
    sample: SampleSeal | None = None  # demo keys only: the files the key may pseudonymise
    # domain -> raw value -> pseudonym, for this ingest: one person is in referrals, offences
    # and comparison, one referral in five extracts, and each is hashed once.
    _known: dict[str, dict[str, str]] = field(default_factory=lambda: {d: {} for d in DOMAINS}, init=False,
                                              repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Identifies the key (to refuse mixing keys in one warehouse) without revealing it."""
        return hmac.new(self.secret, b"diversion-outcomes key fingerprint", hashlib.sha256).hexdigest()[:16]

    def domain_secret(self, domain: str) -> bytes:
        """People are keyed with the key itself (pseudonyms as before referrals had one);
        every other domain with a key derived from it."""
        if domain == PERSON:
            return self.secret
        if domain not in DOMAINS:
            raise ValueError(domain)
        return hmac.new(self.secret, f"diversion-outcomes {domain} pseudonyms".encode(), hashlib.sha256).digest()

    def check_sample_file(self, name: str, content_hash: str) -> None:
        """A demo key pseudonymises only the sample's own files (NotTheSampleError otherwise)."""
        if self.demo:
            if self.sample is None:
                raise ValueError("a demo key without the sample's seal")
            self.sample.check(name, content_hash)

    def pseudonymise(self, values: pa.Array, domain: str = PERSON) -> pa.DictionaryArray:
        """HMAC of each distinct trimmed value; blanks stay blank (they are `missing_value`).
        Dictionary-encoded: each value is hashed once however many rows carry it."""
        encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values, null_encoding="encode")
        inner, outer = _hmac_pads(self.domain_secret(domain))
        known = self._known[domain]
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

    def pseudonym(self, raw: str, domain: str = PERSON) -> str:
        return hmac.new(self.domain_secret(domain), raw.strip(" \t").encode("utf-8"), hashlib.sha256).hexdigest()


def _hmac_pads(secret: bytes) -> tuple:
    """The two pre-keyed SHA-256 states of HMAC, so each value costs two cheap updates."""
    block = 64
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in secret))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in secret))
    return inner, outer


def resolve_key(manifest: dict, source_dir: Path, configured: str | None = None,
                bundled_sample: bool = False) -> PseudonymKey:
    """Configured key or environment first; the manifest's demo key only as a fallback (or,
    for the bundled synthetic sample, always), and only on a sealed sample folder: the
    returned key then checks each file against the seal (PseudonymKey.check_sample_file)."""
    secret = None if bundled_sample else configured or os.environ.get(KEY_ENV)
    if secret:
        return PseudonymKey(secret.encode("utf-8"), demo=False)
    demo_key = manifest.get("demo_pseudonym_key")
    if demo_key:
        seal = read_seal(source_dir)
        if seal is None:
            raise NotTheSampleError(source_dir, f"it has no {SAMPLE_SEAL}, which only sample_data/ writes")
        return PseudonymKey(str(demo_key).encode("utf-8"), demo=True, sample=seal)
    if bundled_sample:
        raise MissingKeyError(f"{source_dir}: the bundled sample's manifest.json has no demo_pseudonym_key")
    raise MissingKeyError(
        f"No pseudonymisation key: set {KEY_ENV} (a long random secret kept outside the repository). "
        "Person and referral identifiers are never stored without one."
    )
