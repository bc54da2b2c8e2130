"""People pages: admins manage accounts; commanders read those of their subtree."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2

from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.paging import paginate
from lms.people import services
from lms.people.forms import NO_UNIT, ROLE_LABELS, PersonCreateForm, PersonForm
from lms.people.models import ROLES, User
from lms.people.permissions import can_manage_people, can_view_people
from lms.units import listing
from lms.units import services as units
from lms.units.forms import unit_choices
from lms.units.models import Unit
from lms.units.scope import can_see_unit

bp = Blueprint("people", __name__, url_prefix="/people")


def _person_or_404(user_id: int) -> User:
    user = services.load_user(user_id)
    if user is None:
        abort(404)
    # Admins see everyone (accounts without a unit too); a commander, their subtree only.
    if not can_see_unit(current_user, user.unit_id):
        abort(404)
    return user


def _unit_choices(current: Unit | None = None) -> list[SelectChoice]:
    """Active units, plus the person's own unit even if it was deactivated since."""
    return unit_choices(listing.placement_options(current), str(_l("— no unit —")))


# Above this many units, the filter is a code field: a select of a whole province's units
# would weigh more than the page itself on a phone.
MAX_UNIT_OPTIONS = 150


def _filter_options() -> list[tuple[Unit, str]] | None:
    return listing.visible_options(current_user, at_most=MAX_UNIT_OPTIONS)


def _render_detail(person: User, status: int = 200) -> tuple[str, int]:
    return render_template(
        "people/detail.html",
        person=person,
        role_labels=ROLE_LABELS,
        history=services.membership_history(person),
    ), status


@bp.get("/")
@require(can_view_people)
def index() -> ResponseReturnValue:
    args = request.args
    unit = units.get_by_code(args.get("unit", "")) if args.get("unit") else None
    if args.get("unit") and (unit is None or not can_see_unit(current_user, unit.id)):
        flash(_("Unknown unit %(code)s.", code=args.get("unit")), "error")
        unit = None
    role = args.get("role") if args.get("role") in ROLES else None
    active = {"yes": True, "no": False}.get(args.get("active", "yes"))
    search = args.get("q", "")[:100]
    query = services.people_query(
        current_user, unit_id=unit.id if unit else None, role=role, active=active, search=search
    )
    page = paginate(query)
    return render_template(
        "people/index.html",
        page=page,
        unit=unit,
        role=role,
        active=args.get("active", "yes"),
        search=search,
        role_labels=ROLE_LABELS,
        unit_options=_filter_options(),
    )


@bp.get("/<id:user_id>")
@require(can_view_people)
def detail(user_id: int) -> ResponseReturnValue:
    return _render_detail(_person_or_404(user_id))


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_people)
def create() -> ResponseReturnValue:
    form = PersonCreateForm(roles=["cadre"])
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            person, temporary = services.create_user(
                username=cast(str, form.username.data),  # required (DataRequired)
                full_name=cast(str, form.full_name.data),
                unit=unit,
                roles=set(cast(list[str], form.roles.data)),  # submitted: a list
                rank=form.rank.data or "",
                position=form.position.data or "",
                email=form.email.data,
                password=form.password.data or None,
                actor=current_user,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except InvalidInput as error:
            cast(list[str], form.username.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Account %(username)s created.", username=person.username), "success")
            if temporary:
                return render_template(
                    "people/temporary_password.html", person=person, temporary=temporary
                )
            return redirect(url_for("people.detail", user_id=person.id))
    return render_template("people/form.html", form=form, person=None), 400 if form.errors else 200


@bp.route("/<id:user_id>/edit", methods=["GET", "POST"])
@require(can_manage_people)
def edit(user_id: int) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    form = PersonForm(obj=person, unit_id=person.unit_id or NO_UNIT, roles=sorted(person.roles))
    form.unit_id.choices = _unit_choices(person.unit)
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            services.update_user(
                person,
                full_name=cast(str, form.full_name.data),  # required (DataRequired)
                rank=form.rank.data or "",
                position=form.position.data or "",
                unit=unit,
                roles=set(cast(list[str], form.roles.data)),  # submitted: a list
                email=form.email.data,
                actor=current_user,
            )
        except InvalidInput as error:
            cast(list[str], form.full_name.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Account %(username)s saved.", username=person.username), "success")
            return redirect(url_for("people.detail", user_id=person.id))
    return render_template(
        "people/form.html", form=form, person=person
    ), 400 if form.errors else 200


@bp.post("/<id:user_id>/deactivate")
@require(can_manage_people)
def deactivate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, False)


@bp.post("/<id:user_id>/activate")
@require(can_manage_people)
def activate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    try:
        services.set_active(person, active, actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return _render_detail(person, 409)
    db.session.commit()
    flash(
        _("Account %(username)s activated.", username=person.username)
        if active
        else _("Account %(username)s deactivated.", username=person.username),
        "success",
    )
    return redirect(url_for("people.detail", user_id=person.id))


@bp.post("/<id:user_id>/reset-password")
@require(can_manage_people)
def reset_password(user_id: int) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    try:
        temporary = services.reset_password(person, actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return _render_detail(person, 409)
    db.session.commit()
    return render_template("people/temporary_password.html", person=person, temporary=temporary)
