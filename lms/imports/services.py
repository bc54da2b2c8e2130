"""Importing units and accounts from the web: a dry run, then the same import confirmed.

The file is checked by the same importers as ``lms units import`` / ``lms users import``
(all rows valid or nothing written, every problem with its line). The dry run works out what
the file would change and writes nothing. The page then carries the file back with a signed
token naming its SHA-256 and the digest of the plan shown; the confirmation is refused if the
file is not the one previewed, and sent back to review if the database changed meanwhile, so
what is written is exactly what the admin saw.

Temporary passwords of new accounts are offered once as a download: they are encrypted under
a random key that only the result page holds, the database keeps the ciphertext and the key's
digest, and the row is deleted when downloaded. Expired rows are refused and purged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete

from lms.errors import InvalidInput
from lms.extensions import db
from lms.imports.models import PasswordHandout
from lms.people import importer as people_importer
from lms.spreadsheets import to_csv
from lms.timeutil import utcnow
from lms.units import importer as units_importer

if TYPE_CHECKING:
    from lms.people.models import User

KINDS = ("units", "accounts")
MAX_BYTES = 5 * 2**20  # about 60,000 account rows: a province's roster several times over
PREVIEW_MAX_AGE = 3600  # seconds between the dry run and the confirmation
HANDOUT_MINUTES = 15  # the passwords file can be downloaded this long after the import
SHOWN_PER_LIST = 200  # rows of each list on the dry-run page; the counts are always whole


class PreviewStale(Exception):
    """The database changed since the dry run: the same file would now do something else."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("the plan changed")
        self.preview = preview


@dataclass
class Preview:
    kind: str
    filename: str
    file_digest: str
    created: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    moved: int = 0  # units moved, or accounts transferred to another unit
    temporary_passwords: int = 0

    @property
    def plan_digest(self) -> str:
        plan = {"kind": self.kind, "created": self.created, "changed": self.changed}
        text = json.dumps(plan, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def writes_nothing(self) -> bool:
        return not self.created and not self.changed


@dataclass
class Outcome:
    created: int
    updated: int
    unchanged: int
    handout_token: str | None = None
    temporary_passwords: int = 0


def check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _l(
                "The file is larger than %(n)s MB. Split it into smaller files.",
                n=MAX_BYTES // 2**20,
            )
        )


def preview(
    kind: str, data: bytes, filename: str, *, actor: User, min_password_length: int
) -> tuple[Preview, units_importer.UnitPlan | people_importer.UserPlan]:
    """What importing ``data`` would change; raises ImportRefused (with lines) or InvalidInput.
    Reads only."""
    check_size(data)
    digest = hashlib.sha256(data).hexdigest()
    if kind == "units":
        unit_plan = units_importer.plan_units(io.BytesIO(data))
        return _units_preview(unit_plan, filename, digest), unit_plan
    user_plan = people_importer.plan_users(
        io.BytesIO(data), actor=actor, min_password_length=min_password_length
    )
    return _accounts_preview(user_plan, filename, digest), user_plan


def _units_preview(plan: units_importer.UnitPlan, filename: str, digest: str) -> Preview:
    result = Preview("units", filename, digest, unchanged=plan.unchanged)
    for code in plan.created:
        spec = plan.wanted[code]
        result.created.append(
            {
                "code": code,
                "name": spec["name"],
                "kind": spec["kind"],
                "parent": spec["parent_code"],
            }
        )
    for change in plan.changes:
        result.changed.append(
            {"label": change.code, "before": change.before, "after": change.after}
        )
    result.moved = len([c for c in plan.changes if c.moved])
    return result


def _accounts_preview(plan: people_importer.UserPlan, filename: str, digest: str) -> Preview:
    result = Preview("accounts", filename, digest, unchanged=plan.unchanged)
    for username in plan.created:
        spec = plan.specs[username]
        result.created.append(
            {
                "username": username,
                "full_name": spec["full_name"],
                "unit": spec["unit"].code,
                "roles": sorted(spec["roles"] or {"cadre"}),
                "temporary_password": not spec["password"],
            }
        )
    for change in plan.changes:
        result.changed.append(
            {
                "label": change.username,
                "before": change.before,
                "after": change.after,
                "password_set": change.password_set,
            }
        )
    result.moved = len([c for c in plan.changes if c.transferred])
    result.temporary_passwords = plan.temporary_password_count
    return result


# ---- carrying the file from the dry run to the confirmation -----------------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="lms.imports.preview")


def sign_preview(result: Preview, *, user_id: int, secret_key: str) -> str:
    return _serializer(secret_key).dumps(
        {
            "kind": result.kind,
            "file": result.file_digest,
            "plan": result.plan_digest,
            "user": user_id,
            "name": result.filename,
        }
    )


def encode_file(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def confirmed_file(
    token: str, payload: str, *, user_id: int, secret_key: str
) -> tuple[dict[str, Any], bytes]:
    """The signed dry run and the file carried back; refuses a file that is not the one
    previewed, a token of another admin, or one too old."""
    try:
        signed = _serializer(secret_key).loads(token, max_age=PREVIEW_MAX_AGE)
    except SignatureExpired:
        raise InvalidInput(
            _l("The dry run is more than an hour old. Upload the file again.")
        ) from None
    except BadSignature:
        raise InvalidInput(_l("The confirmation is not valid. Upload the file again.")) from None
    try:
        data = base64.b64decode(payload.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        data = None
    if (
        data is None
        or signed.get("user") != user_id
        or signed.get("kind") not in KINDS
        or hashlib.sha256(data).hexdigest() != signed.get("file")
    ):
        raise InvalidInput(
            _l(
                "The file is not the one checked in the dry run. Upload it again and check it "
                "before confirming."
            )
        )
    return signed, data


def apply(signed: dict[str, Any], data: bytes, *, actor: User, min_password_length: int) -> Outcome:
    """Import the file, provided it still does what the dry run showed (else PreviewStale,
    with the new dry run). The caller commits."""
    result, plan = preview(
        signed["kind"], data, signed["name"], actor=actor, min_password_length=min_password_length
    )
    if result.plan_digest != signed["plan"]:
        raise PreviewStale(result)
    if isinstance(plan, units_importer.UnitPlan):
        done = units_importer.apply_units(plan, actor=actor)
        return Outcome(done.created, done.updated, done.unchanged)
    accounts = people_importer.apply_users(plan, actor=actor)
    outcome = Outcome(accounts.created, accounts.updated, accounts.unchanged)
    if accounts.temporary_passwords:
        outcome.handout_token = create_handout(actor, accounts.temporary_passwords)
        outcome.temporary_passwords = len(accounts.temporary_passwords)
    return outcome


# ---- the temporary passwords, downloaded once -------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def _key(token: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return b""
    return key


def passwords_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """The CLI's passwords file: UTF-8 with a BOM for Excel, names written formula-safe
    (usernames, unit codes and temporary passwords never start with = + - @)."""
    return to_csv([("", ["username", "full_name", "unit_code", "temporary_password"], rows)])


def create_handout(actor: User, rows: list[tuple[str, str, str, str]]) -> str:
    """Store the passwords file encrypted; returns the token (the key) for the result page."""
    now = utcnow()
    db.session.execute(delete(PasswordHandout).where(PasswordHandout.expires_at <= now))
    key = AESGCM.generate_key(bit_length=256)
    token = base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")
    nonce = secrets.token_bytes(12)
    db.session.add(
        PasswordHandout(
            token_digest=_digest(token),
            user_id=actor.id,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=HANDOUT_MINUTES),
            ciphertext=nonce + AESGCM(key).encrypt(nonce, passwords_csv(rows), None),
        )
    )
    db.session.flush()
    return token


def take_handout(actor: User, token: str) -> bytes | None:
    """The passwords file, once: the row is deleted as it is read (one statement, so two
    clicks cannot both get it). None when already taken, expired, or not this admin's."""
    token = token.strip()[:100]
    row = db.session.execute(
        delete(PasswordHandout)
        .where(
            PasswordHandout.token_digest == _digest(token),
            PasswordHandout.user_id == actor.id,
        )
        .returning(PasswordHandout.expires_at, PasswordHandout.ciphertext)
    ).first()
    db.session.execute(delete(PasswordHandout).where(PasswordHandout.expires_at <= utcnow()))
    if row is None or row.expires_at <= utcnow():
        return None
    blob = bytes(row.ciphertext)
    try:
        return AESGCM(_key(token)).decrypt(blob[:12], blob[12:], None)
    except (InvalidTag, ValueError):
        return None
