"""The unit tree: closure table, subtree queries, moves, cycles, activation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.errors import InvalidInput
from lms.extensions import db
from lms.units import services as units
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_ids


def codes_below(unit: Unit) -> set[str]:
    return set(db.session.scalars(select(Unit.code).where(Unit.id.in_(subtree_ids(unit.id)))))


def test_subtree_is_the_unit_and_everything_below(province):
    assert codes_below(province["BCHQS"]) == {"BCHQS", "HS", "HS-01", "HK"}
    assert codes_below(province["HS-01"]) == {"HS-01"}
    assert len(codes_below(province["HT"])) == 7


def test_subtree_lookup_is_one_query(province, count_queries):
    with count_queries() as counter:
        list(db.session.scalars(select(Unit).where(Unit.id.in_(subtree_ids(province["HT"].id)))))
    assert counter.count == 1


def test_depth_and_ancestors(province):
    assert province["HS-01"].depth == 3
    assert [u.code for u in units.ancestors(province["HS-01"])] == ["HT", "BCHQS", "HS"]


def test_codes_are_normalized_and_unique(province):
    with pytest.raises(InvalidInput):
        units.create_unit(code="hs", name="Trùng mã", kind="other", parent=None, actor=None)
    with pytest.raises(InvalidInput):
        units.create_unit(code="có dấu", name="Sai mã", kind="other", parent=None, actor=None)
    with pytest.raises(InvalidInput):
        units.create_unit(code="X1", name="   ", kind="other", parent=None, actor=None)
    with pytest.raises(InvalidInput):
        units.create_unit(code="X2", name="Loại lạ", kind="spaceship", parent=None, actor=None)


def test_name_is_stored_nfc(make_unit):
    decomposed = "Ban Chi\u0309 huy"  # "Chỉ" written with a combining hook above
    unit = make_unit("NFC", name=decomposed)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == "Ban Chỉ huy"


def test_move_carries_the_subtree(province):
    units.move_unit(province["HS"], province["BDBP"], actor=None)
    db.session.commit()
    assert codes_below(province["BDBP"]) == {"BDBP", "DBP-CT", "HS", "HS-01"}
    assert codes_below(province["BCHQS"]) == {"BCHQS", "HK"}
    db.session.refresh(province["HS-01"])
    assert province["HS-01"].depth == 3
    assert [u.code for u in units.ancestors(province["HS-01"])] == ["HT", "BDBP", "HS"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.move"))
    assert event.before == {"parent": "BCHQS"} and event.after == {"parent": "BDBP"}


def test_move_to_top_level_and_back(province):
    units.move_unit(province["BCHQS"], None, actor=None)
    db.session.commit()
    db.session.refresh(province["HS-01"])
    assert province["HS-01"].depth == 2
    assert codes_below(province["HT"]) == {"HT", "BDBP", "DBP-CT"}
    units.move_unit(province["BCHQS"], province["HT"], actor=None)
    db.session.commit()
    assert len(codes_below(province["HT"])) == 7
    closure_rows = db.session.scalar(select(func.count()).select_from(UnitClosure))
    depths = db.session.scalars(select(Unit.depth)).all()
    assert closure_rows == sum(depth + 1 for depth in depths) == 18  # a row per ancestor


def test_move_refuses_cycles(province):
    with pytest.raises(InvalidInput):
        units.move_unit(province["BCHQS"], province["HS-01"], actor=None)
    with pytest.raises(InvalidInput):
        units.move_unit(province["HS"], province["HS"], actor=None)
    db.session.rollback()
    assert codes_below(province["BCHQS"]) == {"BCHQS", "HS", "HS-01", "HK"}


def test_deactivate_needs_children_inactive_first(province):
    with pytest.raises(InvalidInput):
        units.set_active(province["HS"], False, actor=None)
    units.set_active(province["HS-01"], False, actor=None)
    units.set_active(province["HS"], False, actor=None)
    db.session.commit()
    assert not province["HS"].active
    with pytest.raises(InvalidInput):  # a child cannot come back under an inactive parent
        units.set_active(province["HS-01"], True, actor=None)


def test_update_records_only_changed_fields(province):
    units.update_unit(
        province["HK"],
        name="Ban CHQS huyện Hương Khê (mới)",
        kind="district_command",
        pilot=True,
        actor=None,
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.update"))
    assert event.before == {"name": "Ban CHQS huyện Hương Khê", "pilot": False}
    assert event.after == {"name": "Ban CHQS huyện Hương Khê (mới)", "pilot": True}


def test_tree_counts_people_up_the_tree(province, make_user):
    make_user("a1", unit=province["HS-01"])
    make_user("a2", unit=province["HS-01"])
    make_user("a3", unit=province["HK"])
    forest = units.tree(Unit.id.in_(subtree_ids(province["HT"].id)))
    assert len(forest) == 1
    root = forest[0]
    assert root.total_people == 3
    by_code = {node.unit.code: node for node in units.flatten(forest)}
    assert by_code["BCHQS"].total_people == 3
    assert by_code["HS"].people == 0 and by_code["HS"].total_people == 2
    # depth first, siblings by name
    assert [n.unit.code for n in units.flatten(forest)] == [
        "HT",
        "BDBP",
        "DBP-CT",
        "BCHQS",
        "HK",
        "HS",
        "HS-01",
    ]


def test_rebuild_closure_matches_incremental(province):
    before = set(
        db.session.execute(
            select(UnitClosure.ancestor_id, UnitClosure.descendant_id, UnitClosure.depth)
        ).all()
    )
    units.rebuild_closure()
    after = set(
        db.session.execute(
            select(UnitClosure.ancestor_id, UnitClosure.descendant_id, UnitClosure.depth)
        ).all()
    )
    assert before == after
