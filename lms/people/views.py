"""People pages: admins manage accounts; commanders read those of their subtree."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import true
from wtforms import SelectChoice

from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services
from lms.people.forms import NO_UNIT, ROLE_LABELS, PersonCreateForm, PersonForm
from lms.people.models import ROLES, User
from lms.units import services as units
from lms.units.forms import unit_choices
from lms.units.models import Unit
from lms.units.scope import can_see_unit, subtree_filter

bp = Blueprint("people", __name__, url_prefix="/people")


def _person_or_404(user_id: int) -> User:
    user = services.load_user(user_id)
    if user is None:
        abort(404)
    # Admins see everyone; a commander sees the accounts of their subtree only.
    if not current_user.has_role("admin") and not can_see_unit(current_user, user.unit_id):
        abort(404)
    return user


def _unit_choices() -> list[SelectChoice]:
    return unit_choices(units.options(true()), str(_l("— no unit —")))


@bp.get("/")
@require("admin", "commander")
def index():
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
    page = db.paginate(
        query, per_page=current_app.config["PAGE_SIZE"], max_per_page=200, error_out=False
    )
    return render_template(
        "people/index.html",
        page=page,
        unit=unit,
        role=role,
        active=args.get("active", "yes"),
        search=search,
        role_labels=ROLE_LABELS,
        unit_options=units.options(subtree_filter(current_user, Unit.id), active_only=False),
    )


@bp.get("/<int:user_id>")
@require("admin", "commander")
def detail(user_id: int):
    person = _person_or_404(user_id)
    return render_template(
        "people/detail.html",
        person=person,
        role_labels=ROLE_LABELS,
        history=services.membership_history(person),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("admin")
def create():
    form = PersonCreateForm(roles=["cadre"])
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            person, temporary = services.create_user(
                username=form.username.data,
                full_name=form.full_name.data,
                unit=unit,
                roles=set(form.roles.data),
                rank=form.rank.data or "",
                position=form.position.data or "",
                email=form.email.data,
                password=form.password.data or None,
                actor=current_user,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except InvalidInput as error:
            form.username.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("Account %(username)s created.", username=person.username), "success")
            if temporary:
                return render_template(
                    "people/temporary_password.html", person=person, temporary=temporary
                )
            return redirect(url_for("people.detail", user_id=person.id))
    return render_template("people/form.html", form=form, person=None), 400 if form.errors else 200


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@require("admin")
def edit(user_id: int):
    person = _person_or_404(user_id)
    form = PersonForm(obj=person, unit_id=person.unit_id or NO_UNIT, roles=sorted(person.roles))
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            services.update_user(
                person,
                full_name=form.full_name.data,
                rank=form.rank.data or "",
                position=form.position.data or "",
                unit=unit,
                roles=set(form.roles.data),
                email=form.email.data,
                actor=current_user,
            )
        except InvalidInput as error:
            form.full_name.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("Account %(username)s saved.", username=person.username), "success")
            return redirect(url_for("people.detail", user_id=person.id))
    return render_template(
        "people/form.html", form=form, person=person
    ), 400 if form.errors else 200


@bp.post("/<int:user_id>/deactivate")
@require("admin")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/activate")
@require("admin")
def activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    person = _person_or_404(user_id)
    try:
        services.set_active(person, active, actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return render_template(
            "people/detail.html",
            person=person,
            role_labels=ROLE_LABELS,
            history=services.membership_history(person),
        ), 409
    db.session.commit()
    flash(
        _("Account %(username)s activated.", username=person.username)
        if active
        else _("Account %(username)s deactivated.", username=person.username),
        "success",
    )
    return redirect(url_for("people.detail", user_id=person.id))


@bp.post("/<int:user_id>/reset-password")
@require("admin")
def reset_password(user_id: int):
    person = _person_or_404(user_id)
    temporary = services.reset_password(person, actor=current_user)
    db.session.commit()
    return render_template("people/temporary_password.html", person=person, temporary=temporary)
