"""The large demo's certificates: one for each completion, issued at the moment of completion
as lms.certificates.services.issue would have issued it then (serials in sequence per year from
the year's counter, a random verification code, the unit the person was in when they completed
and its names up to the province, the course's issuer and validity)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from lms.certificates.models import Certificate
from lms.certificates.services import (
    add_months,
    allocate_numbers,
    local_date,
    new_code,
    serial_for,
    unit_chains,
)
from lms.demo.bulk import insert_rows
from lms.demo.timeline import Cadre


@dataclass(frozen=True)
class CourseFacts:
    id: int
    title: str
    valid_months: int | None
    issuer: str
    signer: str


@dataclass(frozen=True)
class Completion:
    cadre: Cadre
    course: CourseFacts
    completed_at: dt.datetime
    score: float | None


def write(completions: list[Completion]) -> int:
    """Issue the certificates of ``completions`` in the order they were completed."""
    config = current_app.config
    ordered = sorted(completions, key=lambda c: (c.completed_at, c.cadre.id, c.course.id))
    units = {c.cadre.unit_at(c.completed_at) for c in ordered}
    chains = unit_chains({u for u in units if u is not None})
    by_year: dict[int, list[Completion]] = {}
    for completion in ordered:
        by_year.setdefault(local_date(completion.completed_at).year, []).append(completion)
    rows = []
    for year in sorted(by_year):
        numbers = allocate_numbers(year, len(by_year[year]))
        for completion, number in zip(by_year[year], numbers, strict=True):
            cadre, course, moment = completion.cadre, completion.course, completion.completed_at
            unit_id = cadre.unit_at(moment)
            code, unit_name, chain = chains.get(unit_id, ("", "", [])) if unit_id else ("", "", [])
            day = local_date(moment)
            rows.append(
                {
                    "serial": serial_for(year, number),
                    "year": year,
                    "number": number,
                    "code": new_code(),
                    "user_id": cadre.id,
                    "course_id": course.id,
                    "unit_id": unit_id,
                    "full_name": cadre.full_name,
                    "rank": cadre.rank or "",
                    "position": cadre.position or "",
                    "unit_name": unit_name,
                    "unit_code": code,
                    "unit_chain": chain,
                    "course_title": course.title,
                    "score": completion.score,
                    "completed_at": moment,
                    "completed_on": day,
                    "issued_at": moment,
                    "issued_on": day,
                    "expires_on": add_months(day, course.valid_months)
                    if course.valid_months
                    else None,
                    "issuer_name": course.issuer or config["ISSUER_NAME"],
                    "signer_title": course.signer or config["SIGNER_TITLE"],
                    "place": config["CERTIFICATE_PLACE"],
                }
            )
    return insert_rows(Certificate.__table__, rows)
