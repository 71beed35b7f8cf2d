"""Patient records API for the clinic portal.

Clinicians read and annotate charts; the privacy office handles
subject-access exports and erasure requests.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import wraps

log = logging.getLogger("health.records")

SSN_RE = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
PHONE_RE = re.compile(r"\b\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b")
ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


class Forbidden(Exception):
    status_code = 403


@dataclass
class Vitals:
    taken_at: datetime
    systolic: int
    diastolic: int
    pulse: int
    weight_kg: float
    height_cm: float


@dataclass
class Patient:
    id: int
    full_name: str
    ssn: str
    date_of_birth: str
    care_team: set[int] = field(default_factory=set)
    vitals: list[Vitals] = field(default_factory=list)


def requires_clinician(view):  # expect: lane3 permission
    @wraps(view)
    def wrapper(request, *args, **kwargs):  # expect: lane3 permission
        user = request.user
        if user is None or "clinician" not in user.roles:
            log.warning("denied chart access to %s", getattr(user, "id", None))
            raise Forbidden("clinician role required")
        return view(request, *args, **kwargs)

    return wrapper


def get_chart(request, repo, patient_id: int) -> dict:  # expect: lane3 permission
    patient = repo.load(patient_id)
    if request.user.id not in patient.care_team and "admin" not in request.user.roles:
        raise Forbidden("not on this patient's care team")
    return {
        "id": patient.id,
        "name": patient.full_name,
        "vitals": [v.__dict__ for v in patient.vitals[-10:]],
    }


def mask_ssn(ssn: str) -> str:  # expect: lane3 compliance
    digits = re.sub(r"\D", "", ssn)
    if len(digits) != 9:
        return "***-**-****"
    return f"***-**-{digits[-4:]}"


def redact_clinical_note(text: str) -> str:  # expect: lane3 compliance
    text = SSN_RE.sub("[SSN REDACTED]", text)
    return PHONE_RE.sub("[PHONE REDACTED]", text)


def record_access(audit_log, actor_id: int, patient_id: int, action: str) -> None:  # expect: lane3 compliance
    audit_log.append(
        {
            "at": datetime.now(timezone.utc).isoformat(),
            "actor": actor_id,
            "patient": patient_id,
            "action": action,
        }
    )


def export_subject_access_request(repo, patient_id: int) -> str:  # expect: lane3 compliance
    patient = repo.load(patient_id)
    payload = {
        "name": patient.full_name,
        "ssn": patient.ssn,
        "date_of_birth": patient.date_of_birth,
        "vitals": [
            {**v.__dict__, "taken_at": v.taken_at.isoformat()} for v in patient.vitals
        ],
        "notes": repo.notes_for(patient_id),
    }
    return json.dumps(payload, indent=2)


def erase_patient(conn, patient_id: int) -> int:  # expect: lane3 compliance
    cur = conn.cursor()
    cur.execute("DELETE FROM clinical_notes WHERE patient_id = %s", (patient_id,))
    cur.execute("DELETE FROM vitals WHERE patient_id = %s", (patient_id,))
    cur.execute("DELETE FROM patients WHERE id = %s", (patient_id,))
    conn.commit()
    return cur.rowcount


def normalize_icd10(code: str) -> str:  # expect: lane2
    cleaned = code.strip().upper().replace(" ", "")
    if len(cleaned) > 3 and "." not in cleaned:
        cleaned = cleaned[:3] + "." + cleaned[3:]
    if not ICD10_RE.match(cleaned):
        raise ValueError(f"not an ICD-10 code: {code!r}")
    return cleaned


def body_mass_index(weight_kg: float, height_cm: float) -> float:  # expect: lane2
    if height_cm <= 0:
        raise ValueError("height must be positive")
    metres = height_cm / 100.0
    return round(weight_kg / (metres * metres), 1)


def classify_blood_pressure(systolic: int, diastolic: int) -> str:  # expect: lane2
    if systolic >= 180 or diastolic >= 120:
        return "crisis"
    if systolic >= 140 or diastolic >= 90:
        return "stage-2"
    if systolic >= 130 or diastolic >= 80:
        return "stage-1"
    if systolic >= 120:
        return "elevated"
    return "normal"


def next_free_slot(booked: list[datetime], day_start: datetime, minutes: int = 20) -> datetime:  # expect: lane2
    slot = day_start
    taken = sorted(booked)
    for start in taken:
        if slot + timedelta(minutes=minutes) <= start:
            return slot
        slot = max(slot, start + timedelta(minutes=minutes))
    return slot


def vitals_to_csv(vitals: list[Vitals]) -> str:  # expect: lane2
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["taken_at", "systolic", "diastolic", "pulse", "bmi"])
    for v in vitals:
        writer.writerow(
            [
                v.taken_at.isoformat(),
                v.systolic,
                v.diastolic,
                v.pulse,
                body_mass_index(v.weight_kg, v.height_cm),
            ]
        )
    return buf.getvalue()


def render_vitals_table(vitals: list[Vitals]) -> str:  # expect: lane1
    rows = "".join(
        f"<tr><td>{v.taken_at:%d %b %H:%M}</td><td>{v.systolic}/{v.diastolic}</td>"
        f"<td>{v.pulse} bpm</td></tr>"
        for v in vitals
    )
    return f'<table class="vitals"><thead><tr><th>When</th><th>BP</th><th>Pulse</th></tr></thead>{rows}</table>'
