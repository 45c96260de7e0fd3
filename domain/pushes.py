"""What the bot pushes on its own: the kinds of reminder rows, and how each kind behaves.

A row's ``kind`` column holds one of these values. Two rules hang on the kind:

- **urgent** kinds go out even in the RM's quiet hours: what the RM set themselves, and what
  a customer or a lead is waiting on. The rest waits for the end of them; a question asked in
  a merchant group too (anyone there can ask any number of them).
- **notice** kinds only inform (the agenda, the weekly reviews, a hand-over): they are never
  listed as due or overdue and never folded into a digest of late reminders.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    FOLLOWUP = "followup"          # /remind, ⏰ on the card, a churn alert's call
    APPOINTMENT = "appointment"
    TOUCH = "touch"                # stay in touch with a graded customer
    CARE = "care"                  # after-sales care, 3/30/90 days after a deal
    BIRTHDAY = "birthday"
    HOLIDAY = "holiday"
    MATURITY = "maturity"          # a deposit or loan matures
    REPAYMENT = "repayment"        # a loan's monthly repayment
    ANNIVERSARY = "anniversary"    # an insurance policy's anniversary
    DEBIT = "debit"                # a recurring investment's monthly debit
    COMPLIANCE = "compliance"      # an ID, a risk profile or a KYC review expires
    COMPLAINT = "complaint"        # an open complaint, until resolved
    ESCALATION = "escalation"      # to the team lead: a complaint is overdue
    THANKS = "thanks"              # thank the referrer of a customer just won
    LEAD = "lead"                  # a group member pressed "I'm interested"
    LEAD_MESSAGE = "lead_message"  # a known lead wrote to the bot privately: passed on
    QUESTION = "question"          # a question asked in a merchant group
    MYCARD = "mycard"              # someone left their phone through the RM's QR code
    CHURN = "churn"                # a company client's weekly volume dropped
    AGENDA = "agenda"              # the daily agenda
    REVIEW = "review"              # the RM's weekly review
    TEAM_REVIEW = "team_review"    # the lead's view of the team's week
    HANDOVER = "handover"          # customers were handed over to this RM
    SHARED_REF = "shared_ref"      # to a lead: two RMs' books hold the same client number

    @property
    def urgent(self) -> bool:
        """Sent at once, whatever the quiet hours (the default for a new row of this kind)."""
        return self in _URGENT

    @property
    def notice(self) -> bool:
        """Informs only: never due or overdue in a list, never folded into a digest."""
        return self in _NOTICES


_URGENT = frozenset({Kind.FOLLOWUP, Kind.ESCALATION, Kind.LEAD, Kind.CHURN, Kind.MYCARD})
_NOTICES = frozenset({Kind.AGENDA, Kind.REVIEW, Kind.TEAM_REVIEW, Kind.HANDOVER,
                      Kind.SHARED_REF, Kind.LEAD_MESSAGE})
NOTICE_KINDS = tuple(kind for kind in Kind if kind.notice)
# What the agenda and a lead's team view count as an RM's follow-ups.
FOLLOW_UP_KINDS = (Kind.FOLLOWUP, Kind.APPOINTMENT)
# Closed with the customer's pipeline when they are lost: what chases a sale or keeps a
# relationship warm (the care rules stop creating them for a lost customer, too).
CLOSED_WHEN_LOST = (Kind.FOLLOWUP, Kind.APPOINTMENT, Kind.TOUCH, Kind.CARE, Kind.BIRTHDAY)
# Closed when the customer is archived: everything about them but an open complaint, which
# the bank must still answer.
CLOSED_WHEN_ARCHIVED = tuple(kind for kind in Kind if kind not in (
    Kind.COMPLAINT, Kind.ESCALATION, *NOTICE_KINDS))
