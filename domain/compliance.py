"""Compliance dates on a customer file, which banks chase their RMs for.

The ID document expires (căn cước / CCCD, 身份证, 身分證, HKID), the risk-profile
assessment expires (đánh giá khẩu vị rủi ro, 风险测评, 風險屬性評估 / KYC), and the bank
reviews each file periodically (periodic KYC). Reminders come 30 and 7 days ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.i18n import N_

DAYS_BEFORE = (30, 7)

COMPLIANCE_FIELDS: dict[str, str] = {
    "id_expiry": N_("ID document expiry"),
    "risk_expiry": N_("Risk-profile assessment expiry"),
    "kyc_due": N_("Periodic KYC review"),
}


@dataclass(frozen=True)
class ComplianceDate:
    field: str
    day: date


def due_within(values: Mapping[str, str | None], today: date,
               days: int = max(DAYS_BEFORE)) -> list[ComplianceDate]:
    """The compliance dates of one file falling between today and ``days`` ahead."""
    found = []
    for name in COMPLIANCE_FIELDS:
        raw = values.get(name)
        if not raw:
            continue
        day = date.fromisoformat(raw)
        if 0 <= (day - today).days <= days:
            found.append(ComplianceDate(name, day))
    return found
