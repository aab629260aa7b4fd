"""FHIR R4 input: `Communication` resources (a Bundle, or NDJSON from a bulk export) as interactions.

Mapping: `id` → id; `sent` (else `received`) → started_at; `received` → ended_at; `medium`
(v3 ParticipationMode) → channel; `subject` Patient reference → patient_ref; `sender`/`recipient` Practitioner
or Organization reference → agent_ref; `category` → queue; `reasonCode` → reason; `language` → language; each
`payload.contentString` → a turn spoken by the patient when the sender is the Patient, else by the agent;
`meta.tag` with system `tenant` → tenant. Other resource types are rejected with a readable error.
"""

from __future__ import annotations

from typing import Any

_MEDIUM = {
    "PHONE": "phone",
    "VERBAL": "phone",
    "EMAILWRIT": "email",
    "SMSWRIT": "sms",
    "ONLINEWRIT": "portal",
    "CHAT": "chat",
    "VIDEOCONF": "other",
    "MAILWRIT": "other",
    "FAXWRIT": "other",
    "WRITTEN": "other",
}


class FhirError(ValueError):
    """A FHIR resource that cannot become an interaction."""


def _ref(value: Any) -> tuple[str | None, str | None]:
    """The (resource type, id) of a FHIR Reference."""
    if not isinstance(value, dict) or not isinstance(value.get("reference"), str):
        return None, None
    parts = value["reference"].rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else (None, parts[-1])


def _text(concepts: Any) -> str | None:
    for concept in concepts or []:
        if concept.get("text"):
            return str(concept["text"])
        for coding in concept.get("coding") or []:
            if coding.get("display") or coding.get("code"):
                return str(coding.get("display") or coding.get("code"))
    return None


def communication_to_record(resource: dict[str, Any]) -> dict[str, Any]:
    """One interaction record from a FHIR Communication resource."""
    kind = resource.get("resourceType")
    if kind != "Communication":
        raise FhirError(f"resourceType {kind!r} is not a Communication")
    started = resource.get("sent") or resource.get("received")
    if not started:
        raise FhirError("a Communication needs `sent` or `received`")
    sender_type, sender_id = _ref(resource.get("sender"))
    subject_type, subject_id = _ref(resource.get("subject"))
    speaker = "patient" if sender_type in ("Patient", "RelatedPerson") else "agent"
    agent = (
        sender_id
        if speaker == "agent"
        else next(
            (
                rid
                for rtype, rid in map(_ref, resource.get("recipient") or [])
                if rtype in ("Practitioner", "Organization")
            ),
            None,
        )
    )
    turns = [
        {"speaker": speaker, "text": p["contentString"]}
        for p in resource.get("payload") or []
        if isinstance(p, dict) and isinstance(p.get("contentString"), str) and p["contentString"].strip()
    ]
    codes = [c.get("code") for m in resource.get("medium") or [] for c in m.get("coding") or []]
    tenant = next(
        (t.get("code") for t in (resource.get("meta") or {}).get("tag") or [] if t.get("system") == "tenant"),
        None,
    )
    record: dict[str, Any] = {
        "id": resource.get("id"),
        "started_at": started,
        "channel": next((_MEDIUM[c] for c in codes if c in _MEDIUM), "other"),
        "direction": "inbound" if speaker == "patient" else "outbound",
        "transcript": turns or None,
        "attributes": {"fhir_status": resource.get("status")} if resource.get("status") else {},
    }
    if resource.get("sent") and resource.get("received"):
        record["ended_at"] = resource["received"]
    optional = {
        "patient_ref": subject_id if subject_type in (None, "Patient") else None,
        "agent_ref": agent,
        "queue": _text(resource.get("category")),
        "reason": _text(resource.get("reasonCode")),
        "language": resource.get("language"),
        "tenant": tenant,
    }
    record.update({k: v for k, v in optional.items() if v})
    return record


def bundle_resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a Bundle (or the document itself when it is one resource)."""
    if document.get("resourceType") == "Bundle":
        entries = document.get("entry")
        if not isinstance(entries, list):
            return []
        return [(e.get("resource") or {}) if isinstance(e, dict) else {} for e in entries]
    return [document]
