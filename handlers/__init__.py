"""Every handler, registered in one place, in the order Telegram updates should meet them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from core.buttons import pattern
from core.context import Ctx, RapportApp
from handlers import (
    access,
    admin,
    capture,
    cards,
    cardscan,
    catalog,
    churn,
    complaints,
    customer_edit,
    flows,
    followups,
    general,
    groups,
    holdings,
    leads,
    notes,
    onboarding,
    pipeline,
    posts,
    preferences,
    reassign,
    referrals,
    reminders,
    review,
    search,
    spreadsheets,
)
from handlers.errors import report_error
from handlers.menu import COMMANDS

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS


def _command(name: str, callback: object) -> CommandHandler[Ctx, None]:
    return CommandHandler(name, callback, filters=PRIVATE)  # type: ignore[arg-type]


def _button(action: str, callback: object) -> CallbackQueryHandler[Ctx, None]:
    return CallbackQueryHandler(callback, pattern=pattern(action))  # type: ignore[arg-type]


# Negative groups run first, in order, for every update; a gate that raises
# ApplicationHandlerStop ends the update there. Order matters: a redelivered update must be
# dropped before anything is written, the user must be known before buttons are checked, and
# a command must close an unanswered question before the command itself runs.
GATES: list[tuple[int, BaseHandler[Update, Ctx, None]]] = [
    (-4, TypeHandler(Update, access.skip_redelivered)),
    (-3, TypeHandler(Update, access.identify_user)),
    (-2, TypeHandler(Update, access.check_button)),
    (-1, MessageHandler(filters.COMMAND & PRIVATE, flows.forget_question)),
]

# Group 0: the first matching handler wins, so specific handlers come before catch-alls.
FEATURES: list[BaseHandler[Update, Ctx, None]] = [
    _command("start", onboarding.start),
    _command("help", general.show_help),
    _command("cancel", general.cancel),
    _command("settings", preferences.show_settings),
    _command("language", preferences.show_language_choice),
    _command("timezone", preferences.set_timezone),
    _command("invite", admin.start_invite),
    _command("invites", admin.list_invites),
    _command("staff", admin.list_staff),
    _command("teams", admin.list_teams),
    _command("newteam", admin.create_team),
    _command("add", capture.add_customer),
    _command("card", cardscan.card_command),
    _command("find", search.find_command),
    _command("note", notes.note_command),
    _command("remind", followups.remind_command),
    _command("pipeline", pipeline.show_pipeline),
    _command("archived", pipeline.list_archived),
    _command("inbox", notes.show_inbox),
    _command("maturity", holdings.add_maturity),
    _command("products", catalog.show_products),
    _command("pitch", catalog.show_pitch),
    _command("complaint", complaints.complaint_command),
    _command("service", complaints.show_service),
    _command("referrals", referrals.show_referrals),
    _command("review", review.show_review),
    _command("team", review.show_team),
    _command("targets", review.show_or_set_targets),
    _command("reviewtime", review.set_review_time),
    _command("reassign", reassign.start_reassign),
    _command("teamgroup", review.link_team_group),
    _command("volumes", churn.start_volume_import),
    _command("watch", churn.show_watch),
    _command("export", spreadsheets.export_customers),
    _command("import", spreadsheets.start_import),
    _command("post", posts.start_post),
    _command("groups", posts.list_groups),
    _command("today", reminders.show_today),
    _command("week", reminders.show_week),
    _command("overdue", reminders.show_overdue),
    _command("agenda", reminders.set_agenda_time),
    _command("quiet", reminders.set_quiet_hours),
    _button("lang", preferences.choose_language),
    _button("tz", preferences.choose_timezone),
    _button("set", preferences.open_setting),
    _button("inv", admin.pick_invite_team),
    _button("invrev", admin.revoke_invite),
    _button("stfs", admin.list_staff),
    _button("stf", admin.show_member),
    _button("stfr", admin.change_member),
    _button("stft", admin.change_member),
    _button("stfa", admin.change_member),
    _button("mode", preferences.set_text_mode),
    _button("c", cards.open_card),
    _button("ch", cards.show_history),
    _button("cfile", cards.resend_file),
    _button("cn", notes.ask_note),
    _button("cl", notes.ask_note),
    _button("cls", notes.log_without_note),
    _button("cf", followups.ask_when),
    _button("fu", followups.preset),
    _button("fux", followups.correct_time),
    _button("rmw", followups.pick_remind_customer),
    _button("cs", customer_edit.show_stages),
    _button("css", customer_edit.set_stage),
    _button("ce", customer_edit.show_edit_menu),
    _button("cef", customer_edit.pick_field),
    _button("cev", customer_edit.choose_value),
    _button("cec", customer_edit.clear_value),
    _button("ca", customer_edit.archive),
    _button("cr", customer_edit.archive),
    _button("cd", customer_edit.ask_delete),
    _button("cdx", customer_edit.delete),
    _button("dupo", capture.open_duplicate),
    _button("dupn", capture.create_duplicate),
    _button("skip", capture.skip_step),
    _button("scf", cardscan.ask_field),
    _button("scc", cardscan.clear_field),
    _button("scs", cardscan.save_card),
    _button("scx", cardscan.discard_card),
    _button("sci", cardscan.keep_photo),
    _button("pick", notes.file_item),
    _button("picks", notes.search_for_item),
    _button("pickx", notes.discard_item),
    _button("fp", search.turn_page),
    _button("fadd", search.add_from_search),
    _button("fnote", search.note_from_search),
    _button("pl", pipeline.list_stage),
    _button("arch", pipeline.list_archived),
    _button("pg", catalog.show_group),
    _button("pp", catalog.show_product),
    _button("gp", catalog.show_group_pitch),
    _button("ppk", posts.pick_product),
    _button("pgt", posts.toggle_group),
    _button("ppv", posts.preview),
    _button("psn", posts.send_now),
    _button("psc", posts.ask_schedule),
    _button("pcx", posts.cancel_post),
    _button("grp", posts.pick_new_owner),
    _button("gro", posts.reassign_group),
    _button("qa", leads.start_answer),
    _button("svo", complaints.pick_customer),
    _button("svr", complaints.ask_resolution),
    _button("svc", complaints.answer_csat),
    _button("svn", complaints.answer_nps),
    _button("rfp", referrals.link_referrer),
    _button("rfn", referrals.keep_referrer_name),
    _button("rfl", referrals.list_referred),
    _button("tmv", review.turn_review_week),
    _button("tms", reassign.start_reassign),
    _button("tmf", reassign.pick_scope),
    _button("tmp", reassign.pick_customer),
    _button("tmr", reassign.pick_receiver),
    _button("tmt", reassign.confirm_reassign),
    _button("tmx", reassign.reassign_customers),
    _button("tmq", reassign.cancel_reassign),
    _button("cw", churn.show_watch_button),
    _button("ima", spreadsheets.confirm_import),
    _button("imx", spreadsheets.cancel_import),
    _button("rd", reminders.mark_done),
    _button("rs", reminders.snooze),
    # Content before plain text: a forwarded text is something to file, not a search; a
    # file goes to the flow waiting for it, else (an admin's) catalog, else the inbox.
    MessageHandler(filters.CONTACT & PRIVATE, leads.route_contact),
    MessageHandler(PRIVATE & (filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
                              | filters.VIDEO_NOTE | filters.Document.ALL | filters.FORWARDED),
                   flows.route_media),
    MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, flows.route_text),
    # Group chats: only what is meant for everyone there; never customer data.
    CommandHandler("link", groups.link_group, filters=GROUPS),
    CommandHandler("products", groups.show_products_in_group, filters=GROUPS),
    CommandHandler("teamgroup", review.link_team_group, filters=GROUPS),
    ChatMemberHandler(groups.track_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    MessageHandler(filters.StatusUpdate.MIGRATE, groups.follow_migration),
    _button("glang", groups.choose_group_language),
    _button("int", leads.press_interested),
    # Catch-alls last.
    CommandHandler([c.name for c in COMMANDS] + ["start"], groups.redirect_to_private,
                   filters=GROUPS),
    MessageHandler(GROUPS & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND,
                   leads.ask_question),
    MessageHandler(filters.COMMAND & PRIVATE, general.unknown_command),
    CallbackQueryHandler(general.unknown_button),
]


def register(application: RapportApp) -> None:
    """Attach the gates, the features and the error handler to the application."""
    for group, handler in GATES:
        application.add_handler(handler, group=group)
    application.add_handlers(FEATURES, group=0)
    application.add_handler(TypeHandler(Update, access.mark_handled), group=1)
    application.add_error_handler(report_error)
