"""From stored certificates to printed ones: the ``CertificateFace`` that
``lms/certificates/pdf.py`` draws, and the combined PDF of many, written in chunks."""

from __future__ import annotations

import datetime as dt
import io
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from lms.certificates import pdf  # the drawing: fpdf2, the font, the QR code
from lms.certificates.models import Certificate
from lms.urls import absolute_url

# The Vietnamese words printed across a copy that is no longer valid.
STATUS_NOTES = {
    "revoked": "ĐÃ THU HỒI",
    "superseded": "ĐÃ ĐƯỢC THAY THẾ",
    "expired": "HẾT HIỆU LỰC",
}


def verification_url(certificate: Certificate) -> str:
    return absolute_url("certificates.verify_code", code=certificate.code)


def face(certificate: Certificate, status: str = "valid") -> pdf.CertificateFace:
    return pdf.CertificateFace(
        serial=certificate.serial,
        verification_url=verification_url(certificate),
        full_name=certificate.full_name,
        rank=certificate.rank,
        position=certificate.position,
        unit_chain=list(certificate.unit_chain or []),
        course_title=certificate.course_title,
        score=certificate.score,
        completed_on=certificate.completed_on,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        issuer_name=certificate.issuer_name,
        signer_title=certificate.signer_title,
        place=certificate.place,
        status_note=STATUS_NOTES.get(status),
    )


def one(certificate: Certificate, status: str) -> bytes:
    return pdf.render_certificate(face(certificate, status))


class _Pipe(io.RawIOBase):
    """A write-only file that hands what is written to the reader of a queue."""

    def __init__(self, pieces: queue.Queue[bytes | BaseException | None]) -> None:
        self.pieces = pieces

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pieces.put(bytes(data))
        return len(data)


def faces_of(certificates: Iterable[Certificate], today: dt.date) -> list[pdf.CertificateFace]:
    """The faces of certificates, each marked with its status (a revoked copy says so)."""
    return [face(c, c.status(today)) for c in certificates]


def stream(faces: list[pdf.CertificateFace]) -> Iterator[bytes]:
    """The combined PDF of ``faces``, handed on in pieces as ``write_certificates`` writes
    them (it runs in a thread of its own; it needs no database or request)."""
    pieces: queue.Queue[bytes | BaseException | None] = queue.Queue()

    def draw() -> None:
        try:
            pdf.write_certificates(faces, _Pipe(pieces))
        except BaseException as error:  # handed to the response, which stops
            pieces.put(error)
            return
        pieces.put(None)

    threading.Thread(target=draw, name="certificate-pdf", daemon=True).start()
    while (piece := pieces.get()) is not None:
        if isinstance(piece, BaseException):
            raise piece
        if piece:
            yield piece


def write_file(faces: list[pdf.CertificateFace], target: BinaryIO) -> int:
    """The combined PDF written to an open binary file; returns the pages written."""
    return pdf.write_certificates(faces, target)
