"""Households: customers linked as family, or as a company and its owner or employees.

A link is stored once, from one customer to the other ("B is A's spouse"); the other side
reads it inverted ("A is B's spouse", a parent's child is the child's parent).
"""

from __future__ import annotations

from core.i18n import N_

RELATIONS: dict[str, str] = {
    "spouse": N_("Spouse"),
    "parent": N_("Parent"),
    "child": N_("Child"),
    "sibling": N_("Sibling"),
    "owner": N_("Owner"),
    "business": N_("Business owned"),
    "employee": N_("Employee"),
    "employer": N_("Employer"),
}
INVERSE = {"spouse": "spouse", "parent": "child", "child": "parent", "sibling": "sibling",
           "owner": "business", "business": "owner", "employee": "employer",
           "employer": "employee"}
FAMILY = ("spouse", "parent", "child", "sibling")
# Offered on a person's card and on a company's card.
PERSON_RELATIONS = (*FAMILY, "business", "employer")
COMPANY_RELATIONS = ("owner", "employee")
COMPANY_SEGMENTS = ("sme", "corporate")
MAX_LINKS = 20


def relation_seen_from(relation: str, stored_from_customer: bool) -> str:
    """How the other customer relates to the one whose card is open: as stored when the card
    is the link's own customer, inverted when it is the other end."""
    return relation if stored_from_customer else INVERSE[relation]


def relations_for(segment: str) -> tuple[str, ...]:
    return COMPANY_RELATIONS if segment in COMPANY_SEGMENTS else PERSON_RELATIONS
