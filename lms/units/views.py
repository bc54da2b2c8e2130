"""Unit tree pages: admins manage the tree, commanders read their part of it."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2

from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.units import listing, services
from lms.units.forms import (
    KIND_LABELS,
    NO_PARENT,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
    unit_choices,
)
from lms.units.models import Unit
from lms.units.permissions import can_manage_units, can_view_units
from lms.units.scope import can_see_unit

bp = Blueprint("units", __name__, url_prefix="/units")


def _unit_or_404(code: str) -> Unit:
    unit = services.get_by_code(code)
    if unit is None or not can_see_unit(current_user, unit.id):
        abort(404)
    return unit


def _parent_choices(exclude_subtree_of: Unit | None = None) -> list[SelectChoice]:
    return unit_choices(listing.parent_options(exclude_subtree_of), str(_l("— none (top level) —")))


@bp.get("/")
@require(can_view_units)
def tree() -> ResponseReturnValue:
    forest = listing.visible_tree(current_user)
    return render_template("units/tree.html", forest=forest, kind_labels=KIND_LABELS)


@bp.get("/<code>")
@require(can_view_units)
def detail(code: str) -> ResponseReturnValue:
    return _render_detail(_unit_or_404(code))


def _render_detail(unit: Unit, status: int = 200) -> tuple[str, int]:
    subtree = listing.subtree(unit)
    return render_template(
        "units/detail.html",
        unit=unit,
        node=subtree[0],
        ancestors=services.ancestors(unit),
        kind_labels=KIND_LABELS,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_units)
def create() -> ResponseReturnValue:
    form = UnitCreateForm()
    form.parent_id.choices = _parent_choices()
    if form.validate_on_submit():
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        try:
            unit = services.create_unit(
                code=cast(str, form.code.data),  # required (DataRequired)
                name=cast(str, form.name.data),
                kind=form.kind.data,
                parent=parent,
                pilot=form.pilot.data,
                actor=current_user,
            )
        except InvalidInput as error:
            cast(list[str], form.code.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect(url_for("units.detail", code=unit.code))
    return render_template("units/form.html", form=form, unit=None), 400 if form.errors else 200


@bp.route("/<code>/edit", methods=["GET", "POST"])
@require(can_manage_units)
def edit(code: str) -> ResponseReturnValue:
    unit = _unit_or_404(code)
    form = UnitEditForm(obj=unit)
    if form.validate_on_submit():
        try:
            services.update_unit(
                unit,
                name=cast(str, form.name.data),  # required (DataRequired)
                kind=form.kind.data,
                pilot=form.pilot.data,
                actor=current_user,
            )
        except InvalidInput as error:
            cast(list[str], form.name.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Unit %(code)s saved.", code=unit.code), "success")
            return redirect(url_for("units.detail", code=unit.code))
    return render_template("units/form.html", form=form, unit=unit), 400 if form.errors else 200


@bp.route("/<code>/move", methods=["GET", "POST"])
@require(can_manage_units)
def move(code: str) -> ResponseReturnValue:
    unit = _unit_or_404(code)
    form = UnitMoveForm(parent_id=unit.parent_id or NO_PARENT)
    form.parent_id.choices = _parent_choices(exclude_subtree_of=unit)
    if form.validate_on_submit():
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        try:
            services.move_unit(unit, parent, actor=current_user)
        except InvalidInput as error:
            cast(list[str], form.parent_id.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Unit %(code)s moved with everything below it.", code=unit.code), "success")
            return redirect(url_for("units.detail", code=unit.code))
    return render_template("units/move.html", form=form, unit=unit), 400 if form.errors else 200


@bp.post("/<code>/deactivate")
@require(can_manage_units)
def deactivate(code: str) -> ResponseReturnValue:
    return _set_active(code, False)


@bp.post("/<code>/activate")
@require(can_manage_units)
def activate(code: str) -> ResponseReturnValue:
    return _set_active(code, True)


def _set_active(code: str, active: bool) -> ResponseReturnValue:
    unit = _unit_or_404(code)
    try:
        services.set_active(unit, active, actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return _render_detail(unit, status=409)
    db.session.commit()
    flash(
        _("Unit %(code)s activated.", code=unit.code)
        if active
        else _("Unit %(code)s deactivated.", code=unit.code),
        "success",
    )
    return redirect(url_for("units.detail", code=unit.code))
