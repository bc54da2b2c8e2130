"""Accounts: create, change, transfer between units, deactivate, reset passwords, list (the
rules their details follow are in ``checks``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from lms.audit import services as audit
from lms.auth import passwords
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.checks import check_profile, check_username, normalize_username, search_key
from lms.people.models import UnitMembership, User, UserRole
from lms.people.signals import accounts_placed
from lms.text import clean, fold
from lms.timeutil import utcnow
from lms.units.models import Unit
from lms.units.scope import subtree_filter, subtree_ids


def get_by_username(username: str) -> User | None:
    return db.session.scalar(
        select(User)
        .where(User.username == normalize_username(username))
        .options(selectinload(User.role_rows))
    )


# Built once: a statement object remembers its cache key, so every page spares rebuilding and
# hashing it (about 0.2 ms of CPU a request on PostgreSQL, half of loading the user).
_SIGNED_IN_USER = (
    select(User)
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.role_rows), joinedload(User.unit))
)


def load_user(user_id: int) -> User | None:
    """The signed-in user, with their unit and roles: one query on every page."""
    return db.session.execute(_SIGNED_IN_USER, {"user_id": user_id}).unique().scalar_one_or_none()


def snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "rank": user.rank,
        "position": user.position,
        "unit": user.unit.code if user.unit_id and user.unit else None,
        "roles": sorted(user.roles),
        "email": user.email,
        "active": user.active,
    }


def create_user(
    *,
    username: str,
    full_name: str,
    unit: Unit | None,
    roles: set[str],
    rank: str = "",
    position: str = "",
    email: str | None = None,
    password: str | None = None,
    actor: audit.Actor,
    min_password_length: int = 10,
) -> tuple[User, str | None]:
    """Create an account; returns it and the temporary password when none was given."""
    username = normalize_username(username)
    full_name, rank, position = clean(full_name), clean(rank), clean(position)
    email = (email or "").strip() or None
    check_username(username)
    check_profile(
        full_name=full_name, rank=rank, position=position, email=email, roles=roles, unit=unit
    )
    if get_by_username(username) is not None:
        raise InvalidInput(_l("Username %(username)s is already taken.", username=username))
    temporary = None
    if password:
        passwords.check_policy(password, username=username, min_length=min_password_length)
        password_hash = passwords.hash_password(password)
    else:
        temporary = passwords.new_temporary_password()
        password_hash = passwords.hash_temporary(temporary)
    user = User(
        username=username,
        full_name=full_name,
        search_key=search_key(full_name, username),
        rank=clean(rank),
        position=clean(position),
        unit_id=unit.id if unit else None,
        email=email,
        password_hash=password_hash,
        must_change_password=temporary is not None,
        role_rows=[UserRole(role=r) for r in sorted(roles)],
    )
    user.unit = unit
    db.session.add(user)
    db.session.flush()
    if unit is not None:
        db.session.add(UnitMembership(user_id=user.id, unit_id=unit.id))
    audit.record("user.create", user, actor=actor, after=snapshot(user))
    accounts_placed.send(None, user_ids=[user.id])
    return user, temporary


def update_user(
    user: User,
    *,
    full_name: str,
    rank: str,
    position: str,
    unit: Unit | None,
    roles: set[str],
    email: str | None,
    actor: audit.Actor,
    announce: bool = True,
) -> None:
    """Change an account. ``announce=False`` leaves telling other features (accounts_placed)
    to the caller, which imports do once for all their rows."""
    full_name, rank, position = clean(full_name), clean(rank), clean(position)
    email = (email or "").strip() or None
    # A person may stay in a unit that has since been deactivated, but not be moved into one.
    check_profile(
        full_name=full_name,
        rank=rank,
        position=position,
        email=email,
        roles=roles,
        unit=unit,
        joining=(unit.id if unit else None) != user.unit_id,
    )
    if (
        (acting := audit.acting_user(actor)) is not None
        and acting.id == user.id
        and "admin" not in roles
        and user.has_role("admin")
    ):
        raise InvalidInput(_l("You cannot remove your own administrator role."))
    before = snapshot(user)
    user.full_name = full_name
    user.search_key = search_key(full_name, user.username)
    user.rank, user.position, user.email = rank, position, email
    if roles != user.roles:
        user.role_rows = [UserRole(role=r) for r in sorted(roles)]
    if (unit.id if unit else None) != user.unit_id:
        _transfer(user, unit)
    old, new = audit.changed_fields(before, snapshot(user))
    if not new:
        return
    db.session.flush()
    if announce and ("unit" in new or "roles" in new):
        accounts_placed.send(None, user_ids=[user.id])
    # Role changes get an entry of their own, so that "Roles changed" finds every one of them.
    if "roles" in new:
        audit.record(
            "user.roles",
            user,
            actor=actor,
            before={"roles": old.pop("roles")},
            after={"roles": new.pop("roles")},
        )
    if new:
        audit.record("user.update", user, actor=actor, before=old, after=new)


def _transfer(user: User, unit: Unit | None) -> None:
    """Close the current membership and open one in ``unit``: history is never rewritten."""
    now = utcnow()
    current = db.session.scalar(
        select(UnitMembership).where(
            UnitMembership.user_id == user.id, UnitMembership.ended_at.is_(None)
        )
    )
    if current is not None:
        current.ended_at = now
    user.unit_id = unit.id if unit else None
    user.unit = unit
    if unit is not None:
        db.session.add(UnitMembership(user_id=user.id, unit_id=unit.id, started_at=now))


def set_active(user: User, active: bool, *, actor: audit.Actor) -> None:
    if user.active == active:
        return
    if not active and (acting := audit.acting_user(actor)) and acting.id == user.id:
        raise InvalidInput(_l("You cannot deactivate your own account."))
    user.active = active
    db.session.flush()
    if active:
        accounts_placed.send(None, user_ids=[user.id])
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        actor=actor,
        before={"active": not active},
        after={"active": active},
    )


def reset_password(user: User, *, actor: audit.Actor) -> str:
    """Give the account a temporary password, to be changed at next login; returns it."""
    if (acting := audit.acting_user(actor)) and acting.id == user.id:
        raise InvalidInput(_l("Change your own password on the password page instead."))
    temporary = passwords.new_temporary_password()
    user.password_hash = passwords.hash_temporary(temporary)
    user.must_change_password = True
    db.session.flush()
    audit.record("user.password_reset", user, actor=actor)
    return temporary


class WrongPassword(InvalidInput):
    """The current password given was not the account's."""


def check_new_password(user: User, *, current: str, new: str, min_length: int) -> None:
    """The rules for a new password, none of which looks at the account's secret."""
    if new == current:
        raise InvalidInput(_l("The new password must differ from the current one."))
    passwords.check_policy(new, username=user.username, min_length=min_length)


def change_password(user: User, *, current: str, new: str, min_length: int) -> None:
    """Set a new password, checking the current one last: the answers about the new password
    do not depend on the secret, so they cannot confirm a guessed current password."""
    check_new_password(user, current=current, new=new, min_length=min_length)
    if not passwords.verify_password(user.password_hash, current):
        raise WrongPassword(_l("The current password is wrong."))
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    db.session.flush()


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every session token issued so far stops matching.
    One conditional statement, so two sign-outs at once both count."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_generation"])


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def people_query(
    viewer: User,
    *,
    unit_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
    search: str | None = None,
) -> Select[User]:
    """Accounts ``viewer`` may see, filtered; loads unit and roles with the page."""
    query = (
        select(User)
        .where(subtree_filter(viewer, User.unit_id))
        .options(selectinload(User.unit), selectinload(User.role_rows))
        .order_by(User.search_key, User.id)
    )
    if unit_id is not None:
        query = query.where(User.unit_id.in_(subtree_ids(unit_id)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if active is not None:
        query = query.where(User.active.is_(active))
    for word in fold(search).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.search_key.like(f"%{escaped}%", escape="\\"))
    return query


def membership_history(user: User) -> list[UnitMembership]:
    return list(
        db.session.scalars(
            select(UnitMembership)
            .where(UnitMembership.user_id == user.id)
            .options(selectinload(UnitMembership.unit))
            .order_by(UnitMembership.started_at.desc(), UnitMembership.id.desc())
        )
    )


def membership_covers(membership: Any, when: Any) -> Any:
    """SQL: ``membership`` (UnitMembership or an alias of it) was current at ``when`` (a
    datetime or a column)."""
    return and_(
        membership.started_at <= when,
        or_(membership.ended_at.is_(None), membership.ended_at > when),
    )


def unit_at(user_id: int, when: Any) -> int | None:
    """The unit a person belonged to at a given moment (for certificates and reports)."""
    return db.session.scalar(
        select(UnitMembership.unit_id)
        .where(UnitMembership.user_id == user_id, membership_covers(UnitMembership, when))
        .order_by(UnitMembership.started_at.desc())
        .limit(1)
    )


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()
