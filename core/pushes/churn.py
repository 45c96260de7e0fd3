"""Churn alerts as messages: the figures of an alert, its sparkline chart, and the 'churn'
push to the RM (and to the team lead for A and VIP clients); /watch shows the same."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.actions import MarkDone, OpenCard, WatchChurn
from core.buttons import keyboard
from core.i18n import _, format_date, format_money, format_number
from core.messages import esc
from core.pushes.base import Push
from storage import Storage
from storage.churn import ChurnAlert
from storage.reminders import Reminder
from storage.staff import Staff

CHART_WEEKS = 26
CHART_SIZE = (8.0, 3.0)    # inches at CHART_DPI: 800×300 px
CHART_DPI = 100


# -- numbers ------------------------------------------------------------------------------------


def amount(value: float, currency: str | None) -> str:
    if currency:
        return format_money(round(value), currency)
    return format_number(round(value) if abs(value) >= 100 else round(value, 2))


def change(volume: float, average: float | None) -> str:
    """'−35%' or '+12%': the week against an average."""
    if average is None or average <= 0:
        return "–"
    change = round((volume / average - 1) * 100, 1)
    sign = "−" if change < 0 else "+"
    return f"{sign}{format_number(abs(change))}%"


def _average_line(label: str, volume: float, average: float | None,
                  currency: str | None) -> str:
    if average is None:
        return _("{label}: not enough history yet").format(label=label)
    return _("{label}: {average} ({change})").format(
        label=label, average=amount(average, currency), change=change(volume, average))


def alert_text(alert: ChurnAlert, owner: Staff | None = None) -> str:
    """The figures of an alert, in the current language (with the RM's name for a lead)."""
    lines = [_("📉 <b>Churn early warning</b>"),
             _("Customer: {name}").format(
                 name=f"<b>{esc(alert.customer_name)}</b> · {esc(alert.client_ref)}"
                 + (f" · {alert.grade}" if alert.grade else "")),
             _("Week of {week}: {volume}").format(
                 week=format_date(alert.week),
                 volume=f"<b>{amount(alert.volume, alert.currency)}</b>"),
             _average_line(_("4-week average"), alert.volume, alert.avg_4w, alert.currency),
             _average_line(_("13-week average"), alert.volume, alert.avg_13w, alert.currency)]
    if owner is not None:
        lines.append(_("Relationship manager: {name}").format(name=esc(owner.name)))
    lines.append(_("A client rarely leaves at once: call or visit now, before the volume "
                   "moves to another bank."))
    return "\n".join(lines)


# -- the chart ----------------------------------------------------------------------------------


def sparkline_png(points: Sequence[tuple[date, float]], average: float | None) -> bytes:
    """A 800×300 PNG of the weekly volumes, the last week in red, the average dashed."""
    # matplotlib (with numpy) is large: loaded when the first chart is drawn, not at start-up.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.03, 0.14, 0.94, 0.8))
    xs = [day.toordinal() for day, _volume in points]
    ys = [volume for _day, volume in points]
    axes.fill_between(xs, ys, color="#1f77b4", alpha=0.12, linewidth=0)
    axes.plot(xs, ys, color="#1f77b4", linewidth=2.2, marker="o", markersize=3)
    if average is not None:
        axes.axhline(average, color="#7f7f7f", linestyle="--", linewidth=1.2)
    if xs:
        axes.scatter([xs[-1]], [ys[-1]], s=110, color="#d62728", zorder=3)
        axes.set_xticks([xs[0], xs[-1]] if len(xs) > 1 else [xs[0]])
        axes.set_xticklabels([f"{day:%d/%m}" for day, _v in
                              ([points[0], points[-1]] if len(xs) > 1 else [points[0]])])
        axes.set_xlim(xs[0] - 4, xs[-1] + 4)
    axes.set_ylim(bottom=0, top=max([*ys, average or 0, 1]) * 1.12)
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(axis="x", length=0, labelsize=11, colors="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


async def alert_chart(storage: Storage, alert: ChurnAlert) -> bytes:
    series = await storage.churn.series(alert.client_ref, alert.week, CHART_WEEKS)
    points = [(item.week, item.volume) for item in series]
    return await asyncio.to_thread(sparkline_png, points, alert.avg_4w or alert.avg_13w)


# -- the push ---------------------------------------------------------------------------------


def alert_buttons(alert: ChurnAlert, staff: Staff,
                   reminder: Reminder | None = None) -> InlineKeyboardMarkup:
    row: list[InlineKeyboardButton] = []
    if reminder is not None:
        row.append(MarkDone(reminder.id, reminder.version).button(_("✅ Done")))
    if alert.owner_id == staff.id:
        row.append(OpenCard(alert.customer_id).button(_("Open the card")))
    else:
        row.append(WatchChurn().button(_("📉 On alert")))
    return keyboard([row])


async def render_churn(storage: Storage, staff: Staff, reminder: Reminder,
                       now: datetime) -> Push:
    """The alert with its figures and chart, in the recipient's language."""
    alert = await storage.churn.alert(reminder.ref_id) if reminder.ref_id else None
    if alert is None:
        # The week was corrected since and no longer falls: say what was sent, plainly.
        text = "\n".join([_("📉 <b>Churn early warning</b>"), esc(reminder.text),
                          _("The figures were corrected since: the client is no longer on "
                            "alert.")])
        done = MarkDone(reminder.id, reminder.version).button(_("✅ Done"))
        return Push(text, keyboard([[done]]))
    owner = None if alert.owner_id == staff.id else await storage.staff.get(alert.owner_id)
    return Push(alert_text(alert, owner), alert_buttons(alert, staff, reminder),
                await alert_chart(storage, alert))


async def render_shared_ref(storage: Storage, staff: Staff, reminder: Reminder,
                            now: datetime) -> Push:
    """Tell a lead (or an administrator) that two RMs' books hold the same client number:
    neither RM is told, as neither may know what is in the other's book."""
    holders = await storage.churn.shared_pair(reminder.customer_id or 0, reminder.ref_id or 0)
    books = [_("{rm} ({customer})").format(rm=f"<b>{esc(rm)}</b>",
                                           customer=esc(customer or _("(no name)")))
             for customer, rm in holders]
    while len(books) < 2:
        books.append(_("(a customer erased since)"))
    return Push(_("🔁 <b>One client number in two books</b>\nThe client number {ref} is in the "
                  "books of {first} and {second}. A client number should name one client: "
                  "check with them which of the two it is.").format(
        ref=f"<b>{esc(reminder.text)}</b>", first=books[0], second=books[1]))
