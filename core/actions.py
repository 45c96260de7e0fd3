"""Every button the bot makes: one typed action per button, grouped by the feature that
answers it (handlers/__init__.py names each one's handler, in the one ordered list).

The prefixes are the callback data's first word and stay short: data, arguments and the
signature must fit Telegram's 64 bytes. A customer, reminder or complaint named by a button
is checked again by the handler (it must still be the presser's), so an action only says
what was pressed, never that it is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.buttons import Action

# -- the customer card (cards, notes, followups, customer_edit) ----------------------------


@dataclass(frozen=True)
class OpenCard(Action, prefix="c", writes=False):
    customer_id: int


@dataclass(frozen=True)
class ShowHistory(Action, prefix="ch", writes=False):
    customer_id: int
    page: int = 0


@dataclass(frozen=True)
class ResendFile(Action, prefix="cfile", writes=False):
    interaction_id: int


@dataclass(frozen=True)
class AskNote(Action, prefix="cn", writes=False):
    customer_id: int


@dataclass(frozen=True)
class ShowNote(Action, prefix="nv", writes=False):
    """One entry of the history in full (Correct and Delete for its author)."""

    interaction_id: int


@dataclass(frozen=True)
class CorrectNote(Action, prefix="ned", writes=False):
    interaction_id: int


@dataclass(frozen=True)
class AskDeleteNote(Action, prefix="ndq", writes=False):
    interaction_id: int


@dataclass(frozen=True)
class DeleteNote(Action, prefix="ndel", writes=True):
    interaction_id: int


@dataclass(frozen=True)
class LogContact(Action, prefix="cl", writes=False):
    """A call, visit, meeting or complaint to log (with a note, asked next)."""

    customer_id: int
    kind: str


@dataclass(frozen=True)
class LogWithoutNote(Action, prefix="cls", writes=True, group="contact"):
    customer_id: int
    kind: str


@dataclass(frozen=True)
class LogOutcome(Action, prefix="lo", writes=True, group="contact"):
    """A contact logged with a one-tap outcome (domain.customers.OUTCOMES); from a done
    reminder (``reminder_id``) it is the reminder's outcome, noted in the file."""

    customer_id: int
    kind: str
    outcome: Literal["na", "cb", "in", "ni", "ds"]
    reminder_id: int | None = None


@dataclass(frozen=True)
class AskFollowUp(Action, prefix="cf", writes=False):
    customer_id: int


@dataclass(frozen=True)
class FollowUpPreset(Action, prefix="fu", writes=True, group="followup"):
    customer_id: int
    preset: Literal["1d", "3d", "1w"]


@dataclass(frozen=True)
class CorrectFollowUp(Action, prefix="fux", writes=True):
    reminder_id: int
    customer_id: int


@dataclass(frozen=True)
class PickRemindCustomer(Action, prefix="rmw", writes=True):
    """The customer a /remind is for, when the words naming them also read as a time."""

    customer_id: int


@dataclass(frozen=True)
class ShowStages(Action, prefix="cs", writes=False):
    customer_id: int


@dataclass(frozen=True)
class SetStage(Action, prefix="css", writes=True):
    customer_id: int
    stage: str


@dataclass(frozen=True)
class EditCustomer(Action, prefix="ce", writes=False):
    customer_id: int


@dataclass(frozen=True)
class PickField(Action, prefix="cef", writes=False):
    customer_id: int
    field: str


@dataclass(frozen=True)
class ChooseValue(Action, prefix="cev", writes=True):
    customer_id: int
    field: str
    value: str


@dataclass(frozen=True)
class ClearValue(Action, prefix="cec", writes=True):
    customer_id: int
    field: str


@dataclass(frozen=True)
class ArchiveCustomer(Action, prefix="ca", writes=True):
    customer_id: int


@dataclass(frozen=True)
class RestoreCustomer(Action, prefix="cr", writes=True):
    customer_id: int


@dataclass(frozen=True)
class AskErase(Action, prefix="cd", writes=False):
    customer_id: int


@dataclass(frozen=True)
class EraseCustomer(Action, prefix="cdx", writes=True):
    customer_id: int


# -- adding prospects (capture) and the inbox (notes) --------------------------------------


@dataclass(frozen=True)
class OpenDuplicate(Action, prefix="dupo", writes=False):
    customer_id: int


@dataclass(frozen=True)
class CreateDuplicate(Action, prefix="dupn", writes=True):
    pass


@dataclass(frozen=True)
class SkipPrompt(Action, prefix="ask", writes=True):
    """Skip the question the bot asked (every question whose answer the next message is);
    it names the question's flow, so a Skip left on an older question does nothing."""

    flow: str


@dataclass(frozen=True)
class FileAnswer(Action, prefix="askf", writes=True):
    """File the text held back (it named another customer) as the answer to the question."""

    flow: str


@dataclass(frozen=True)
class AboutOther(Action, prefix="asko", writes=False):
    """The text held back was about this other customer: drop the question, open their card."""

    customer_id: int


@dataclass(frozen=True)
class SearchAnswer(Action, prefix="asks", writes=False):
    """The text held back was a search: drop the question and search for it."""


@dataclass(frozen=True)
class UndoChange(Action, prefix="undo", writes=True):
    """Take back a note, a logged contact, a stage change or a complaint, minutes after."""

    kind: str   # "i": an interaction (note, contact), "s": a stage change, "k": a complaint
    ref_id: int


@dataclass(frozen=True)
class SkipStep(Action, prefix="skip", writes=True):
    """Skip a question of the guided /add; it names the question, so a stale one is refused."""

    step: str


@dataclass(frozen=True)
class EditCardField(Action, prefix="scf", writes=False):
    """Correct one field of a business card's draft (the draft's id: only the open one)."""

    draft: int
    field: str


@dataclass(frozen=True)
class ClearCardField(Action, prefix="scc", writes=True):
    draft: int
    field: str


@dataclass(frozen=True)
class SaveCard(Action, prefix="scs", writes=True):
    draft: int


@dataclass(frozen=True)
class DiscardCard(Action, prefix="scx", writes=True):
    draft: int


@dataclass(frozen=True)
class KeepCardPhoto(Action, prefix="sci", writes=True):
    """Not a card after all: the photo stays in the inbox."""

    draft: int


@dataclass(frozen=True)
class TakeSuggestion(Action, prefix="sga", writes=True):
    """Write on the file what a note mentioned (handlers/suggestions.py)."""

    suggestion_id: int


@dataclass(frozen=True)
class DismissSuggestion(Action, prefix="sgx", writes=True):
    """Never suggest it again for this customer."""

    suggestion_id: int


@dataclass(frozen=True)
class FileItem(Action, prefix="pick", writes=True):
    item_id: int
    customer_id: int


@dataclass(frozen=True)
class SearchForItem(Action, prefix="picks", writes=False):
    item_id: int


@dataclass(frozen=True)
class DiscardItem(Action, prefix="pickx", writes=True):
    item_id: int


# -- search and the pipeline ---------------------------------------------------------------


@dataclass(frozen=True)
class TurnSearchPage(Action, prefix="fp", writes=False):
    search_id: int
    page: int


@dataclass(frozen=True)
class AddFromSearch(Action, prefix="fadd", writes=True):
    search_id: int


@dataclass(frozen=True)
class NoteFromSearch(Action, prefix="fnote", writes=True):
    search_id: int


@dataclass(frozen=True)
class ListStage(Action, prefix="pl", writes=False):
    stage: str
    page: int


@dataclass(frozen=True)
class ListArchived(Action, prefix="arch", writes=False):
    page: int = 0


@dataclass(frozen=True)
class ShowTeamPipeline(Action, prefix="plt", writes=False):
    pass


@dataclass(frozen=True)
class PickProbability(Action, prefix="prb", writes=False):
    """A lead picks the stage whose win probability to set."""

    stage: str


@dataclass(frozen=True)
class SetProbability(Action, prefix="prs", writes=True):
    stage: str
    percent: int


# -- deals, products held, the household and SWOT ------------------------------------------


@dataclass(frozen=True)
class ShowDeals(Action, prefix="cdl", writes=False):
    customer_id: int


@dataclass(frozen=True)
class OpenDeal(Action, prefix="dv", writes=False):
    deal_id: int


@dataclass(frozen=True)
class StartDeal(Action, prefix="dn", writes=False):
    customer_id: int


@dataclass(frozen=True)
class PickDealProduct(Action, prefix="dp", writes=True):
    """The product of a new deal; `key` names the offer, so a second press makes no second
    deal."""

    customer_id: int
    product_id: int
    key: str


@dataclass(frozen=True)
class SkipDealStep(Action, prefix="dsk", writes=True):
    deal_id: int
    step: str  # the question it skips: amount or close


@dataclass(frozen=True)
class CancelDealStep(Action, prefix="dcx", writes=True):
    deal_id: int


@dataclass(frozen=True)
class PickDealClose(Action, prefix="dcd", writes=True):
    deal_id: int
    day: str  # ISO date


@dataclass(frozen=True)
class ChangeDealAmount(Action, prefix="da", writes=False):
    deal_id: int


@dataclass(frozen=True)
class ChangeDealClose(Action, prefix="dd", writes=False):
    deal_id: int


@dataclass(frozen=True)
class SetDealStage(Action, prefix="ds", writes=True):
    deal_id: int
    stage: str


@dataclass(frozen=True)
class AskDealWon(Action, prefix="dw", writes=False):
    deal_id: int


@dataclass(frozen=True)
class WinDeal(Action, prefix="dwx", writes=True):
    deal_id: int


@dataclass(frozen=True)
class AskDealLost(Action, prefix="dl", writes=False):
    deal_id: int


@dataclass(frozen=True)
class LoseDeal(Action, prefix="dlr", writes=True):
    deal_id: int
    reason: str


@dataclass(frozen=True)
class ShowHoldings(Action, prefix="chl", writes=False):
    customer_id: int


@dataclass(frozen=True)
class PickHoldingDate(Action, prefix="hd", writes=False):
    holding_id: int
    field: str


@dataclass(frozen=True)
class SkipHoldingDate(Action, prefix="hsk", writes=True):
    holding_id: int
    field: str


@dataclass(frozen=True)
class ShowHousehold(Action, prefix="hh", writes=False):
    customer_id: int


@dataclass(frozen=True)
class AskMember(Action, prefix="hha", writes=False):
    customer_id: int


@dataclass(frozen=True)
class PickMember(Action, prefix="hhp", writes=False):
    customer_id: int
    other_id: int


@dataclass(frozen=True)
class LinkMember(Action, prefix="hhr", writes=True):
    customer_id: int
    other_id: int
    relation: str


@dataclass(frozen=True)
class UnlinkMember(Action, prefix="hhu", writes=True):
    customer_id: int
    link_id: int


@dataclass(frozen=True)
class CancelLink(Action, prefix="hhx", writes=False):
    customer_id: int


@dataclass(frozen=True)
class ShowSwot(Action, prefix="sw", writes=False):
    customer_id: int


@dataclass(frozen=True)
class AskSwotPart(Action, prefix="swp", writes=False):
    customer_id: int
    part: str


@dataclass(frozen=True)
class StopSwotPart(Action, prefix="swx", writes=False):
    customer_id: int


# -- reminders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkDone(Action, prefix="rd", writes=True):
    """Done (early, from the card, the agenda or its confirmation: ``keep`` the message's
    other buttons, dropping only this reminder's)."""

    reminder_id: int
    version: int
    keep: bool = False


@dataclass(frozen=True)
class MoveReminder(Action, prefix="rmv", writes=False):
    """Offer the times a reminder can be moved to (the snooze buttons)."""

    reminder_id: int
    version: int


@dataclass(frozen=True)
class CancelReminder(Action, prefix="rx", writes=True):
    reminder_id: int
    version: int


@dataclass(frozen=True)
class Snooze(Action, prefix="rs", writes=True):
    """Snooze by a preset (in an hour, tomorrow morning, next week) or ask for a time (x)."""

    reminder_id: int
    version: int
    preset: Literal["1h", "tm", "nw", "x"]


# -- the product catalog, posts and merchant groups ----------------------------------------


@dataclass(frozen=True)
class ShowProductGroup(Action, prefix="pg", writes=False):
    """A group's products; no group: every group."""

    group_id: int | None = None


@dataclass(frozen=True)
class ShowProduct(Action, prefix="pp", writes=False):
    product_id: int


@dataclass(frozen=True)
class ShowGroupPitch(Action, prefix="gp", public=True, writes=False):
    """A product's pitch in a merchant group, for whoever taps it."""

    product_id: int
    language: str


@dataclass(frozen=True)
class PickPostProduct(Action, prefix="ppk", writes=False):
    product_id: int  # 0: no product


@dataclass(frozen=True)
class TogglePostGroup(Action, prefix="pgt", writes=False):
    chat_id: int


@dataclass(frozen=True)
class PreviewPost(Action, prefix="ppv", writes=False):
    pass


@dataclass(frozen=True)
class SendPostNow(Action, prefix="psn", writes=True):
    pass


@dataclass(frozen=True)
class SchedulePost(Action, prefix="psc", writes=False):
    pass


@dataclass(frozen=True)
class CancelPost(Action, prefix="pcx", writes=False):
    pass


@dataclass(frozen=True)
class PickGroupOwner(Action, prefix="grp", writes=False):
    chat_id: int


@dataclass(frozen=True)
class ReassignGroup(Action, prefix="gro", writes=True):
    chat_id: int
    owner_id: int


@dataclass(frozen=True)
class SendMyCard(Action, prefix="myc", writes=False):
    """The RM's contact QR code for one place it will be shown."""

    source: str


@dataclass(frozen=True)
class ChooseGroupLanguage(Action, prefix="glang", in_groups=True, writes=True):
    language: str


@dataclass(frozen=True)
class Interested(Action, prefix="int", public=True, writes=False):
    """A group member's "I'm interested" under a post. Not claimed per press: the interest is
    stored once per member and post (a unique key), and a second press must give the member
    the link to leave their number again."""

    post_id: int


@dataclass(frozen=True)
class AnswerQuestion(Action, prefix="qa", writes=False):
    question_id: int


# -- complaints and referrals --------------------------------------------------------------


@dataclass(frozen=True)
class PickComplaintCustomer(Action, prefix="svo", writes=True):
    customer_id: int


@dataclass(frozen=True)
class ResolveComplaint(Action, prefix="svr", writes=False):
    complaint_id: int
    at_first_contact: bool = False


@dataclass(frozen=True)
class AnswerCsat(Action, prefix="svc", writes=True):
    """The customer's satisfaction (1-5) after a complaint (c) or a sale (s); None: skipped."""

    about: Literal["c", "s"]
    ref_id: int
    score: int | None = None


@dataclass(frozen=True)
class AnswerNps(Action, prefix="svn", writes=True):
    """How likely the customer is to recommend us (0-10); None: skipped."""

    about: Literal["c", "s"]
    ref_id: int
    score: int | None = None


@dataclass(frozen=True)
class LinkReferrer(Action, prefix="rfp", writes=True):
    customer_id: int
    referrer_id: int


@dataclass(frozen=True)
class KeepReferrerName(Action, prefix="rfn", writes=True):
    pass


@dataclass(frozen=True)
class ListReferred(Action, prefix="rfl", writes=False):
    referrer_id: int


# -- the weekly review and the hand-over of customers --------------------------------------


@dataclass(frozen=True)
class TurnReviewWeek(Action, prefix="tmv", writes=False):
    week: int  # domain.review.week_ref of its Monday


@dataclass(frozen=True)
class StartReassign(Action, prefix="tms", writes=False):
    pass


@dataclass(frozen=True)
class PickReassignScope(Action, prefix="tmf", writes=False):
    from_id: int


@dataclass(frozen=True)
class PickReassignCustomer(Action, prefix="tmp", writes=False):
    from_id: int
    page: int


@dataclass(frozen=True)
class PickReceiver(Action, prefix="tmr", writes=False):
    from_id: int
    customer_id: int  # 0: all of them


@dataclass(frozen=True)
class ConfirmReassign(Action, prefix="tmt", writes=False):
    from_id: int
    customer_id: int  # 0: all of them
    to_id: int


@dataclass(frozen=True)
class Reassign(Action, prefix="tmx", writes=True):
    from_id: int
    customer_id: int  # 0: all of them
    to_id: int


@dataclass(frozen=True)
class CancelReassign(Action, prefix="tmq", writes=False):
    pass


# -- Telegram Business ---------------------------------------------------------------------


@dataclass(frozen=True)
class AddBusinessProspect(Action, prefix="bpa", writes=True):
    """Someone who wrote to the RM's own account first becomes a prospect."""

    user_id: int


@dataclass(frozen=True)
class LinkBusinessProspect(Action, prefix="bpl", writes=True):
    user_id: int
    customer_id: int


@dataclass(frozen=True)
class DeclineBusinessProspect(Action, prefix="bpx", writes=True):
    user_id: int


@dataclass(frozen=True)
class KeepBusinessTexts(Action, prefix="bkt", writes=True):
    keep: bool


@dataclass(frozen=True)
class SendCare(Action, prefix="bcs", writes=True):
    """Send a care reminder's suggested message to the customer as the RM."""

    reminder_id: int
    customer_id: int


# -- churn and spreadsheets ----------------------------------------------------------------


@dataclass(frozen=True)
class WatchChurn(Action, prefix="cw", writes=False):
    """The clients on alert; with an alert: its figures and chart."""

    alert_id: int | None = None


@dataclass(frozen=True)
class ApplyImport(Action, prefix="ima", writes=True):
    import_id: int


@dataclass(frozen=True)
class CancelImport(Action, prefix="imx", writes=True):
    import_id: int


# -- settings and administration -----------------------------------------------------------


@dataclass(frozen=True)
class ChooseLanguage(Action, prefix="lang", writes=True):
    language: str


@dataclass(frozen=True)
class ChooseTimezone(Action, prefix="tz", writes=True):
    index: int  # in preferences.TIMEZONES


@dataclass(frozen=True)
class OpenSetting(Action, prefix="set", writes=False):
    setting: Literal["lang", "tz"]


@dataclass(frozen=True)
class SetTextMode(Action, prefix="mode", writes=True):
    mode: str


@dataclass(frozen=True)
class PickInviteRole(Action, prefix="inv", writes=True):
    """The invite's role; then its team (0: none), which makes the link."""

    role: str
    team_id: int | None = None


@dataclass(frozen=True)
class RevokeInvite(Action, prefix="invrev", writes=True):
    code: str


@dataclass(frozen=True)
class ListStaff(Action, prefix="stfs", writes=False):
    page: int


@dataclass(frozen=True)
class ShowMember(Action, prefix="stf", writes=False):
    staff_id: int


@dataclass(frozen=True)
class SetRole(Action, prefix="stfr", writes=True):
    staff_id: int
    role: str


@dataclass(frozen=True)
class SetTeam(Action, prefix="stft", writes=True):
    staff_id: int
    team_id: int  # 0: no team


@dataclass(frozen=True)
class SetAccess(Action, prefix="stfa", writes=True):
    staff_id: int
    active: bool
