"""Every change a feature makes to staff or customer data, as one storage method: the change,
its history row where it has one (interactions) and its audit row, in one transaction.

Handlers call these and never write the audit log themselves, so a change is never recorded
without its audit row or the other way round. The audit row says who did what to which row
and when; for a customer it names the fields, never their values (personal data). Storage
inherits this class; the repositories are its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.pushes import CLOSED_WHEN_ARCHIVED, CLOSED_WHEN_LOST, FOLLOW_UP_KINDS, Kind
from storage.bookkeeping import AuditLog
from storage.care import CareRepo
from storage.catalog import CatalogRepo, GroupSpec, ProductSpec, ReplaceResult
from storage.churn import ChurnRepo, NewVolume
from storage.complaints import ComplaintRepo
from storage.customers import Customer, CustomerRepo
from storage.db import Database
from storage.deals import Deal, DealRepo
from storage.groups import Group, GroupRepo
from storage.inbox import InboxRepo
from storage.interactions import Interaction, InteractionRepo
from storage.invites import Invite, InviteRepo
from storage.leads import Lead, LeadRepo
from storage.posts import PostRepo
from storage.reassign import Departure, ReassignRepo, departure_note
from storage.reminders import ReminderRepo
from storage.review import ReviewRepo
from storage.staff import Staff, StaffRepo
from storage.teams import Team, TeamRepo

BIRTHDAY_FIELDS = frozenset({"birthday", "birthday_lunar", "birthday_leap"})


@dataclass(frozen=True)
class StageChange:
    interaction_id: int   # the history row (a sale's reference)
    reminders_closed: int


@dataclass(frozen=True)
class Undone:
    """What an Undo did: "undone", "gone" (undone already, or changed since) or "late"."""

    outcome: str
    customer_id: int | None = None
    kind: str = ""


@dataclass(frozen=True)
class NewPost:
    chat_id: int
    text: str
    due_at: datetime
    product_id: int | None = None
    photo_file_id: str | None = None


class Changes:
    db: Database
    audit: AuditLog
    staff: StaffRepo
    teams: TeamRepo
    invites: InviteRepo
    customers: CustomerRepo
    deals: DealRepo
    interactions: InteractionRepo
    inbox: InboxRepo
    reminders: ReminderRepo
    care: CareRepo
    groups: GroupRepo
    posts: PostRepo
    leads: LeadRepo
    catalog: CatalogRepo
    complaints: ComplaintRepo
    churn: ChurnRepo
    review: ReviewRepo
    reassign: ReassignRepo

    # -- staff, invites and teams --------------------------------------------------------------
    async def register_staff(self, *, staff_id: int, name: str, username: str | None,
                             role: str, team_id: int | None, timezone: str, region: str,
                             invited_by: int | None, now: datetime,
                             telegram_language: str | None = None,
                             action: str = "staff.registered") -> Staff:
        """A new member of staff (or one coming back), who registers themselves."""
        async with self.db.transaction():
            staff = await self.staff.register(
                staff_id=staff_id, name=name, username=username, role=role, team_id=team_id,
                timezone=timezone, region=region, invited_by=invited_by, now=now,
                telegram_language=telegram_language)
            detail = {"role": role, "team_id": team_id} if invited_by is not None else None
            await self.audit.record(actor_id=staff_id, action=action, entity="staff",
                                    entity_id=staff_id, now=now, detail=detail)
        return staff

    async def join_with_invite(self, code: str, *, staff_id: int, name: str,
                               username: str | None, timezone: str, region: str, now: datetime,
                               telegram_language: str | None) -> Staff | None:
        """Use an invite (once) and register with its role and team; None if it cannot be.
        Someone whose access was turned off cannot come back this way: only an administrator
        restores access (their invite is left unused)."""
        async with self.db.transaction():
            existing = await self.staff.get(staff_id)
            if existing is not None and not existing.active:
                return None
            invite = await self.invites.claim(code, staff_id, now)
            if invite is None:
                return None
            return await self.register_staff(
                staff_id=staff_id, name=name, username=username, role=invite.role,
                team_id=invite.team_id, timezone=timezone, region=region,
                invited_by=invite.created_by, now=now, telegram_language=telegram_language)

    async def create_invite(self, actor_id: int, *, role: str, team_id: int | None,
                            now: datetime, ttl: timedelta) -> Invite:
        async with self.db.transaction():
            invite = await self.invites.create(role=role, team_id=team_id, created_by=actor_id,
                                               now=now, ttl=ttl)
            await self.audit.record(actor_id=actor_id, action="invite.created", entity="invite",
                                    entity_id=invite.code, now=now,
                                    detail={"role": role, "team_id": team_id})
        return invite

    async def revoke_invite(self, actor_id: int, code: str, now: datetime) -> bool:
        """False if the link was used already or has expired."""
        async with self.db.transaction():
            if not await self.invites.revoke(code, now):
                return False
            await self.audit.record(actor_id=actor_id, action="invite.revoked", entity="invite",
                                    entity_id=code, now=now)
        return True

    async def create_team(self, actor_id: int, name: str, now: datetime) -> Team | None:
        """None if a team of that name exists."""
        async with self.db.transaction():
            team = await self.teams.create(name, now)
            if team is not None:
                await self.audit.record(actor_id=actor_id, action="team.created", entity="team",
                                        entity_id=team.id, now=now, detail={"name": name})
        return team

    async def set_role(self, actor_id: int, staff_id: int, role: str, now: datetime) -> None:
        async with self.db.transaction():
            await self.staff.set_role(staff_id, role)
            await self._staff_changed(actor_id, staff_id, "staff.role", role, now)

    async def set_team(self, actor_id: int, staff_id: int, team_id: int | None,
                       now: datetime) -> None:
        async with self.db.transaction():
            await self.staff.set_team(staff_id, team_id)
            await self._staff_changed(actor_id, staff_id, "staff.team", str(team_id or 0), now)

    async def set_access(self, actor_id: int, staff_id: int, active: bool,
                         now: datetime) -> Departure | None:
        """Turn someone's access on or off. Turning it off also revokes the invites they made
        and hands what waits on them (groups, questions, leads, queued posts) to their team
        lead, else to the administrator turning it off, who is told (a hand-over notice);
        their customers wait for /reassign. What was handed over, if anything."""
        async with self.db.transaction():
            await self.staff.set_active(staff_id, active)
            await self._staff_changed(actor_id, staff_id, "staff.access", str(int(active)), now)
            if active:
                return None
            revoked = await self.invites.revoke_made_by(staff_id, now)
            if revoked:
                await self.audit.record(actor_id=actor_id, action="invite.revoked",
                                        entity="staff", entity_id=staff_id, now=now,
                                        detail={"count": revoked})
            receiver = await self.reassign.successor(staff_id) or actor_id
            if receiver == staff_id:
                return None
            departure = await self.reassign.hand_over_work(staff_id, receiver, now)
            for chat_id in departure.groups:
                await self.audit.record(actor_id=actor_id, action="group.reassigned",
                                        entity="group", entity_id=chat_id, now=now,
                                        detail={"from": staff_id, "to": receiver})
            for customer_id in departure.customers:
                await self.audit.record(actor_id=actor_id, action="customer.reassigned",
                                        entity="customer", entity_id=customer_id, now=now,
                                        detail={"from": staff_id, "to": receiver})
            remaining = await self.reassign.count_owned(staff_id)
            if not departure.anything and not remaining:
                return None
            await self.audit.record(
                actor_id=actor_id, action="staff.work_handed_over", entity="staff",
                entity_id=staff_id, now=now,
                detail={"to": receiver, "groups": len(departure.groups),
                        "questions": departure.questions, "leads": departure.leads,
                        "posts": departure.posts})
            await self.reminders.create(
                staff_id=receiver, customer_id=None, kind=Kind.HANDOVER,
                text=departure_note(departure), due_at=now, now=now, ref_id=staff_id)
        return departure

    async def _staff_changed(self, actor_id: int, staff_id: int, action: str, value: str,
                             now: datetime) -> None:
        await self.audit.record(actor_id=actor_id, action=action, entity="staff",
                                entity_id=staff_id, now=now, detail={"value": value})

    async def set_timezone(self, staff_id: int, timezone: str, region: str,
                           now: datetime) -> None:
        async with self.db.transaction():
            await self.staff.set_timezone(staff_id, timezone, region)
            await self.audit.record(actor_id=staff_id, action="staff.timezone", entity="staff",
                                    entity_id=staff_id, now=now, detail={"timezone": timezone})

    async def set_language(self, staff_id: int, language: str, now: datetime) -> None:
        async with self.db.transaction():
            await self.staff.set_language(staff_id, language)
            await self.audit.record(actor_id=staff_id, action="staff.language", entity="staff",
                                    entity_id=staff_id, now=now, detail={"language": language})

    async def set_text_mode(self, staff_id: int, mode: str, now: datetime) -> None:
        async with self.db.transaction():
            await self.staff.set_text_mode(staff_id, mode)
            await self.audit.record(actor_id=staff_id, action="staff.text_mode", entity="staff",
                                    entity_id=staff_id, now=now, detail={"mode": mode})

    async def set_keep_business_texts(self, staff_id: int, keep: bool, now: datetime) -> None:
        """Keep the texts of the RM's Telegram Business chats as notes, or only the fact."""
        async with self.db.transaction():
            await self.staff.set_keep_business_texts(staff_id, keep)
            await self.audit.record(actor_id=staff_id, action="staff.keep_business_texts",
                                    entity="staff", entity_id=staff_id, now=now,
                                    detail={"keep": keep})

    async def set_schedule(self, staff_id: int, now: datetime, *, agenda_time: str | None = None,
                           quiet_start: str | None = None, quiet_end: str | None = None) -> None:
        """The daily agenda's time, or the quiet hours."""
        changed = {name: value for name, value in (("agenda_time", agenda_time),
                                                   ("quiet_start", quiet_start),
                                                   ("quiet_end", quiet_end)) if value}
        async with self.db.transaction():
            await self.staff.set_schedule(staff_id, **changed)
            await self.audit.record(actor_id=staff_id, action="staff.schedule", entity="staff",
                                    entity_id=staff_id, now=now, detail=changed)

    # -- customers ------------------------------------------------------------------------------
    async def create_prospect(self, *, owner_id: int, name: str, phone: str | None, region: str,
                              now: datetime, source: str | None = None, note: str | None = None,
                              **fields: Any) -> Customer:
        """A new prospect of the RM (with the first note, if there is one)."""
        async with self.db.transaction():
            customer = await self.customers.create(owner_id=owner_id, name=name, phone=phone,
                                                   region=region, now=now, source=source,
                                                   **fields)
            if note:
                await self.interactions.add(customer_id=customer.id, staff_id=owner_id,
                                            kind="note", happened_at=now, now=now, text=note)
            await self.audit.record(actor_id=owner_id, action="customer.created",
                                    entity="customer", entity_id=customer.id, now=now)
            if fields.get("birthday"):
                await self.care.birthdays_changed([customer.id], now)
        return customer

    async def update_customer(self, owner_id: int, customer_id: int, now: datetime, region: str,
                              **changes: Any) -> Customer | None:
        """Change fields of the RM's customer; None if it is not theirs."""
        async with self.db.transaction():
            updated = await self.customers.update(owner_id, customer_id, now, region, **changes)
            if updated is not None:
                await self.audit.record(actor_id=owner_id, action="customer.updated",
                                        entity="customer", entity_id=customer_id, now=now,
                                        detail={"fields": sorted(changes)})
                if changes.get("client_ref"):
                    await self.churn.notice_shared_refs([customer_id], now)
                if BIRTHDAY_FIELDS & set(changes):
                    await self.care.birthdays_changed([customer_id], now)
        return updated

    async def change_stage(self, owner_id: int, customer: Customer, stage: str,
                           reason: str | None, now: datetime) -> StageChange:
        """Move the customer along the pipeline; a lost customer's follow-ups and care
        reminders close with it."""
        moved = {"from": customer.stage, "to": stage}
        async with self.db.transaction():
            await self.customers.set_stage(owner_id, customer.id, stage, reason, now)
            interaction_id = await self.interactions.add(
                customer_id=customer.id, staff_id=owner_id, kind="stage", happened_at=now,
                now=now, text=reason or "", detail=moved)
            closed = 0
            if stage == "lost":
                closed = await self.reminders.close_for_customer(customer.id, CLOSED_WHEN_LOST,
                                                                 now)
            await self.audit.record(actor_id=owner_id, action="customer.stage",
                                    entity="customer", entity_id=customer.id, now=now,
                                    detail={**moved, "reminders_closed": closed}
                                    if closed else moved)
        return StageChange(interaction_id, closed)

    async def set_archived(self, owner_id: int, customer_id: int, archived: bool,
                           now: datetime) -> int:
        """Archive (closing the customer's open reminders) or restore; how many closed."""
        async with self.db.transaction():
            if not await self.customers.set_archived(owner_id, customer_id, archived, now):
                return 0
            closed = 0
            if archived:
                closed = await self.reminders.close_for_customer(customer_id,
                                                                 CLOSED_WHEN_ARCHIVED, now)
            await self.audit.record(
                actor_id=owner_id, action="customer.archived" if archived else "customer.restored",
                entity="customer", entity_id=customer_id, now=now,
                detail={"reminders_closed": closed} if closed else None)
        return closed

    async def erase_customer(self, owner_id: int, customer_id: int, now: datetime) -> int | None:
        """Erase the customer's personal data, closing every reminder about them; how many
        were open, or None if it was not theirs, or erased already."""
        async with self.db.transaction():
            if await self.customers.get(owner_id, customer_id) is None:
                return None
            closed = await self.reminders.close_for_customer(customer_id, tuple(Kind), now)
            if not await self.customers.erase(owner_id, customer_id, now):
                return None
            await self.audit.record(actor_id=owner_id, action="customer.erased",
                                    entity="customer", entity_id=customer_id, now=now)
        await self.db.forget_erased()
        return closed

    async def lose_deal(self, owner_id: int, deal_id: int, reason: str,
                        now: datetime) -> tuple[Deal | None, int]:
        """Close the deal as lost, once (None if it was closed already); when it was the
        customer's last open deal, their follow-ups close with it (how many)."""
        async with self.db.transaction():
            lost = await self.deals.lose(owner_id, deal_id, reason, owner_id, now)
            if lost is None:
                return None, 0
            others = [deal for deal in await self.deals.for_customer(owner_id, lost.customer_id)
                      if deal.is_open]
            closed = 0
            if not others:
                closed = await self.reminders.close_for_customer(lost.customer_id,
                                                                 FOLLOW_UP_KINDS, now)
            if closed:
                await self.audit.record(actor_id=owner_id, action="reminders.closed",
                                        entity="customer", entity_id=lost.customer_id, now=now,
                                        detail={"deal": deal_id, "count": closed})
        return lost, closed

    async def add_interaction(self, *, staff_id: int, customer_id: int, kind: str, now: datetime,
                              text: str = "", detail: dict[str, Any] | None = None) -> int:
        """A note, call, visit or meeting with the customer, dated now."""
        async with self.db.transaction():
            interaction_id = await self.interactions.add(
                customer_id=customer_id, staff_id=staff_id, kind=kind, happened_at=now, now=now,
                text=text, detail=detail)
            await self.audit.record(actor_id=staff_id, action=f"interaction.{kind}",
                                    entity="customer", entity_id=customer_id, now=now)
        return interaction_id

    async def correct_interaction(self, staff_id: int, interaction_id: int, text: str,
                                  now: datetime) -> Interaction | None:
        """A note's author replaces its text (marked corrected in the history); None if the
        note is not theirs. The audit row names the note, never its text."""
        async with self.db.transaction():
            item = await self.interactions.correct(staff_id, interaction_id, text, now)
            if item is not None:
                await self.audit.record(actor_id=staff_id, action="interaction.corrected",
                                        entity="customer", entity_id=item.customer_id, now=now,
                                        detail={"interaction": interaction_id})
        return item

    async def delete_interaction(self, staff_id: int, interaction_id: int,
                                 now: datetime) -> bool:
        """A note's author deletes it; False if it is not theirs (or was deleted already)."""
        async with self.db.transaction():
            customer_id = await self.interactions.delete(staff_id, interaction_id)
            if customer_id is None:
                return False
            await self.audit.record(actor_id=staff_id, action="interaction.deleted",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"interaction": interaction_id})
        return True

    # -- undo, minutes after -----------------------------------------------------------------
    async def undo_interaction(self, staff_id: int, interaction_id: int, since: datetime,
                               now: datetime) -> Undone:
        """Take back a note or a logged contact stored after ``since``, once."""
        async with self.db.transaction():
            found = await self.interactions.own(staff_id, interaction_id)
            if found is None or found[0].kind in ("stage", "complaint"):
                return Undone("gone")
            interaction, stored_at = found
            if stored_at < since:
                return Undone("late", interaction.customer_id, interaction.kind)
            await self.interactions.remove(interaction, now)
            await self.audit.record(actor_id=staff_id, action=f"interaction.{interaction.kind}"
                                    ".undone", entity="customer",
                                    entity_id=interaction.customer_id, now=now)
        return Undone("undone", interaction.customer_id, interaction.kind)

    async def undo_stage(self, owner_id: int, interaction_id: int, since: datetime,
                         now: datetime) -> Undone:
        """Take back the customer's latest stage change (and reopen what it closed), once:
        the stage is as before and the change leaves the history and the counts."""
        async with self.db.transaction():
            found = await self.interactions.own(owner_id, interaction_id)
            if found is None or found[0].kind != "stage":
                return Undone("gone")
            change, stored_at = found
            customer = await self.customers.get(owner_id, change.customer_id)
            moved_to, moved_from = change.detail.get("to"), change.detail.get("from")
            if (customer is None or customer.stage != moved_to or not moved_from
                    or await self.interactions.latest_stage(customer.id) != change.id):
                return Undone("gone")
            if stored_at < since:
                return Undone("late", customer.id, "stage")
            await self.customers.set_stage(owner_id, customer.id, str(moved_from), None, now)
            await self.interactions.remove(change, now)
            reopened = 0
            if moved_to == "lost":
                reopened = await self.reminders.reopen_closed(customer.id, CLOSED_WHEN_LOST,
                                                              change.happened_at)
            await self.audit.record(actor_id=owner_id, action="customer.stage_undone",
                                    entity="customer", entity_id=customer.id, now=now,
                                    detail={"from": moved_to, "to": moved_from,
                                            "reminders_reopened": reopened})
        return Undone("undone", customer.id, "stage")

    async def undo_complaint(self, owner_id: int, complaint_id: int, since: datetime,
                             now: datetime) -> Undone:
        """Take back a complaint opened by mistake (not resolved yet), once."""
        async with self.db.transaction():
            complaint = await self.complaints.get(owner_id, complaint_id)
            if complaint is None or complaint.resolved_at is not None:
                return Undone("gone")
            if complaint.opened_at < since:
                return Undone("late", complaint.customer_id, "complaint")
            interaction_id = await self.complaints.remove(owner_id, complaint_id)
            found = (await self.interactions.own(owner_id, interaction_id)
                     if interaction_id is not None else None)
            if found is not None:
                await self.interactions.remove(found[0], now)
            await self.audit.record(actor_id=owner_id, action="complaint.undone",
                                    entity="customer", entity_id=complaint.customer_id, now=now,
                                    detail={"complaint": complaint_id})
        return Undone("undone", complaint.customer_id, "complaint")

    async def file_inbox_item(self, staff_id: int, item_id: int, customer_id: int,
                              now: datetime, text: str | None = None) -> bool:
        """Attach an inbox item to a customer as an interaction, once; False if already done.
        ``text`` replaces the item's own (what a business card says beside its photo)."""
        async with self.db.transaction():
            item = await self.inbox.get_open(staff_id, item_id)
            if item is None or await self.customers.get(staff_id, customer_id) is None:
                return False
            await self.inbox.mark_filed(staff_id, item_id, now)
            await self.interactions.add(
                customer_id=customer_id, staff_id=staff_id, kind=item.kind, happened_at=now,
                now=now, text=item.text if text is None else text, file_id=item.file_id,
                file_type=item.file_type, file_name=item.file_name,
            )
            await self.audit.record(actor_id=staff_id, action=f"interaction.{item.kind}",
                                    entity="customer", entity_id=customer_id, now=now)
        return True

    async def record_pitch(self, *, customer_id: int, staff_id: int, product_id: int, text: str,
                           now: datetime) -> None:
        """A pitch the RM sent the customer (inline mode): in their history, audited."""
        async with self.db.transaction():
            await self.interactions.add(customer_id=customer_id, staff_id=staff_id,
                                        kind="message", happened_at=now, now=now, text=text,
                                        detail={"product": product_id})
            await self.audit.record(actor_id=staff_id, action="customer.pitch_sent",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"product": product_id})

    async def schedule_follow_up(self, staff_id: int, customer_id: int, text: str,
                                 due_at: datetime, now: datetime) -> int | None:
        async with self.db.transaction():
            reminder_id = await self.reminders.create(
                staff_id=staff_id, customer_id=customer_id, kind=Kind.FOLLOWUP, text=text,
                due_at=due_at, now=now)
            await self.audit.record(actor_id=staff_id, action="reminder.created",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"reminder": reminder_id})
        return reminder_id

    # -- complaints ------------------------------------------------------------------------------
    async def open_complaint(self, owner_id: int, customer_id: int, text: str, now: datetime,
                             due_at: datetime) -> int:
        """The complaint note in the customer's history and the complaint with its due date;
        the complaint's id."""
        async with self.db.transaction():
            interaction_id = await self.add_interaction(
                staff_id=owner_id, customer_id=customer_id, kind="complaint", now=now, text=text)
            complaint_id = await self.complaints.open(
                customer_id=customer_id, owner_id=owner_id, interaction_id=interaction_id,
                opened_at=now, due_at=due_at)
            await self.audit.record(actor_id=owner_id, action="complaint.opened",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"complaint": complaint_id})
        return complaint_id

    async def resolve_complaint(self, owner_id: int, complaint_id: int, customer_id: int,
                                now: datetime, resolution: str, first_contact: bool) -> bool:
        """Resolve once, with the resolution as a note in the history; False if it was."""
        async with self.db.transaction():
            if not await self.complaints.resolve(owner_id, complaint_id, now, resolution,
                                                 first_contact):
                return False
            await self.interactions.add(
                customer_id=customer_id, staff_id=owner_id, kind="note", happened_at=now,
                now=now, text=resolution, detail={"complaint": complaint_id, "resolved": True})
            await self.audit.record(actor_id=owner_id, action="complaint.resolved",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"complaint": complaint_id})
        return True

    async def record_score(self, *, customer_id: int, owner_id: int, kind: str, score: int,
                           context: str, ref_id: int, now: datetime) -> bool:
        """A CSAT or NPS answer, once per question; False if already answered."""
        async with self.db.transaction():
            if not await self.complaints.record_score(
                    customer_id=customer_id, owner_id=owner_id, kind=kind, score=score,
                    context=context, ref_id=ref_id, now=now):
                return False
            await self.audit.record(actor_id=owner_id, action=f"customer.{kind}",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"context": context})
        return True

    # -- the weekly review and the hand-over -----------------------------------------------------
    async def set_targets(self, actor_id: int, team_id: int, values: dict[str, int],
                          now: datetime) -> None:
        async with self.db.transaction():
            await self.review.set_targets(team_id, values, actor_id, now)
            await self.audit.record(actor_id=actor_id, action="team.targets", entity="team",
                                    entity_id=team_id, now=now, detail={"targets": values})

    async def reset_targets(self, actor_id: int, team_id: int, now: datetime) -> None:
        async with self.db.transaction():
            await self.review.reset_targets(team_id)
            await self.audit.record(actor_id=actor_id, action="team.targets_reset",
                                    entity="team", entity_id=team_id, now=now)

    async def set_review_time(self, actor_id: int, team_id: int, day: int, at: str,
                              now: datetime) -> None:
        async with self.db.transaction():
            await self.review.set_review_time(team_id, day, at)
            await self.audit.record(actor_id=actor_id, action="team.review_time", entity="team",
                                    entity_id=team_id, now=now, detail={"day": day, "time": at})

    async def link_team_group(self, actor_id: int, team_id: int, chat_id: int, now: datetime,
                              *, title: str, language: str | None) -> None:
        """Make a group chat the team's (linking it first, in `language`, if it is not)."""
        async with self.db.transaction():
            if language is not None:
                await self.groups.link(chat_id, title, actor_id, language, now)
            await self.review.set_group(team_id, chat_id)
            await self.audit.record(actor_id=actor_id, action="team.group_linked", entity="team",
                                    entity_id=team_id, now=now, detail={"chat_id": chat_id})

    async def unlink_team_group(self, actor_id: int, team_id: int, chat_id: int,
                                now: datetime) -> None:
        async with self.db.transaction():
            await self.review.set_group(team_id, None)
            await self.audit.record(actor_id=actor_id, action="team.group_unlinked",
                                    entity="team", entity_id=team_id, now=now,
                                    detail={"chat_id": chat_id})

    async def reassign_customers(self, actor_id: int, team_id: int, from_id: int, to_id: int,
                                 now: datetime, customer_id: int | None = None) -> list[int]:
        """Hand one customer (or all) of an RM to another, with an audit row per customer and
        the notice to the receiver; the ids moved (none if there was nothing left).
        Raises RefConflict, moving nothing, if the receiver's book already holds a client
        number of a customer to move."""
        async with self.db.transaction():
            moved = await self.reassign.reassign(from_id, to_id, now, customer_id)
            if not moved:
                return []
            await self.churn.notice_shared_refs(moved, now)
            for moved_id in moved:
                await self.audit.record(actor_id=actor_id, action="customer.reassigned",
                                        entity="customer", entity_id=moved_id, now=now,
                                        detail={"from": from_id, "to": to_id})
            if customer_id is None:
                await self.audit.record(
                    actor_id=actor_id, action="staff.customers_reassigned", entity="staff",
                    entity_id=from_id, now=now,
                    detail={"to": to_id, "count": len(moved), "team": team_id})
            await self.reminders.create(staff_id=to_id, customer_id=customer_id,
                                        kind=Kind.HANDOVER, text="", due_at=now, now=now,
                                        ref_id=from_id)
        return moved

    # -- merchant groups, posts and leads --------------------------------------------------------
    async def link_group(self, actor_id: int, chat_id: int, title: str, language: str,
                         now: datetime) -> Group:
        async with self.db.transaction():
            group = await self.groups.link(chat_id, title, actor_id, language, now)
            await self.audit.record(actor_id=actor_id, action="group.linked", entity="group",
                                    entity_id=chat_id, now=now)
        return group

    async def set_group_language(self, actor_id: int, chat_id: int, language: str,
                                 now: datetime) -> None:
        async with self.db.transaction():
            await self.groups.set_language(chat_id, language, now)
            await self.audit.record(actor_id=actor_id, action="group.language", entity="group",
                                    entity_id=chat_id, now=now, detail={"language": language})

    async def set_group_active(self, actor_id: int | None, chat_id: int, active: bool,
                               now: datetime) -> None:
        """The bot was added back to a group, or removed from it."""
        async with self.db.transaction():
            await self.groups.set_active(chat_id, active, now)
            await self.audit.record(actor_id=actor_id,
                                    action="group.added" if active else "group.removed",
                                    entity="group", entity_id=chat_id, now=now)

    async def migrate_group(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """A group became a supergroup: its link, posts and questions follow it."""
        async with self.db.transaction():
            if not await self.groups.migrate(old_chat_id, new_chat_id, now):
                return False
            await self.audit.record(actor_id=None, action="group.migrated", entity="group",
                                    entity_id=new_chat_id, now=now,
                                    detail={"from": old_chat_id})
        return True

    async def set_group_owner(self, actor_id: int, group: Group, owner_id: int,
                              now: datetime) -> None:
        async with self.db.transaction():
            await self.groups.set_owner(group.chat_id, owner_id, now)
            await self.audit.record(actor_id=actor_id, action="group.reassigned",
                                    entity="group", entity_id=group.chat_id, now=now,
                                    detail={"from": group.owner_id, "to": owner_id})

    async def queue_posts(self, staff_id: int, posts: Sequence[NewPost], now: datetime) -> int:
        """An RM's post queued for each of their groups; how many."""
        async with self.db.transaction():
            for post in posts:
                await self.posts.create(staff_id=staff_id, chat_id=post.chat_id, text=post.text,
                                        due_at=post.due_at, now=now, product_id=post.product_id,
                                        photo_file_id=post.photo_file_id)
            await self.audit.record(actor_id=staff_id, action="post.queued", entity="post",
                                    entity_id=None, now=now, detail={"groups": len(posts)})
        return len(posts)

    async def register_interest(self, *, post_id: int, chat_id: int, member_id: int,
                                owner: Staff, now: datetime) -> Lead:
        """A group member pressed "I'm interested": only the lead (once per member and post),
        so the private chat can recognise them. Until they agree to be contacted by sharing
        their number, nothing about them (not even their name) reaches the RM's book."""
        async with self.db.transaction():
            lead, created = await self.leads.create_once(
                post_id=post_id, user_id=member_id, owner_id=owner.id, now=now)
            if created:
                await self.audit.record(actor_id=None, action="lead.interested", entity="lead",
                                        entity_id=lead.id, now=now, detail={"group": chat_id})
        return lead

    async def record_consent(self, lead: Lead, owner: Staff | None, *, member_name: str,
                             phone: str, interests: Sequence[tuple[int, str]], note: str,
                             now: datetime) -> None:
        """The member shared their phone number, agreeing to be contacted: the owning RM's
        prospect (one per member), a note per offer they were waiting on and the consent, and
        the RM's reminder. ``interests`` are (lead id, note) of the leads this answers."""
        async with self.db.transaction():
            await self.leads.record_phone(lead.id, phone, now)
            if owner is not None:
                customer = await self.customers.by_telegram(owner.id, lead.user_id)
                if customer is None:
                    customer = await self.customers.create(
                        owner_id=owner.id, name=member_name[:120], phone=phone,
                        region=owner.region, now=now, source="merchant_group",
                        telegram_id=lead.user_id)
                    await self.audit.record(actor_id=None,
                                            action="customer.created_from_group",
                                            entity="customer", entity_id=customer.id, now=now)
                else:
                    await self.customers.update(owner.id, customer.id, now, owner.region,
                                                phone=phone)
                for lead_id, interest in interests:
                    await self.leads.set_customer(lead_id, customer.id)
                    await self.interactions.add(customer_id=customer.id, staff_id=owner.id,
                                                kind="note", happened_at=now, now=now,
                                                text=interest)
                await self.interactions.add(customer_id=customer.id, staff_id=owner.id,
                                            kind="note", happened_at=now, now=now, text=note)
                await self.reminders.create(
                    staff_id=owner.id, customer_id=customer.id, kind=Kind.LEAD,
                    text="\n".join([*(interest for _id, interest in interests), note]),
                    due_at=now, now=now)
            await self.audit.record(actor_id=lead.user_id, action="lead.consent", entity="lead",
                                    entity_id=lead.id, now=now)

    # -- the catalog, volumes and spreadsheets ---------------------------------------------------
    async def replace_catalog(self, actor_id: int, groups: Sequence[GroupSpec],
                              products: Sequence[ProductSpec], now: datetime) -> ReplaceResult:
        async with self.db.transaction():
            result = await self.catalog.replace_all(groups, products, now)
            await self.audit.record(
                actor_id=actor_id, action="catalog.loaded", entity="catalog", entity_id=None,
                now=now, detail={"groups": result.groups, "products": result.products,
                                 "deactivated": result.deactivated})
        return result

    async def import_volumes(self, actor_id: int, rows: Sequence[NewVolume],
                             now: datetime) -> int:
        """Weekly volumes, replacing the weeks imported before; how many were replaced."""
        async with self.db.transaction():
            replaced = await self.churn.replace(rows, now)
            await self.audit.record(
                actor_id=actor_id, action="volumes.imported", entity="weekly_volumes",
                entity_id=None, now=now, detail={"rows": len(rows), "replaced": replaced})
        return replaced

    async def record_export(self, actor_id: int, *, customers: int, notes: int,
                            scope: str | int, now: datetime) -> None:
        """An export of customer files (reading personal data is recorded too)."""
        await self.audit.record(actor_id=actor_id, action="customers.exported",
                                entity="export", entity_id=None, now=now,
                                detail={"customers": customers, "notes": notes, "scope": scope})
