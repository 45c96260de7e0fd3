"""/pipeline: how many customers are at each step of the sales process, and who they are."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update

from core.actions import (
    ListArchived,
    ListStage,
    OpenCard,
    PickProbability,
    SetProbability,
    ShowTeamPipeline,
)
from core.buttons import Action, keyboard
from core.context import Ctx
from core.i18n import _, current_language, label_count, label_value, ngettext
from core.messages import edit_or_reply, esc, reply
from domain.customers import STAGES
from domain.deals import OPEN_STAGES, add_totals, forecast, format_totals, parse_probability
from handlers.common import expired
from handlers.search import result_label
from storage.customers import Page

PAGE_SIZE = 8
PERCENT_CHOICES = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)


async def _team_ids(context: Ctx) -> list[int]:
    me = context.me
    if not me.is_lead or me.team_id is None:
        return [me.id]
    return sorted({me.id, *(m.id for m in await context.storage.staff.list_team(me.team_id))})


async def pipeline_text(context: Ctx, owner_ids: list[int], title: str) -> str:
    """Per stage: customers, open deals, their total and the probability-weighted forecast."""
    storage = context.storage
    counts: dict[str, int] = {}
    for owner in owner_ids:
        for stage, count in (await storage.customers.stage_counts(owner)).items():
            counts[stage] = counts.get(stage, 0) + count
    probabilities = await storage.deals.probabilities(context.me.team_id)
    lines = forecast(await storage.deals.open_values(owner_ids), probabilities)
    language = current_language()
    text = [title]
    for stage, label in STAGES.items():
        customers = ngettext("{count} customer", "{count} customers",
                             counts.get(stage, 0)).format(count=counts.get(stage, 0))
        line = lines.get(stage)
        if line is None or not line.count:
            text.append(label_value(_(label), f"<b>{customers}</b>"))
            continue
        deals = ngettext("{count} deal", "{count} deals", line.count).format(count=line.count)
        text.append(_("{stage}: <b>{customers}</b> · {deals} {total} → {forecast} "
                      "({percent}%)").format(
            stage=_(label), customers=customers, deals=deals,
            total=format_totals(line.total, language),
            forecast=format_totals(line.weighted, language), percent=probabilities[stage]))
    total = add_totals(*(line.total for line in lines.values()))
    weighted = add_totals(*(line.weighted for line in lines.values()))
    if total:
        text.append("")
        text.append(_("<b>Open deals</b>: {total}\n<b>Forecast</b> (weighted by stage): "
                      "{forecast}").format(total=format_totals(total, language),
                                           forecast=format_totals(weighted, language)))
    if not counts:
        text.append(_("No customers yet. Add the first one with /add."))
    return "\n".join(text)


async def show_pipeline(update: Update, context: Ctx) -> None:
    """Count the RM's customers and open deals per stage, with a button to list each stage."""
    counts = await context.storage.customers.stage_counts(context.me.id)
    text = await pipeline_text(context, [context.me.id], _("<b>Your pipeline</b>"))
    rows = []
    for stage, label in STAGES.items():
        count = counts.get(stage, 0)
        if count:
            rows.append([ListStage(stage, 0).button(label_count(_(label), count))])
    if context.me.is_lead and context.me.team_id is not None:
        rows.append([ShowTeamPipeline().button(_("👥 The team's pipeline"))])
    # An empty keyboard is refused by Telegram: none at all when there is nothing to list.
    await reply(update, text, keyboard(rows) if rows else None)


async def show_team_pipeline(update: Update, context: Ctx) -> None:
    """A lead's view: the whole team's customers and deals summed (no customer names)."""
    if not context.me.is_lead or context.me.team_id is None:
        await expired(update)
        return
    await context.query.answer()
    owners = await _team_ids(context)
    await reply(update, await pipeline_text(context, owners, ngettext(
        "<b>The team's pipeline</b> ({count} person)",
        "<b>The team's pipeline</b> ({count} people)", len(owners)).format(count=len(owners))))


async def show_probabilities(update: Update, context: Ctx) -> None:
    """The win probability per stage used for the forecast; a lead changes them (/probability)."""
    probabilities = await context.storage.deals.probabilities(context.me.team_id)
    lines = [_("<b>Win probability per stage</b> (used for the forecast)")]
    lines += [label_value(_(STAGES[stage]), f"<b>{probabilities[stage]}%</b>")
              for stage in OPEN_STAGES]
    rows = []
    if context.me.is_lead and context.me.team_id is not None:
        lines.append(_("Tap a stage to change it for your team."))
        rows = [[PickProbability(stage).button(_(STAGES[stage]))] for stage in OPEN_STAGES]
    else:
        lines.append(_("Your team lead sets them."))
    await reply(update, "\n".join(lines), keyboard(rows) if rows else None)


async def pick_probability(update: Update, context: Ctx) -> None:
    """Offer the percentages for one stage (leads)."""
    stage = context.action(PickProbability).stage
    if stage not in OPEN_STAGES or not context.me.is_lead or context.me.team_id is None:
        await expired(update)
        return
    await context.query.answer()
    rows = [[SetProbability(stage, p).button(f"{p}%") for p in PERCENT_CHOICES[i:i + 4]]
            for i in range(0, len(PERCENT_CHOICES), 4)]
    await edit_or_reply(update, _("Win probability for “{stage}”:").format(
        stage=esc(_(STAGES[stage]))), keyboard(rows))


async def set_probability(update: Update, context: Ctx) -> None:
    """Set the team's probability for a stage (the same press twice sets the same value)."""
    action = context.action(SetProbability)
    stage, percent = action.stage, parse_probability(str(action.percent))
    if (stage not in OPEN_STAGES or percent is None or not context.me.is_lead
            or context.me.team_id is None):
        await expired(update)
        return
    await context.storage.deals.set_probabilities(context.me.team_id, {stage: percent},
                                                  context.me.id, context.clock.now())
    await context.query.answer(_("Saved."))
    await edit_or_reply(update, _("Win probability for “{stage}” is now {percent}% for your "
                                  "team.").format(stage=esc(_(STAGES[stage])), percent=percent))


async def list_stage(update: Update, context: Ctx) -> None:
    """List the customers at one stage, a page at a time."""
    action = context.action(ListStage)
    stage, page = action.stage, action.page
    if stage not in STAGES or page < 0:
        await expired(update)
        return
    await context.query.answer()
    result = await context.storage.customers.in_stage(context.me.id, stage,
                                                      offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    title = _("<b>{stage}</b>: {count}").format(stage=_(STAGES[stage]), count=result.total)
    await edit_or_reply(update, title, _list_keyboard(
        context, result, page, lambda to: ListStage(stage, to)))


async def list_archived(update: Update, context: Ctx) -> None:
    """List archived customers (from /archived or a page button)."""
    page = 0
    if isinstance(context.button, ListArchived):
        page = max(context.button.page, 0)
        await context.query.answer()
    result = await context.storage.customers.archived(context.me.id, offset=page * PAGE_SIZE,
                                                      limit=PAGE_SIZE)
    if result.total == 0:
        await reply(update, _("No archived customers."))
        return
    title = _("<b>Archived</b>: {count}").format(count=result.total)
    await edit_or_reply(update, title, _list_keyboard(context, result, page, ListArchived))


def _list_keyboard(context: Ctx, result: Page, page: int,
                   turn_to: Callable[[int], Action]) -> InlineKeyboardMarkup | None:
    rows = [[OpenCard(c.id).button(result_label(c, context.me.region))]
            for c in result.customers]
    pager = []
    if page > 0:
        pager.append(turn_to(page - 1).button(_("◀ Previous")))
    if (page + 1) * PAGE_SIZE < result.total:
        pager.append(turn_to(page + 1).button(_("Next ▶")))
    rows.append(pager)
    return keyboard(rows) if any(rows) else None
