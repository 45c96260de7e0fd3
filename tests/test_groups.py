"""Merchant group chats through the fake Bot API, for a Vietnamese and a Chinese RM: /link and
the group's language, membership and supergroup migration, /post with the per-group rate
limit, leads from "I'm interested" with phone consent, questions answered from private chat,
reassignment by the team lead, and privacy: nothing about a customer ever reaches a group.

Expected texts are computed with the catalogs (``tr``), so the tests hold whatever wording the
translators choose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import CommandHandler

from core import buttons
from core.context import Ctx
from core.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    active,
    format_datetime,
    format_list,
    label_value,
    ngettext,
)
from core.languages import content_language
from core.messages import esc
from domain.catalog import pick
from domain.customers import STAGES
from handlers import FEATURES, groups
from handlers.catalog import SEGMENT_ICONS
from handlers.followups import examples
from handlers.menu import COMMANDS
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.dispatcher import Dispatcher
from scheduler.group_posts import GroupPoster
from scheduler.housekeeping import leave_unlinked_groups, tidy_up
from storage.catalog import Product
from storage.groups import Group
from tests.harness import Harness, answer_of, of, only_message, shown, tr
from tests.staff import GROUP_ID, as_admin

# -- texts (English sources; compared through the catalogs) -----------------------------------

LINKED = ("This group is now linked to {name}. Members can ask me about our products with "
          "/products. Which language should I use here?")
ONLY_STAFF = "Only the bank's staff can link this group."
ALREADY_LINKED = ("This group is already linked to {name}. A team lead can reassign it with "
                  "/groups in private chat.")
SPEAKS = "From now on I speak {language} in this group."
USE_PRIVATE = ("Please use this command in a private chat with me: I never show customer data "
               "in groups.")
EXPIRED = "This button has expired. Please start again."
GROUP_HELP = ("I am the bank's assistant for {name}, the relationship manager of this group. "
              "Here you can:\n"
              "• send /products to see our products, and tap one to read about it;\n"
              "• ask a question: reply to one of my messages, or mention @{bot} — {name} answers "
              "here;\n"
              "• under an offer, tap “{interested}” to be contacted in private.\n"
              "Nothing personal is ever shown in this group.")
UNLINKED_HELP = ("I am the bank's assistant. A member of the bank's staff can link this group "
                 "with /link; then everyone here can see our products with /products and ask me "
                 "questions.")
ALL_PRODUCTS = "◀ All products"
OUR_PRODUCTS = "<b>Our products</b>. Tap one to read about it."
NO_GROUP = "You have no linked group yet. Add me to a merchant group and send /link there."
POST_PROMPT = "Send the text of your post, or a photo with a caption. (/cancel to stop)"
WHICH_PRODUCT = "Which product is this post about? Interested members become leads for it."
WHICH_GROUPS = "Post to which groups? Tap to select."
PREVIEW = ("This is how it will look ({count} group). Each post gets an “I'm interested” "
           "button in the group's language.",
           "This is how it will look ({count} groups). Each post gets an “I'm interested” "
           "button in the group's language.")
QUEUED = ("Queued for {count} group. Posts go out within Telegram's limits (20 a minute per "
          "group); none is dropped.",
          "Queued for {count} groups. Posts go out within Telegram's limits (20 a minute per "
          "group); none is dropped.")
SCHEDULED = ("Scheduled for {when} in {count} group.", "Scheduled for {when} in {count} groups.")
WHEN = "When should it go out? {examples}"
INTERESTED = "🙋 I'm interested"
LEAD_NOTE = "Interested in {product} (group “{group}”)."
THANKS_FOR_INTEREST = (
    "Thank you for your interest! {name}, your relationship manager at the bank, will "
    "contact you. If you would like a call back, share your phone number with the button "
    "below: by sharing it you agree that the bank keeps it to contact you about this offer.")
SHARE_PHONE = "📞 Share my phone number"
OWN_NUMBER = "Please share your own phone number with the button."
PHONE_NOTE = "Left their phone number {phone} and agreed to be contacted."
CALL_SOON = "Thank you! {name} will call you soon."
INVALID_LINK = "This link is no longer valid."
REFUSAL = ("Sorry, this assistant is only for registered bank staff. If you work with us, "
           "ask your team lead or administrator for an invite link.")
QUESTION_THANKS = "Thank you for your question! {name} will answer here shortly."
TYPE_ANSWER = ("Type your answer to {name}; I will post it in the group as a reply to their "
               "question. (/cancel to stop)")
ANSWER_QUEUED = "Your answer is queued and will appear in the group in a moment."
ANSWER_BUTTON = "💬 Answer in the group"
OPEN_CARD = "Open the card"
LEAD_TITLE = "New lead from a group"
QUESTION_TITLE = "Question in a group"
LINKED_GROUPS = "<b>Linked groups</b>"
WHO_OWNS = "Who should own “{title}”?"
SAVED = "Saved."

BOT_USERNAME = "rapport_bot"
GROUP_IDS = {"group": -4_001, "supergroup": -1_001_000_000_001}
OTHER_GROUP = -1_001_000_000_002
TITLE = "Hội tiểu thương chợ Bến Thành"
OTHER_TITLE = "華埠商戶群"


@dataclass(frozen=True)
class Profile:
    """An RM, how they write a time, and a merchant (not staff) in their group."""

    person: Person
    language: str
    timezone: str
    region: str
    tomorrow_9am: str
    kind: str             # the type of their group chat
    other_language: str   # the language they pick for a second group
    member: Person
    member_language: str
    member_phone: str     # as Telegram sends a shared contact: digits, no "+"
    member_e164: str


VI = Profile(Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi"), "vi",
             "Asia/Ho_Chi_Minh", "VN", "mai 9h", "group", "zh_Hant_HK",
             Person(5001, "Bình", "Trần", language_code="vi"), "vi", "84901234567",
             "+84901234567")
ZH = Profile(Person(2002, "伟", "王", username="wang_rm", language_code="zh-hans"), "zh_Hans",
             "Asia/Shanghai", "CN", "明天上午9点", "supergroup", "vi",
             Person(5002, "美玲", "陈", language_code="zh-hant"), "zh_Hant_TW", "8613800138000",
             "+8613800138000")


@pytest.fixture(params=[VI, ZH], ids=["vi", "zh_Hans"])
async def rm(bot: Harness, request: pytest.FixtureRequest) -> Profile:
    profile: Profile = request.param
    await bot.register(profile.person, language=profile.language)
    await bot.storage.staff.set_timezone(profile.person.id, profile.timezone, profile.region)
    return profile


# -- helpers -----------------------------------------------------------------------------------


def trn(language: str, forms: tuple[str, str], count: int) -> str:
    """A counted text as a user of this language reads it for this count."""
    with active(language, "UTC"):
        return ngettext(*forms, count).format(count=count)


def full_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}" if person.last_name else person.first_name


def assert_expired(calls: list[ApiCall], language: str) -> None:
    answer = answer_of(calls)
    assert answer.params.get("text") == tr(language, EXPIRED)
    assert answer.params.get("show_alert") is True
    assert shown(calls) == []


def payload(data: str) -> list[str]:
    return data.rsplit("|", 1)[0].split(":")


def data_for(call: ApiCall, action: str, *args: str | int) -> str:
    wanted = [str(arg) for arg in args]
    for _label, data in call.buttons:
        parts = payload(data)
        if parts[0] == action and parts[1:1 + len(wanted)] == wanted:
            return data
    raise AssertionError(f"no button {action}:{wanted} in {call.buttons}")


def labels(call: ApiCall) -> list[str]:
    return [label for label, _data in call.buttons]


def markup_of(call: ApiCall) -> dict[str, Any]:
    markup = call.params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else dict(markup)


def reply_target(call: ApiCall) -> int | None:
    params = call.params.get("reply_parameters")
    if isinstance(params, str):
        params = json.loads(params)
    return int(params["message_id"]) if params else None


def dumped(calls: list[ApiCall]) -> str:
    return json.dumps([call.params for call in calls], ensure_ascii=False, default=str)


def group_chat(bot: Harness, profile: Profile, chat_id: int | None = None,
               title: str = TITLE) -> dict[str, Any]:
    kind = profile.kind if chat_id is None else "supergroup"
    return bot.make.group_chat(chat_id or GROUP_IDS[profile.kind], title, kind)


async def link(bot: Harness, profile: Profile, group: dict[str, Any],
               language: str | None = None) -> ApiCall:
    """/link in the group (and pick its language); the bot's answer."""
    message = only_message(await bot.send(profile.person, "/link", group=group))
    if language is not None:
        await bot.press_data(profile.person, data_for(message, "glang", language), message)
    return message


def poster(bot: Harness) -> GroupPoster:
    return GroupPoster(bot.app.bot, bot.storage, bot.clock, "test")


def dispatcher(bot: Harness) -> Dispatcher:
    return Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)


async def products(bot: Harness) -> list[Product]:
    found = await bot.storage.catalog.active_products()
    assert len(found) >= 19
    return found


async def queue(bot: Harness, profile: Profile, chat_id: int, count: int = 1,
                product_id: int | None = None, text: str = "Ưu đãi") -> list[int]:
    now = bot.clock.now()
    return [await bot.storage.posts.create(staff_id=profile.person.id, chat_id=chat_id,
                                           text=f"{text} {n}", due_at=now, now=now,
                                           product_id=product_id) for n in range(count)]


def post_ids(calls: list[ApiCall]) -> list[int]:
    """The post behind each group message, read from its "I'm interested" button."""
    return [int(payload(data)[1]) for call in calls for _label, data in call.buttons
            if payload(data)[0] == "int"]


async def rows(bot: Harness, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await bot.storage.db.fetch_all(sql, params)]


async def compose(bot: Harness, profile: Profile, product: Product | None,
                  chat_ids: list[int], text: str | None = "Ưu đãi cuối năm cho tiểu thương",
                  photo: dict[str, Any] | None = None) -> tuple[ApiCall, ApiCall]:
    """/post → content → product → groups → preview; the group choice (with its preview
    button) and the message with send/schedule."""
    me = profile.person
    assert only_message(await bot.send(me, "/post")).text == tr(profile.language, POST_PROMPT)
    if photo is not None:
        calls = await bot.send_update(bot.make.message(me, photo=[photo], caption=text))
    else:
        assert text is not None
        calls = await bot.send(me, text)
    question = only_message(calls)
    assert question.text == tr(profile.language, WHICH_PRODUCT)
    calls = await bot.press_data(me, data_for(question, "ppk", product.id if product else 0),
                                 question)
    choice = only_message(calls)
    assert choice.text == tr(profile.language, WHICH_GROUPS)
    for chat_id in chat_ids:
        choice = only_message(await bot.press_data(me, data_for(choice, "pgt", chat_id), choice))
    calls = await bot.press_data(me, data_for(choice, "ppv"), choice)
    preview = shown(calls)
    assert len(preview) == 2 and preview[1].text == trn(profile.language, PREVIEW,
                                                               len(chat_ids))
    return choice, preview[1]


# -- /link, the group's language, /products -----------------------------------------------------


@pytest.mark.parametrize("kind", ["group", "supergroup"])
async def test_link_picks_the_language_and_products_follow_it(bot: Harness, rm: Profile,
                                                             kind: str) -> None:
    me, member = rm.person, rm.member
    customer = await bot.storage.customers.create(
        owner_id=me.id, name="Phạm Thị Hồng Nhung", phone="+84912345678", region="VN",
        now=bot.clock.now())
    group = bot.make.group_chat(GROUP_IDS[kind], TITLE, kind)
    before = len(bot.api.calls)
    message = await link(bot, rm, group)
    assert message.chat_id == group["id"]
    assert message.text == tr(rm.language, LINKED).format(name=esc(full_name(me)))
    assert await bot.storage.groups.get(group["id"]) == Group(group["id"], TITLE, me.id,
                                                              rm.language, True)
    assert [payload(data) for _label, data in message.buttons] == [
        ["glang", code] for code in LANGUAGES]
    assert labels(message) == [LANGUAGE_NAMES[code] for code in LANGUAGES]
    for _label, data in message.buttons:  # signed for the RM, nobody else
        assert buttons.unpack(data, me.id) is not None
        assert buttons.unpack(data, member.id) is None
    # Another member pressing them: "expired", in the group's language, and nothing changes.
    calls = await bot.press_data(member, data_for(message, "glang", "zh_Hant_HK"), message,
                                 group=group)
    assert_expired(calls, rm.language)
    linked = await bot.storage.groups.get(group["id"])
    assert linked is not None and linked.language == rm.language
    # The RM picks Hong Kong's Traditional Chinese: from now on the group is answered in it,
    # with the catalog's Traditional texts.
    calls = await bot.press_data(me, data_for(message, "glang", "zh_Hant_HK"), message)
    assert only_message(calls).text == tr("zh_Hant_HK", SPEAKS).format(
        language="繁體中文（香港）")
    linked = await bot.storage.groups.get(group["id"])
    assert linked is not None and linked.language == "zh_Hant_HK"
    catalog = only_message(await bot.send(member, "/products", group=group))
    assert catalog.chat_id == group["id"]
    assert catalog.text.startswith(tr("zh_Hant_HK", OUR_PRODUCTS))
    assert labels(catalog) == [p.names["zh_Hant"] for p in await products(bot)]
    for _label, data in catalog.buttons:  # public: any member may press them
        unpacked = buttons.unpack(data, member.id)
        assert unpacked is not None and unpacked[0] == "gp"
        assert buttons.unpack(data, 424242) == unpacked
    product = (await products(bot))[0]
    calls = await bot.press_data(member, data_for(catalog, "gp", product.id), catalog,
                                 group=group)
    pitch = only_message(calls)
    assert pitch.chat_id == group["id"]
    assert f"<b>{esc(product.names['zh_Hant'])}</b>" in pitch.text
    assert esc(product.pitch["zh_Hant"]["feature"]) in pitch.text
    assert tr("zh_Hant_HK", "Feature") in pitch.text
    assert only_message(await bot.send(me, "/pipeline", group=group)).text == tr(
        "zh_Hant_HK", USE_PRIVATE)
    everything = bot.api.calls[before:]
    assert customer.name not in dumped(everything) and "912345678" not in dumped(everything)


async def test_link_is_refused_to_members_and_to_a_second_rm(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    # In a group no staff member linked, nobody else gets an answer (the bot leaves it soon).
    assert await bot.send(rm.member, "/link", group=group) == []
    assert await bot.storage.groups.get(group["id"]) is None
    await link(bot, rm, group)
    calls = await bot.send(rm.member, "/link", group=group)
    assert only_message(calls).text == tr(rm.language, ONLY_STAFF)
    other = Person(2009, "Quân", "Lê", language_code="en")
    await bot.register(other, language="en")
    calls = await bot.send(other, "/link", group=group)
    assert only_message(calls).text == tr(rm.language, ALREADY_LINKED).format(
        name=esc(full_name(rm.person)))
    linked = await bot.storage.groups.get(group["id"])
    assert linked is not None and linked.owner_id == rm.person.id
    # The owner linking again keeps the group and its language.
    await link(bot, rm, group, language=rm.other_language)
    await link(bot, rm, group)
    linked = await bot.storage.groups.get(group["id"])
    assert linked is not None and linked.language == rm.other_language


# -- membership and migration ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["left", "kicked"])
async def test_removed_bot_deactivates_the_group_and_posts_wait(bot: Harness, rm: Profile,
                                                                status: str) -> None:
    group = group_chat(bot, rm)
    chat_id = group["id"]
    await link(bot, rm, group)
    [post_id] = await queue(bot, rm, chat_id)
    bot.api.clear()
    calls = await bot.send_update(bot.make.my_chat_member(rm.member, status, group=group))
    assert calls == []
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and not linked.active
    assert await poster(bot).drain() == 0
    post = await bot.storage.posts.get(post_id)
    assert post is not None and post.status == "pending"  # left queued, never dropped
    assert bot.api.messages(chat_id) == []
    # The RM can no longer post there.
    assert only_message(await bot.send(rm.person, "/post")).text == tr(rm.language, NO_GROUP)
    # Added back: active again, and the queued post goes out.
    await bot.send_update(bot.make.my_chat_member(rm.member, "member", group=group,
                                                  old_status=status))
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and linked.active and linked.owner_id == rm.person.id
    assert await poster(bot).drain() == 1
    assert post_ids(bot.api.messages(chat_id)) == [post_id]


async def test_an_unlinked_group_removing_the_bot_changes_nothing(bot: Harness,
                                                                 rm: Profile) -> None:
    group = group_chat(bot, rm)
    assert await bot.send_update(bot.make.my_chat_member(rm.member, "left", group=group)) == []
    assert await bot.storage.groups.get(group["id"]) is None


async def test_a_group_no_staff_member_links_is_left_after_the_set_minutes(
        bot: Harness, rm: Profile) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    own = bot.make.group_chat(-100777, "Mallory's friends", "supergroup")
    linked = group_chat(bot, rm)
    settings = bot.app.bot_data.settings
    assert settings is not None and settings.unlinked_group_minutes == 10
    after = timedelta(minutes=settings.unlinked_group_minutes)
    await bot.send_update(bot.make.my_chat_member(stranger, "member", group=own))
    await bot.send_update(bot.make.my_chat_member(rm.member, "member", group=linked))
    # A stranger's flood in their own group gets no answer at all.
    for _time in range(5):
        assert await bot.send(stranger, "/help", group=own) == []
        assert await bot.send(stranger, "@rapport_bot hello?", group=own) == []
    bot.clock.advance(minutes=9)
    await link(bot, rm, linked)
    assert await leave_unlinked_groups(bot.app.bot, bot.storage, bot.clock.now(), after) == []
    bot.clock.advance(minutes=2)
    bot.api.clear()
    assert await leave_unlinked_groups(bot.app.bot, bot.storage, bot.clock.now(),
                                       after) == [own["id"]]
    assert [call.params["chat_id"] for call in bot.api.of("leaveChat")] == [own["id"]]
    # Once: the linked group stays, the group left is forgotten.
    bot.clock.advance(hours=1)
    assert await leave_unlinked_groups(bot.app.bot, bot.storage, bot.clock.now(), after) == []


async def test_blocking_in_private_marks_staff_unreachable(bot: Harness, rm: Profile) -> None:
    me = rm.person
    assert await bot.send_update(bot.make.my_chat_member(me, "kicked")) == []
    staff = await bot.storage.staff.get(me.id)
    assert staff is not None and not staff.reachable
    await bot.send_update(bot.make.my_chat_member(me, "member", old_status="kicked"))
    staff = await bot.storage.staff.get(me.id)
    assert staff is not None and staff.reachable
    # A stranger blocking the bot: no refusal, no row.
    assert await bot.send_update(bot.make.my_chat_member(rm.member, "kicked")) == []
    assert await bot.storage.staff.get(rm.member.id) is None


@pytest.mark.parametrize("first", ["old", "new"])
async def test_migration_moves_the_link_posts_and_questions(bot: Harness, rm: Profile,
                                                            first: str) -> None:
    old_id, new_id = GROUP_IDS["group"], GROUP_IDS["supergroup"]
    old = bot.make.group_chat(old_id, TITLE, "group")
    await link(bot, rm, old, language=rm.other_language)
    [post_id] = await queue(bot, rm, old_id)
    await bot.send(rm.member, f"@{BOT_USERNAME} lãi suất?", group=old)
    second = "new" if first == "old" else "old"
    for side in (first, second):
        update = bot.make.migration(rm.person, old_id, new_id, side=side)
        assert await bot.send_update(update) == []
    assert await bot.storage.groups.get(old_id) is None
    assert await bot.storage.groups.get(new_id) == Group(new_id, TITLE, rm.person.id,
                                                         rm.other_language, True)
    post = await bot.storage.posts.get(post_id)
    assert post is not None and post.chat_id == new_id
    [question] = await rows(bot, "SELECT chat_id FROM questions")
    assert question["chat_id"] == new_id
    assert await poster(bot).drain() == 1
    assert post_ids(bot.api.messages(new_id)) == [post_id]
    assert post_ids(bot.api.messages(old_id)) == []
    # The RM's groups now list the supergroup.
    await bot.send(rm.person, "/post")
    question_call = only_message(await bot.send(rm.person, "Ưu đãi"))
    choice = only_message(await bot.press_data(rm.person, data_for(question_call, "ppk", 0),
                                               question_call))
    assert [payload(data) for _label, data in choice.buttons] == [["pgt", str(new_id)]]


async def test_a_send_refused_as_migrated_follows_the_group(bot: Harness, rm: Profile) -> None:
    """Telegram answers "upgraded to a supergroup" before the service message arrives."""
    old_id, new_id = GROUP_IDS["group"], GROUP_IDS["supergroup"]
    await link(bot, rm, bot.make.group_chat(old_id, TITLE, "group"))
    [post_id] = await queue(bot, rm, old_id)
    bot.api.fail_next("sendMessage", 400, migrate_to_chat_id=new_id)
    assert await poster(bot).drain() == 0
    linked = await bot.storage.groups.get(new_id)
    assert linked is not None and linked.active and linked.owner_id == rm.person.id
    assert await poster(bot).drain() == 1
    assert post_ids(bot.api.messages(new_id)) == [post_id]
    post = await bot.storage.posts.get(post_id)
    assert post is not None and (post.status, post.chat_id) == ("sent", new_id)
    # The late service message changes nothing.
    await bot.send_update(bot.make.migration(rm.person, old_id, new_id, side="old"))
    assert await bot.storage.groups.get(new_id) == linked


# -- /post -----------------------------------------------------------------------------------------


async def test_post_goes_to_each_group_in_its_language_once(bot: Harness, rm: Profile) -> None:
    me = rm.person
    first = group_chat(bot, rm)
    second = group_chat(bot, rm, OTHER_GROUP, OTHER_TITLE)
    await link(bot, rm, first)
    await link(bot, rm, second, language=rm.other_language)
    product = (await products(bot))[3]
    choice, actions = await compose(bot, rm, product, [first["id"], second["id"]])
    preview = shown(bot.api.calls)[-2]
    assert preview.chat_id == me.id
    assert esc(product.names[rm.language]) in preview.text
    calls = await bot.press_data(me, data_for(actions, "psn"), actions)
    assert only_message(calls).text == trn(rm.language, QUEUED, 2)
    queued = await rows(bot, "SELECT id, chat_id, product_id, text, status FROM posts"
                             " ORDER BY chat_id")
    assert {(r["chat_id"], r["product_id"], r["status"]) for r in queued} == {
        (first["id"], product.id, "pending"), (second["id"], product.id, "pending")}
    # Pressing "send now" again (already handled), or the old preview (expired): nothing
    # more queued.
    again = answer_of(await bot.press_data(me, data_for(actions, "psn"), actions))
    assert again.params.get("text") == tr(rm.language, "Already handled.")
    assert_expired(await bot.press_data(me, data_for(choice, "ppv"), choice), rm.language)
    assert len(await rows(bot, "SELECT id FROM posts")) == 2
    bot.api.clear()
    assert await poster(bot).drain() == 2
    for group, language in ((first, rm.language), (second, rm.other_language)):
        [sent] = bot.api.messages(group["id"])
        assert sent.method == "sendMessage"
        assert "Ưu đãi cuối năm cho tiểu thương" in sent.text
        assert f"<b>{esc(product.names[content_language(language)])}</b>" in sent.text
        [(label, data)] = sent.buttons
        assert label == tr(language, INTERESTED)
        unpacked = buttons.unpack(data, rm.member.id)
        post_id = next(r["id"] for r in queued if r["chat_id"] == group["id"])
        assert unpacked == ["int", str(post_id)] and buttons.unpack(data, 1) == unpacked
    assert await poster(bot).drain() == 0
    assert len(bot.api.messages(first["id"]) + bot.api.messages(second["id"])) == 2


async def test_photo_post_goes_out_as_a_photo(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    product = (await products(bot))[0]
    photo = {"file_id": "photo-offer", "file_unique_id": "u-offer", "width": 800,
             "height": 600}
    _choice, actions = await compose(bot, rm, product, [group["id"]], text="Lãi suất 6 tháng",
                            photo=photo)
    assert shown(bot.api.calls)[-2].method == "sendPhoto"  # the preview
    await bot.press_data(rm.person, data_for(actions, "psn"), actions)
    bot.api.clear()
    assert await poster(bot).drain() == 1
    [sent] = bot.api.messages(group["id"])
    assert sent.method == "sendPhoto"
    assert sent.params["photo"] == "photo-offer"
    assert "Lãi suất 6 tháng" in sent.text
    assert esc(product.names[rm.language]) in sent.text
    assert labels(sent) == [tr(rm.language, INTERESTED)]


async def test_scheduled_post_waits_for_its_time(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    choice, actions = await compose(bot, rm, None, [group["id"]])
    calls = await bot.press_data(rm.person, data_for(actions, "psc"), actions)
    with active(rm.language, rm.timezone):
        assert only_message(calls).text == _(WHEN).format(examples=examples())
    due = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(rm.timezone))
    calls = await bot.send(rm.person, rm.tomorrow_9am)
    with active(rm.language, rm.timezone):
        expected = ngettext(*SCHEDULED, 1).format(when=f"<b>{format_datetime(due)}</b>", count=1)
    assert only_message(calls).text == expected
    [post] = await rows(bot, "SELECT id, product_id FROM posts")
    stored = await bot.storage.posts.get(post["id"])
    assert stored is not None and stored.due_at == due and post["product_id"] is None
    assert await poster(bot).drain() == 0
    bot.clock.set(due - timedelta(minutes=1))
    assert await poster(bot).drain() == 0
    assert post_ids(bot.api.messages(group["id"])) == []
    bot.clock.set(due)
    assert await poster(bot).drain() == 1
    assert await poster(bot).drain() == 0
    assert post_ids(bot.api.messages(group["id"])) == [post["id"]]
    # The preview's buttons are spent once the post is scheduled.
    for button_of, action in ((actions, "psn"), (choice, "ppv")):
        assert_expired(await bot.press_data(rm.person, data_for(button_of, action), button_of),
                       rm.language)


async def test_only_the_rms_active_groups_can_be_chosen(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    other = Person(2009, "Quân", "Lê", language_code="vi")
    await bot.register(other, language="vi")
    foreign = bot.make.group_chat(OTHER_GROUP, OTHER_TITLE, "supergroup")
    await bot.send(other, "/link", group=foreign)
    await bot.send(rm.person, "/post")
    question = only_message(await bot.send(rm.person, "Ưu đãi"))
    choice = only_message(await bot.press_data(rm.person, data_for(question, "ppk", 0),
                                               question))
    assert [payload(data)[1] for _label, data in choice.buttons] == [str(group["id"])]
    forged = buttons.pack("pgt", OTHER_GROUP, owner=rm.person.id)
    assert_expired(await bot.press_data(rm.person, forged, choice), rm.language)


# -- the per-group rate limit ----------------------------------------------------------------------


async def test_fifty_posts_go_out_twenty_a_minute(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    chat_id = group["id"]
    await link(bot, rm, group)
    queued = await queue(bot, rm, chat_id, 50)
    start = bot.clock.now()
    sent_at: list[tuple[datetime, int]] = []
    per_drain = []
    for seconds in (0, 30, 59, 60, 90, 119, 120, 180):
        bot.clock.set(start + timedelta(seconds=seconds))
        count = await poster(bot).drain()
        per_drain.append(count)
        sent_at.append((bot.clock.now(), count))
    assert per_drain == [20, 0, 0, 20, 0, 0, 10, 0]
    for moment, _count in sent_at:  # no rolling minute holds more than 20
        assert sum(n for at, n in sent_at if moment - timedelta(minutes=1) < at <= moment) <= 20
    ids = post_ids(bot.api.messages(chat_id))
    assert sorted(ids) == sorted(queued)  # all 50, none twice
    assert ids == queued  # in the order they were queued
    assert await bot.storage.posts.counts(chat_id) == {"sent": 50}


async def test_the_minute_is_rolling(bot: Harness, rm: Profile) -> None:
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    start = bot.clock.now()
    await queue(bot, rm, group["id"], 5)
    assert await poster(bot).drain() == 5
    bot.clock.set(start + timedelta(seconds=30))
    await queue(bot, rm, group["id"], 45)
    assert await poster(bot).drain() == 15
    expected = {59: 0, 60: 5, 89: 0, 90: 15, 120: 5, 150: 5, 180: 0}
    for seconds, count in expected.items():
        bot.clock.set(start + timedelta(seconds=seconds))
        assert await poster(bot).drain() == count, seconds
    assert await bot.storage.posts.counts(group["id"]) == {"sent": 50}


async def test_each_group_has_its_own_twenty(bot: Harness, rm: Profile) -> None:
    first = group_chat(bot, rm)
    second = group_chat(bot, rm, OTHER_GROUP, OTHER_TITLE)
    third = group_chat(bot, rm, OTHER_GROUP - 1, "Chợ Lớn")
    for group in (first, second, third):
        await link(bot, rm, group)
    # A long backlog in one group queued first must not hold back the others.
    await queue(bot, rm, first["id"], 120)
    await queue(bot, rm, second["id"], 50)
    await queue(bot, rm, third["id"], 3)
    bot.api.clear()
    assert await poster(bot).drain() == 43
    counts = {g["id"]: len(bot.api.messages(g["id"])) for g in (first, second, third)}
    assert counts == {first["id"]: 20, second["id"]: 20, third["id"]: 3}
    bot.clock.advance(seconds=60)
    assert await poster(bot).drain() == 40
    total = {g["id"]: await bot.storage.posts.counts(g["id"]) for g in (first, second)}
    assert total == {first["id"]: {"sent": 40, "pending": 80},
                     second["id"]: {"sent": 40, "pending": 10}}


# -- leads ----------------------------------------------------------------------------------------


async def _post_in_group(bot: Harness, rm: Profile, group: dict[str, Any],
                         product: Product) -> ApiCall:
    await queue(bot, rm, group["id"], product_id=product.id)
    assert await poster(bot).drain() == 1
    return bot.api.messages(group["id"])[-1]


async def test_interest_keeps_nothing_about_the_member_until_they_consent(
        bot: Harness, rm: Profile) -> None:
    me, member = rm.person, rm.member
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    catalog = await products(bot)
    first, second = catalog[1], catalog[5]
    post = await _post_in_group(bot, rm, group, first)
    data = data_for(post, "int")
    calls = await bot.press_data(member, data, post, group=group)
    assert shown(calls) == []  # nothing is said in the group
    [lead] = await rows(bot, "SELECT * FROM leads")
    url = f"https://t.me/{BOT_USERNAME}?start=lead_{lead['token']}"
    assert answer_of(calls).params.get("url") == url
    assert lead["user_id"] == member.id and lead["owner_id"] == me.id
    # Before any consent: no prospect, no note, no notice; their name is nowhere.
    assert lead["customer_id"] is None and lead["phone"] is None
    assert await rows(bot, "SELECT id FROM customers") == []
    assert await rows(bot, "SELECT id FROM interactions") == []
    assert await rows(bot, "SELECT id FROM reminders") == []
    for table in ("leads", "audit_log", "customers", "reminders", "chat_states"):
        everything = json.dumps(await rows(bot, f"SELECT * FROM {table}"), ensure_ascii=False)
        assert member.first_name not in everything, table
    assert await dispatcher(bot).drain() == 0
    # Pressing again: the same link, nothing new.
    calls = await bot.press_data(member, data, post, group=group)
    assert answer_of(calls).params.get("url") == url and shown(calls) == []
    assert len(await rows(bot, "SELECT id FROM leads")) == 1
    # A second post: a second lead, still nothing about the member.
    post2 = await _post_in_group(bot, rm, group, second)
    calls = await bot.press_data(member, data_for(post2, "int"), post2, group=group)
    leads = await rows(bot, "SELECT id, token, customer_id FROM leads ORDER BY id")
    assert len(leads) == 2 and {row["customer_id"] for row in leads} == {None}
    assert answer_of(calls).params.get("url") == (
        f"https://t.me/{BOT_USERNAME}?start=lead_{leads[1]['token']}")
    assert await rows(bot, "SELECT id FROM customers") == []

    # The member opens the private chat from the link.
    calls = await bot.send(member, f"/start lead_{leads[1]['token']}")
    thanks = only_message(calls)
    assert thanks.chat_id == member.id
    assert thanks.text == tr(rm.member_language, THANKS_FOR_INTEREST).format(
        name=esc(full_name(me)))
    keyboard = markup_of(thanks)["keyboard"]
    assert keyboard == [[{"text": tr(rm.member_language, SHARE_PHONE), "request_contact": True}]]
    # Someone else's number (another Telegram user's, or one from the address book): refused.
    for other in (4242, None):
        update = bot.make.contact(member, "84987654321", "Hoa", user_id=other)
        calls = await bot.send_update(update)
        assert only_message(calls).text == tr(rm.member_language, OWN_NUMBER)
    assert await rows(bot, "SELECT id FROM customers") == []
    # Their own number: their consent. Now the RM gets one prospect, in E.164, with a note per
    # offer they were waiting on and the consent, and is told.
    calls = await bot.send_update(bot.make.contact(member, rm.member_phone, member.first_name,
                                                   user_id=member.id))
    done = only_message(calls)
    assert done.text == tr(rm.member_language, CALL_SOON).format(name=esc(full_name(me)))
    assert markup_of(done) == {"remove_keyboard": True}
    [prospect] = await rows(bot, "SELECT id, name, phone, source, telegram_id, owner_id"
                                 " FROM customers")
    assert prospect == {"id": prospect["id"], "name": full_name(member), "phone": rm.member_e164,
                        "source": "merchant_group", "telegram_id": member.id, "owner_id": me.id}
    consent = await rows(bot, "SELECT phone, consent_at, customer_id FROM leads ORDER BY id")
    assert all(row["phone"] == rm.member_e164 and row["consent_at"] is not None
               and row["customer_id"] == prospect["id"] for row in consent)
    history, _total = await bot.storage.interactions.history(me.id, prospect["id"], offset=0,
                                                            limit=10)
    with active(rm.language, rm.timezone):
        notes = [_(LEAD_NOTE).format(product=product.names[rm.language], group=TITLE)
                 for product in (first, second)]
    assert sorted(i.text for i in history[1:]) == sorted(notes)
    assert rm.member_e164[-6:] in history[0].text.replace(" ", "")
    assert await dispatcher(bot).drain() == 1
    notice = bot.last_for(me)
    assert tr(rm.language, LEAD_TITLE) in notice.text
    assert all(esc(note) in notice.text for note in notes)
    assert data_for(notice, "c", prospect["id"]) in [d for _l, d in notice.buttons]
    assert tr(rm.language, OPEN_CARD) in labels(notice)
    assert [r["action"] for r in await rows(bot, "SELECT action FROM audit_log WHERE"
                                                 " action = 'lead.consent'")] == ["lead.consent"]
    # Pressing once more after consenting: nothing new for the RM.
    await bot.press_data(member, data, post, group=group)
    assert len(await rows(bot, "SELECT id FROM customers")) == 1
    assert await dispatcher(bot).drain() == 0


async def test_interest_never_confirmed_and_questions_are_kept_for_the_retention_period(
        bot: Harness, rm: Profile) -> None:
    me, member = rm.person, rm.member
    group = group_chat(bot, rm)
    bots_message = await link(bot, rm, group)
    post = await _post_in_group(bot, rm, group, (await products(bot))[0])
    await bot.press_data(member, data_for(post, "int"), post, group=group)
    question = "Lãi suất vay mua nhà bao nhiêu ạ?"
    await bot.send_update(bot.make.message(member, question, group=group,
                                           reply_to=bots_message.result))
    assert await dispatcher(bot).drain() == 1
    assert question in bot.last_for(me).text
    assert bot.app.bot_data.services is not None
    days = bot.app.bot_data.services.settings.group_retention_days
    assert days == 90
    bot.clock.advance(days=days - 1)
    await tidy_up(Ctx(bot.app))
    assert len(await rows(bot, "SELECT id FROM leads")) == 1
    assert len(await rows(bot, "SELECT id FROM questions")) == 1
    bot.clock.advance(days=1, seconds=1)
    await tidy_up(Ctx(bot.app))
    assert await rows(bot, "SELECT id FROM leads") == []
    assert await rows(bot, "SELECT id FROM questions") == []
    everything = json.dumps(await rows(bot, "SELECT * FROM reminders"), ensure_ascii=False)
    assert question not in everything and member.first_name not in everything
    # Their link is gone with it.
    calls = await bot.send(member, "/start lead_whatever")
    assert only_message(calls).text == tr(rm.member_language, INVALID_LINK)


async def test_lead_links_and_contacts_from_strangers(bot: Harness, rm: Profile) -> None:
    member = rm.member
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    post = await _post_in_group(bot, rm, group, (await products(bot))[0])
    # Before pressing anything: a contact gets the standard refusal, a made-up token "invalid".
    calls = await bot.send_update(bot.make.contact(member, rm.member_phone, member.first_name,
                                                   user_id=member.id))
    assert only_message(calls).text == tr(rm.member_language, REFUSAL)
    calls = await bot.send(member, "/start lead_forged-token-123")
    assert only_message(calls).text == tr(rm.member_language, INVALID_LINK)
    await bot.press_data(member, data_for(post, "int"), post, group=group)
    [lead] = await rows(bot, "SELECT token FROM leads")
    # Someone else using the member's link: not valid for them.
    intruder = Person(5999, "Mallory", language_code="en")
    calls = await bot.send(intruder, f"/start lead_{lead['token']}")
    assert only_message(calls).text == tr("en", INVALID_LINK)
    calls = await bot.send_update(bot.make.contact(intruder, "84911111111", "Mallory",
                                                   user_id=intruder.id))
    assert only_message(calls).text == tr("en", REFUSAL)
    [row] = await rows(bot, "SELECT phone, consent_at FROM leads")
    assert row == {"phone": None, "consent_at": None}


async def test_forged_interest_buttons_are_refused(bot: Harness, rm: Profile) -> None:
    member = rm.member
    group = group_chat(bot, rm)
    other = group_chat(bot, rm, OTHER_GROUP, OTHER_TITLE)
    await link(bot, rm, group)
    await link(bot, rm, other, language=rm.other_language)
    post = await _post_in_group(bot, rm, group, (await products(bot))[0])
    post_id = post_ids([post])[0]
    other_post = await _post_in_group(bot, rm, other, (await products(bot))[1])
    other_id = post_ids([other_post])[0]
    # A bad signature.
    calls = await bot.press_data(member, f"int:{post_id}|AAAAAAAA", post, group=group)
    assert_expired(calls, rm.language)
    # A genuine button of another group's post, pressed here.
    genuine = buttons.pack("int", other_id, public=True)
    assert genuine == data_for(other_post, "int")
    calls = await bot.press_data(member, genuine, post, group=group)
    assert_expired(calls, rm.language)
    # A post that does not exist.
    calls = await bot.press_data(member, buttons.pack("int", 99999, public=True), post,
                                 group=group)
    assert_expired(calls, rm.language)
    assert await rows(bot, "SELECT id FROM leads") == []
    assert await rows(bot, "SELECT id FROM customers") == []
    assert await rows(bot, "SELECT id FROM reminders") == []


# -- questions ------------------------------------------------------------------------------------


async def test_questions_reach_the_owner_and_the_answer_the_group(bot: Harness,
                                                                 rm: Profile) -> None:
    me, member = rm.person, rm.member
    group = group_chat(bot, rm)
    bots_message = await link(bot, rm, group)
    question_text = "Lãi suất vay mua nhà bao nhiêu ạ?"
    update = bot.make.message(member, question_text, group=group, reply_to=bots_message.result)
    asked_in = update.message.message_id  # type: ignore[union-attr]
    calls = await bot.send_update(update)
    thanks = only_message(calls)
    assert thanks.chat_id == group["id"] and reply_target(thanks) == asked_in
    assert thanks.text == tr(rm.language, QUESTION_THANKS).format(name=esc(full_name(me)))
    [question] = await rows(bot, "SELECT id, chat_id, message_id, user_name, text, owner_id"
                                 " FROM questions")
    assert question == {"id": question["id"], "chat_id": group["id"], "message_id": asked_in,
                        "user_name": full_name(member), "text": question_text,
                        "owner_id": me.id}
    [reminder] = await rows(bot, "SELECT kind, ref_id, staff_id, urgent FROM reminders")
    # A normal notice: it waits for the end of the RM's quiet hours.
    assert reminder == {"kind": "question", "ref_id": question["id"], "staff_id": me.id,
                        "urgent": 0}
    assert await dispatcher(bot).drain() == 1
    notice = bot.last_for(me)
    assert tr(rm.language, QUESTION_TITLE) in notice.text and question_text in notice.text
    assert tr(rm.language, ANSWER_BUTTON) in labels(notice)
    calls = await bot.press_data(me, data_for(notice, "qa", question["id"]), notice)
    assert only_message(calls).text == tr(rm.language, TYPE_ANSWER).format(
        name=esc(full_name(member)))
    answer = "Hiện 6,5%/năm < 7% & miễn phí hồ sơ"
    assert only_message(await bot.send(me, answer)).text == tr(rm.language, ANSWER_QUEUED)
    [post] = await rows(bot, "SELECT chat_id, reply_to, status FROM posts")
    assert post == {"chat_id": group["id"], "reply_to": asked_in, "status": "pending"}
    assert await poster(bot).drain() == 1
    sent = bot.api.messages(group["id"])[-1]
    assert sent.method == "sendMessage" and sent.text == esc(answer)
    assert reply_target(sent) == asked_in and sent.buttons == []
    reply_params = sent.params["reply_parameters"]
    if isinstance(reply_params, str):
        reply_params = json.loads(reply_params)
    assert reply_params.get("allow_sending_without_reply") is True
    [answered] = await rows(bot, "SELECT answered_at FROM questions")
    assert answered["answered_at"] is not None


async def test_what_counts_as_a_question(bot: Harness, rm: Profile) -> None:
    member = rm.member
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    unlinked = bot.make.group_chat(OTHER_GROUP, OTHER_TITLE, "supergroup")
    neighbour = bot.make.message(rm.person, "Chào cả nhà", group=group).message
    assert neighbour is not None
    others_message = neighbour.to_dict()
    # Not addressed to the bot: nothing at all.
    assert await bot.send(member, "Chào mọi người, hôm nay chợ đông quá", group=group) == []
    assert await bot.send(member, "Đúng rồi", group=group, reply_to=others_message) == []
    # An unlinked group: nothing, even when addressed to the bot.
    assert await bot.send(member, f"@{BOT_USERNAME} có ai không?", group=unlinked) == []
    assert await rows(bot, "SELECT id FROM questions") == []
    # Mentioning the bot, alone or in a reply to someone else: a question.
    calls = await bot.send(member, f"@{BOT_USERNAME} thẻ tín dụng phí bao nhiêu?", group=group)
    assert only_message(calls).chat_id == group["id"]
    # The same member again before an answer: kept, folded into the first (no second push,
    # no second thank-you in the group).
    calls = await bot.send(member, f"Mình cũng hỏi @{BOT_USERNAME.upper()}", group=group,
                           reply_to=others_message)
    assert calls == []
    assert len(await rows(bot, "SELECT id FROM reminders WHERE kind = 'question'")) == 1
    texts = [row["text"] for row in await rows(bot, "SELECT text FROM questions ORDER BY id")]
    assert texts == [f"@{BOT_USERNAME} thẻ tín dụng phí bao nhiêu?",
                     f"Mình cũng hỏi @{BOT_USERNAME.upper()}"]
    # A removed group asks no more.
    await bot.send_update(bot.make.my_chat_member(member, "left", group=group))
    assert await bot.send(member, f"@{BOT_USERNAME} còn đó không?", group=group) == []


# -- privacy ---------------------------------------------------------------------------------------

SECRET_NAMES = ("Phạm Thị Hồng Nhung", "欧阳娜娜")
SECRET_PHONES = ("+84912345678", "0912 345 678", "912345678", "13912345678")
SECRET_NOTES = ("vay 5 tỷ mua nhà Thảo Điền", "想办理500万经营贷")
SECRET_REMINDER = "gọi lại chốt khoản vay Thảo Điền"


async def _rm_with_customers(bot: Harness, rm: Profile) -> None:
    me, now = rm.person, bot.clock.now()
    for name, phone, note, region in zip(SECRET_NAMES, ("+84912345678", "+8613912345678"),
                                         SECRET_NOTES, ("VN", "CN"), strict=True):
        customer = await bot.storage.customers.create(owner_id=me.id, name=name, phone=phone,
                                                      region=region, now=now)
        await bot.storage.customers.set_stage(me.id, customer.id, "consult", None, now)
        await bot.storage.interactions.add(customer_id=customer.id, staff_id=me.id,
                                           kind="note", happened_at=now, now=now, text=note)
        await bot.storage.reminders.create(staff_id=me.id, customer_id=customer.id,
                                           kind="followup", text=SECRET_REMINDER,
                                           due_at=now - timedelta(hours=1), now=now)


def _assert_nothing_private(calls: list[ApiCall], rm: Profile, *, stages: bool = True) -> None:
    text = dumped(calls)
    secrets = [*SECRET_NAMES, *SECRET_PHONES, *SECRET_NOTES, SECRET_REMINDER]
    if stages:
        secrets += [tr(rm.language, STAGES["consult"]), "consult"]
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, leaked


async def _catalog_text(bot: Harness, language: str) -> str:
    catalog = bot.storage.catalog
    with active(language, "UTC"):
        lines = [_(OUR_PRODUCTS)]
    for group in await catalog.groups():
        names = [pick(p.names, language) for p in await catalog.products_in(group.id)]
        with active(language, "UTC"):  # the language's own colon and list separator
            lines.append(label_value(
                f"{SEGMENT_ICONS[group.segment]} <b>{esc(pick(group.names, language))}</b>",
                esc(format_list(names, style="plain"))))
    return "\n".join(lines)


def _group_feature(bot: Harness, rm: Profile, command: str) -> bool:
    """Whether a command is one of the group features rather than a personal command that
    is redirected to private chat (the first matching handler wins, as in the app)."""
    update = bot.make.message(rm.person, f"/{command}", group=group_chat(bot, rm))
    for handler in FEATURES:
        if isinstance(handler, CommandHandler) and handler.check_update(update):
            return handler.callback is not groups.redirect_to_private
    return False


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
async def test_every_command_in_a_group_shows_no_customer_data(bot: Harness, rm: Profile,
                                                               command: str) -> None:
    await _rm_with_customers(bot, rm)
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    for text in (f"/{command}", f"/{command}@{BOT_USERNAME} {SECRET_NAMES[0]} 0912345678"):
        calls = await bot.send(rm.person, text, group=group)
        message = only_message(calls)
        assert message.chat_id == group["id"]
        assert all(call.chat_id in (None, group["id"]) for call in calls)
        assert of(calls, "setMyCommands") == []
        if command == "products":
            assert message.text == await _catalog_text(bot, rm.language)
            assert {payload(data)[0] for _label, data in message.buttons} == {"gp"}
            _assert_nothing_private(calls, rm, stages=False)
        elif _group_feature(bot, rm, command):
            # A command made for groups (not a personal one): it may answer, never with data.
            _assert_nothing_private(calls, rm)
        else:
            assert message.text == tr(rm.language, USE_PRIVATE)
            assert message.buttons == []
            _assert_nothing_private(calls, rm)
    # Nothing was started in private either: the next private text is an ordinary search.
    assert await bot.storage.states.get(rm.person.id, rm.person.id) is None


@pytest.mark.parametrize("text", ["/start", f"/start@{BOT_USERNAME}", "/start lead_abc",
                                  "/link@other_bot", "/unknown", f"/unknown@{BOT_USERNAME}",
                                  "/help@other_bot"])
async def test_start_and_unknown_commands_in_a_group(bot: Harness, rm: Profile,
                                                     text: str) -> None:
    await _rm_with_customers(bot, rm)
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    for person in (rm.person, rm.member):
        calls = await bot.send(person, text, group=group)
        _assert_nothing_private(calls, rm)
        if text.startswith("/start"):
            assert only_message(calls).text == tr(rm.language, GROUP_HELP).format(
                name=esc(full_name(rm.person)), bot=BOT_USERNAME,
                interested=tr(rm.language, INTERESTED))
        else:  # another bot's command, or none of ours: silence
            assert calls == []


# -- /groups and reassignment ----------------------------------------------------------------------


async def test_team_lead_reassigns_a_group(bot: Harness, rm: Profile) -> None:
    now = bot.clock.now()
    team = await bot.storage.teams.create("Bến Thành", now)
    elsewhere = await bot.storage.teams.create("Chợ Lớn", now)
    assert team is not None and elsewhere is not None
    await bot.storage.staff.set_team(rm.person.id, team.id)
    lead = Person(3001, "Minh", "Hoàng", language_code="vi")
    colleague = Person(2010, "Quân", "Lê", language_code="zh-hans")
    outsider = Person(2011, "Tú", "Đỗ", language_code="vi")
    await bot.register(lead, role="lead", team_id=team.id, language=rm.language)
    await bot.register(colleague, team_id=team.id, language="zh_Hans")
    await bot.register(outsider, team_id=elsewhere.id, language="vi")
    group = group_chat(bot, rm)
    chat_id = group["id"]
    await link(bot, rm, group)
    # An RM who is not a lead: their groups, no reassign buttons; a forged one is refused.
    listing = only_message(await bot.send(rm.person, "/groups"))
    assert listing.text == "\n".join([tr(rm.language, LINKED_GROUPS),
                                      f"• {esc(TITLE)} — {esc(full_name(rm.person))}"])
    assert listing.buttons == []
    forged = buttons.pack("grp", chat_id, owner=rm.person.id)
    assert_expired(await bot.press_data(rm.person, forged, listing), rm.language)
    forged = buttons.pack("gro", chat_id, colleague.id, owner=rm.person.id)
    assert_expired(await bot.press_data(rm.person, forged, listing), rm.language)
    # The lead sees the team's groups and reassigns this one.
    listing = only_message(await bot.send(lead, "/groups"))
    assert f"• {esc(TITLE)} — {esc(full_name(rm.person))}" in listing.text
    calls = await bot.press_data(lead, data_for(listing, "grp", chat_id), listing)
    choice = only_message(calls)
    assert choice.text == tr(rm.language, WHO_OWNS).format(title=esc(TITLE))
    offered = {payload(data)[2] for _label, data in choice.buttons}
    assert offered == {str(lead.id), str(colleague.id)}
    # A forged choice of an RM outside the team: expired, owner unchanged.
    forged = buttons.pack("gro", chat_id, outsider.id, owner=lead.id)
    assert_expired(await bot.press_data(lead, forged, choice), rm.language)
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and linked.owner_id == rm.person.id
    calls = await bot.press_data(lead, data_for(choice, "gro", chat_id, colleague.id), choice)
    assert answer_of(calls).params.get("text") == tr(rm.language, SAVED)
    assert f"• {esc(TITLE)} — {esc(full_name(colleague))}" in only_message(calls).text
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and linked.owner_id == colleague.id
    # The former owner no longer has it; the new owner's leads and questions follow.
    assert only_message(await bot.send(rm.person, "/groups")).text == tr(rm.language, NO_GROUP)
    await bot.send(rm.member, f"@{BOT_USERNAME} cho hỏi", group=group)
    [question] = await rows(bot, "SELECT owner_id FROM questions")
    assert question["owner_id"] == colleague.id


async def test_one_shared_phone_answers_every_waiting_lead_of_the_same_rm(bot: Harness) -> None:
    storage, now = bot.storage, bot.clock.now()
    await bot.register(Person(4100, "Lan", language_code="vi"), language="vi")
    await storage.groups.link(-100777, "Chợ Lớn", 4100, "vi", now)
    first = await storage.posts.create(staff_id=4100, chat_id=-100777, text="a", due_at=now,
                                       now=now)
    second = await storage.posts.create(staff_id=4100, chat_id=-100777, text="b", due_at=now,
                                        now=now)
    older, _ = await storage.leads.create_once(post_id=first, user_id=555, owner_id=4100,
                                               now=now)
    newer, _ = await storage.leads.create_once(post_id=second, user_id=555, owner_id=4100,
                                               now=now)
    await storage.leads.record_phone(newer.id, "+84901234567", now)
    assert await storage.leads.waiting_for_phone(555) is None
    refreshed = await storage.leads.by_token(older.token)
    assert refreshed is not None and refreshed.phone == "+84901234567"


# -- group chats -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/settings", "/staff", "/settings@rapport_bot"])
async def test_staff_command_in_a_group_asks_for_private_chat(
    bot: Harness, admin: Person, command: str
) -> None:
    await as_admin(bot, admin)
    group = bot.make.group_chat(GROUP_ID)
    calls = await bot.send(admin, command, group=group)
    message = only_message(calls)
    assert message.chat_id == GROUP_ID
    assert message.text == tr("vi", USE_PRIVATE)
    assert not message.buttons
    assert "Hùng" not in message.text and "Asia/" not in message.text
    assert of(calls, "setMyCommands") == []


async def test_stranger_in_a_group_gets_nothing(bot: Harness, admin: Person) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    await as_admin(bot, admin)
    group = bot.make.group_chat(GROUP_ID)
    assert await bot.send(stranger, "hello everyone", group=group) == []
    # Not even a command gets an answer in a group no staff member linked.
    assert await bot.send(stranger, "/start", group=group) == []
    assert await bot.send(stranger, "/help", group=group) == []
    assert await bot.send_update(bot.make.message(
        stranger, group=group, contact={"phone_number": "+84901234567", "first_name": "Khách"},
    )) == []
    assert await bot.send(stranger, "Hùng ơi, số của anh là gì?", group=group) == []
    assert await bot.storage.staff.get(stranger.id) is None


async def test_staff_text_in_a_group_shows_no_data(bot: Harness) -> None:
    lan = Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi")
    await bot.register(lan)
    group = bot.make.group_chat(GROUP_ID)
    calls = await bot.send(lan, "Chào cả nhà, hôm nay lãi suất thế nào?", group=group)
    for call in shown(calls):
        assert call.chat_id == GROUP_ID
        assert "Lan" not in call.text and "Asia/" not in call.text


# -- an RM who leaves --------------------------------------------------------------------------

HANDED_TO = ("Saved. What waited on {name} (groups, questions, leads, queued posts) is now "
             "{receiver}'s.")
NO_ACCESS = "🔁 <b>{name} no longer has access</b>"
WAITED = ("What waited on them is now yours: merchant groups {groups}, open questions "
          "{questions}, group leads {leads}, queued posts {posts}. See /groups.")
STILL_TO_HAND_OVER = (
    "{count} customer of theirs still has to be handed over to an RM: send /reassign.",
    "{count} customers of theirs still have to be handed over to an RM: send /reassign.")


async def test_turning_access_off_hands_the_rms_groups_to_the_team_lead(
        bot: Harness, rm: Profile, admin: Person) -> None:
    """Nothing waits on an RM who left: the group, its unanswered question, the lead and its
    prospect, and the queued post are the team lead's, who is told and sees the group."""
    await as_admin(bot, admin)
    now = bot.clock.now()
    team = await bot.storage.teams.create("Bến Thành", now)
    assert team is not None
    await bot.storage.staff.set_team(rm.person.id, team.id)
    lead = Person(3001, "Minh", "Hoàng", language_code="vi")
    colleague = Person(2010, "Quân", "Lê", language_code="zh-hans")
    await bot.register(lead, role="lead", team_id=team.id, language="vi")
    await bot.register(colleague, team_id=team.id, language="zh_Hans")
    group = group_chat(bot, rm)
    chat_id = group["id"]
    await link(bot, rm, group)
    catalog = await products(bot)
    post = await _post_in_group(bot, rm, group, catalog[1])
    await bot.press_data(rm.member, data_for(post, "int"), post, group=group)
    await bot.send(rm.member, f"@{BOT_USERNAME} cho hỏi lãi suất", group=group)
    await bot.storage.posts.create(staff_id=rm.person.id, chat_id=chat_id, text="Ưu đãi Tết",
                                   due_at=now + timedelta(days=3), now=now)
    own = await bot.storage.customers.create(owner_id=rm.person.id, name="Nguyễn Văn An",
                                             phone=None, region=rm.region, now=now)
    # The admin turns the RM's access off.
    await bot.send(admin, "/staff")
    await bot.press(admin, rm.person.first_name)
    calls = await bot.press(admin, tr("vi", "Turn off access"))
    assert answer_of(calls).params.get("text") == tr("vi", HANDED_TO).format(
        name=full_name(rm.person), receiver=full_name(lead))
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and linked.owner_id == lead.id
    assert [q["owner_id"] for q in await rows(bot, "SELECT owner_id FROM questions")] == [lead.id]
    [lead_row] = await rows(bot, "SELECT owner_id, token FROM leads")
    assert lead_row["owner_id"] == lead.id
    assert [p["staff_id"] for p in await rows(
        bot, "SELECT staff_id FROM posts WHERE status = 'pending'")] == [lead.id]
    # The RM's own customer waits for /reassign, and the lead is asked to do it.
    assert await bot.storage.customers.get(rm.person.id, own.id) is not None
    assert "staff.work_handed_over" in await bot.storage.audit.actions_for("staff", rm.person.id)
    # Nothing waits on the RM: the lead gets the question, the lead and the notice.
    bot.api.clear()
    await dispatcher(bot).drain()
    assert bot.api.messages(rm.person.id) == []
    texts = "\n".join(call.text or "" for call in bot.api.messages(lead.id))
    assert tr("vi", QUESTION_TITLE) in texts
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert _(NO_ACCESS).format(name=esc(full_name(rm.person))) in texts
        assert _(WAITED).format(groups=1, questions=1, leads=1, posts=1) in texts
        assert ngettext(*STILL_TO_HAND_OVER, 1).format(count=1) in texts
    # The lead's /groups shows the group as theirs; a question asked now reaches them.
    listing = only_message(await bot.send(lead, "/groups"))
    assert f"• {esc(TITLE)} — {esc(full_name(lead))}" in listing.text
    await bot.send(rm.member, f"@{BOT_USERNAME} còn ưu đãi không?", group=group)
    assert {q["owner_id"] for q in await rows(bot, "SELECT owner_id FROM questions")} == {
        lead.id}
    # The member who was interested agrees to be contacted: the prospect is the lead's.
    thanks = only_message(await bot.send(rm.member, f"/start lead_{lead_row['token']}"))
    assert thanks.text == tr(rm.member_language, THANKS_FOR_INTEREST).format(
        name=esc(full_name(lead)))
    await bot.send_update(bot.make.contact(rm.member, rm.member_phone, rm.member.first_name,
                                           user_id=rm.member.id))
    [prospect] = await rows(bot, "SELECT owner_id FROM customers WHERE telegram_id = ?",
                            rm.member.id)
    assert prospect["owner_id"] == lead.id
    bot.api.clear()
    await dispatcher(bot).drain()
    assert tr("vi", LEAD_TITLE) in "\n".join(c.text or "" for c in bot.api.messages(lead.id))


async def test_a_group_of_an_rm_without_access_can_be_linked_and_reassigned(
        bot: Harness, rm: Profile) -> None:
    """A group left with an owner whose access is off (turned off before groups were handed
    over): another RM's /link takes it, and the lead's /groups shows and reassigns it."""
    now = bot.clock.now()
    team = await bot.storage.teams.create("Bến Thành", now)
    assert team is not None
    await bot.storage.staff.set_team(rm.person.id, team.id)
    lead = Person(3001, "Minh", "Hoàng", language_code="vi")
    colleague = Person(2010, "Quân", "Lê", language_code="zh-hans")
    await bot.register(lead, role="lead", team_id=team.id, language="vi")
    await bot.register(colleague, team_id=team.id, language="zh_Hans")
    group = group_chat(bot, rm)
    chat_id = group["id"]
    await link(bot, rm, group)
    await bot.storage.staff.set_active(rm.person.id, False)
    listing = only_message(await bot.send(lead, "/groups"))
    assert f"• {esc(TITLE)} — {esc(full_name(rm.person))}" in listing.text
    choice = only_message(await bot.press_data(lead, data_for(listing, "grp", chat_id), listing))
    offered = {payload(data)[2] for _label, data in choice.buttons}
    assert offered == {str(lead.id), str(colleague.id)}
    forged = buttons.pack("gro", chat_id, rm.person.id, owner=lead.id)
    assert_expired(await bot.press_data(lead, forged, choice), "vi")
    # Another RM of the team links the group themselves.
    answer = only_message(await bot.send(colleague, "/link", group=group))
    assert answer.text != tr("zh_Hans", ALREADY_LINKED).format(name=esc(full_name(rm.person)))
    linked = await bot.storage.groups.get(chat_id)
    assert linked is not None and linked.owner_id == colleague.id


LEAD_THANKS = ("Thank you for your message! I have passed it on to {name}, your relationship "
               "manager at the bank, who will get back to you soon.")
LEAD_HELLO = ("Hello! Write your question here and I will pass it on to {name}, your "
              "relationship manager at the bank.")
LEAD_WROTE = "💬 <b>A lead wrote to you</b>"
SHARE_FIRST = ("Thank you for writing! So that {name}, your relationship manager at the bank, can "
               "answer you, first share your phone number with the button below: by sharing it "
               "you agree that the bank keeps it to contact you. Until then your message stays "
               "with me.")
WRITES_BACK = {"vi": "Cảm ơn, khi nào gọi em?", "zh_Hant_TW": "謝謝，什麼時候打給我？"}


@pytest.mark.parametrize("shares_phone", [True, False], ids=["with-phone", "without-phone"])
async def test_a_lead_who_writes_back_is_answered_as_a_customer(
        bot: Harness, rm: Profile, shares_phone: bool) -> None:
    me, member = rm.person, rm.member
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    post = await _post_in_group(bot, rm, group, (await products(bot))[0])
    await bot.press_data(member, data_for(post, "int"), post, group=group)
    [lead] = await rows(bot, "SELECT token FROM leads")
    await bot.send(member, f"/start lead_{lead['token']}")
    if shares_phone:
        await bot.send_update(bot.make.contact(member, rm.member_phone, member.first_name,
                                               user_id=member.id))
    await dispatcher(bot).drain()
    # They write back: a customer's answer in their language, never the staff-only refusal.
    words = WRITES_BACK[rm.member_language]
    answer = only_message(await bot.send(member, words))
    assert answer.chat_id == member.id and answer.text != tr(rm.member_language, REFUSAL)
    if not shares_phone:
        # No number, no consent: nothing of theirs reaches the RM; they are asked for it.
        assert answer.text == tr(rm.member_language, SHARE_FIRST).format(
            name=esc(full_name(me)))
        assert markup_of(answer)["keyboard"] == [[
            {"text": tr(rm.member_language, SHARE_PHONE), "request_contact": True}]]
        assert tr(rm.member_language, SHARE_FIRST) != SHARE_FIRST
        assert await dispatcher(bot).drain() == 0
        assert await rows(bot, "SELECT id FROM reminders WHERE kind = 'lead_message'") == []
        return
    assert answer.text == tr(rm.member_language, LEAD_THANKS).format(name=esc(full_name(me)))
    assert tr(rm.member_language, LEAD_THANKS) != LEAD_THANKS
    # What they wrote reaches the owning RM at once, as a notice with the card.
    [known] = await rows(bot, "SELECT customer_id FROM leads")
    assert known["customer_id"] is not None
    assert await dispatcher(bot).drain() == 1
    notice = bot.last_for(me)
    assert tr(rm.language, LEAD_WROTE) in notice.text and esc(words) in notice.text
    assert full_name(member) in notice.text
    assert data_for(notice, "c", known["customer_id"]) in [d for _l, d in notice.buttons]
    # A notice: never listed as due or overdue in the RM's agenda.
    today = only_message(await bot.send(me, "/today")).text
    assert esc(words) not in today
    # /help or /start says what they can do here, and passes nothing on.
    hello = only_message(await bot.send(member, "/help"))
    assert hello.text == tr(rm.member_language, LEAD_HELLO).format(name=esc(full_name(me)))
    assert await dispatcher(bot).drain() == 0
    # Someone who never was a lead is still a stranger.
    intruder = Person(5999, "Mallory", language_code="en")
    assert only_message(await bot.send(intruder, words)).text == tr("en", REFUSAL)


# -- what members see in a group: product taps, /help, the owner's own mention ----------------

@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_HK"])
async def test_product_taps_edit_one_message_and_never_flood_the_group(
        bot: Harness, rm: Profile, language: str) -> None:
    member, other = rm.member, Person(5003, "Hoa", "Lý", language_code="vi")
    group = group_chat(bot, rm)
    await link(bot, rm, group, language)
    listing = only_message(await bot.send(member, "/products", group=group))
    catalog = await products(bot)
    first, second = catalog[0], catalog[3]
    name = "zh_Hant" if language.startswith("zh_Hant") else language
    def posted() -> int:
        return len([call for call in of(bot.api.calls, "sendMessage")
                    if call.chat_id == group["id"]])

    before = posted()
    taps = [(member, first), (other, first), (member, second), (other, first)]
    shown_now = listing
    for who, product in taps:
        calls = await bot.press_data(who, data_for(listing, "gp", product.id), listing,
                                     group=group)
        assert of(calls, "sendMessage") == [], "a tap posted into the group"
        edited = [call for call in calls if call.method == "editMessageText"]
        if edited:  # the same pitch tapped again: nothing to change
            assert f"<b>{esc(product.names[name])}</b>" in edited[0].text
            assert edited[0].chat_id == group["id"]
            # The products stay under the pitch, with the way back to the list.
            assert labels(edited[0])[-1] == tr(language, ALL_PRODUCTS)
            assert len(labels(edited[0])) == len(labels(listing)) + 1
            shown_now = edited[0]
    assert posted() == before
    # Back to the list: the same message, the list again.
    calls = await bot.press_data(member, data_for(shown_now, "gp", 0), listing, group=group)
    back = only_message(calls)
    assert back.method == "editMessageText" and back.text == listing.text
    assert tr(language, ALL_PRODUCTS) != ALL_PRODUCTS


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK"])
async def test_help_and_start_in_a_group_say_what_members_can_do(
        bot: Harness, rm: Profile, language: str) -> None:
    group = group_chat(bot, rm)
    await link(bot, rm, group, language)
    expected = tr(language, GROUP_HELP).format(
        name=esc(full_name(rm.person)), bot=BOT_USERNAME, interested=tr(language, INTERESTED))
    assert tr(language, GROUP_HELP) != GROUP_HELP
    for person in (rm.member, rm.person):
        for command in ("/help", f"/help@{BOT_USERNAME}", "/start"):
            answer = only_message(await bot.send(person, command, group=group))
            assert answer.chat_id == group["id"] and answer.text == expected
            assert "/products" in answer.text and not answer.buttons
    assert await rows(bot, "SELECT id FROM reminders") == []


async def test_the_owners_own_mention_is_no_member_question(bot: Harness, rm: Profile) -> None:
    me, member = rm.person, rm.member
    group = group_chat(bot, rm)
    await link(bot, rm, group)
    # She shows her group the bot: no thanks to herself, no question for herself.
    calls = await bot.send(me, f"Các anh chị cứ hỏi @{BOT_USERNAME} về sản phẩm nhé",
                           group=group)
    assert shown(calls) == []
    assert await rows(bot, "SELECT id FROM questions") == []
    assert await rows(bot, "SELECT id FROM reminders") == []
    # A member's mention still is one.
    calls = await bot.send(member, f"@{BOT_USERNAME} lãi suất tiết kiệm bao nhiêu?",
                           group=group)
    assert only_message(calls).text == tr(rm.language, QUESTION_THANKS).format(
        name=esc(full_name(me)))
    assert len(await rows(bot, "SELECT id FROM questions")) == 1
