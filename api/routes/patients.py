"""Patients: erasure of everything Parcours keeps about one patient (right to erasure)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from api.deps import AdminKey, StoreDep
from api.errors import ERROR_RESPONSES, ErrorBody
from store.erasure import ErasureReport

router = APIRouter(prefix="/v1", tags=["patients"], responses=ERROR_RESPONSES)


@router.delete(
    "/patients/{patient_ref}",
    response_model=ErasureReport,
    summary="Erase a patient",
    description=(
        "Erases every interaction of the patient in the key's tenant, found by the patient ref the hospital "
        "sends (Parcours hashes it as at ingestion) or by its pseudonym (`pt_…`, as the API shows it; "
        "prefer it: the URL, unlike a body, may reach access logs). Every copy goes: rows, transcripts, "
        "full-text entries, vectors, cached embeddings, quotes in analyses and actions (replaced by "
        '"[supprimé]"/"[erased]", counts kept), agent checkpoints and report files quoting them. An audit '
        "row records who asked and when, never the content. Needs the `admin` scope."
    ),
    responses={
        404: {"model": ErrorBody, "description": "No interaction of this patient in the key's tenant."}
    },
)
def delete_patient(
    patient_ref: str,
    key: AdminKey,
    store: StoreDep,
    request: Request,
    reason: str | None = Query(None, max_length=500, description="Why (kept in the audit trail, redacted)."),
) -> ErasureReport:
    """Erase every interaction of one patient of the key's tenant."""
    from api.erasure import run_erasure_request
    from store.erasure import erase_patient

    return run_erasure_request(
        request,
        erase_patient,
        store=store,
        tenant=key.tenant,
        patient_ref=patient_ref,
        requested_by=key.who,
        reason=reason,
        missing=("patient", "(the given ref)"),
    )
