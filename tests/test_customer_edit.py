"""Changing a customer file (handlers/customer_edit.py): every field with buttons or typed and
checked, solar and lunar birthdays, the stage and the reason a deal was lost, archive and
restore, erasure, and the audit log's field names without values."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from core import buttons
from core.i18n import _, active, format_date, ngettext
from core.messages import esc
from domain.customers import MAX_NAME, SEGMENTS, SOURCES, STAGES
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.churn import NewVolume
from storage.customers import PERSONAL, Customer
from tests.conftest import NOW
from tests.customers import (
    CARD_ACTIONS,
    HCM,
    NO_MATCH,
    NOT_A_PHONE,
    PHOTO,
    SHANGHAI,
    actions,
    add,
    data_for,
    expected_card,
    history,
    labels,
    last_card,
    make_rm,
    only_customer,
    open_card,
    payload,
    press_action,
    reminders_of,
    result_ids,
)
from tests.harness import Harness, answer_of, only_message, shown, tr
from tests.staff import EXPIRED

# -- the card ----------------------------------------------------------------------------------


EDIT_CHOICES = [("segment", "sme"), ("segment", "household"), ("grade", "A"),
                ("source", "referral"), ("source", "merchant_group"), ("language", "zh_Hans")]


@pytest.mark.parametrize(("field", "value"), EDIT_CHOICES)
async def test_choice_fields_are_picked_with_buttons(bot: Harness, field: str,
                                                     value: str) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    customer = await add(bot, mei, "Trần Thị Bích 0901234567")
    card = await open_card(bot, mei, customer)
    menu = only_message(await press_action(bot, mei, "ce", customer.id, call=card))
    assert menu.method == "editMessageText"
    assert [payload(d)[2] for _l, d in menu.buttons if payload(d)[0] == "cef"] == [
        "name", "phone", "segment", "grade", "source", "referrer", "birthday", "company",
        "client_ref", "family", "income", "products_held", "products_wanted", "tags", "about",
        "language", "zalo", "wechat", "line", "whatsapp", "id_expiry", "risk_expiry", "kyc_due"]
    choices = only_message(await press_action(bot, mei, "cef", customer.id, field))
    picked = await press_action(bot, mei, "cev", customer.id, field, value, call=choices)
    assert answer_of(picked).params["text"] == tr("zh_Hant_TW", "Saved.")
    updated = await bot.storage.customers.get(mei.id, customer.id)
    assert updated is not None and getattr(updated, field) == value
    assert only_message(picked).text == expected_card(updated, "zh_Hant_TW", HCM)
    if field == "segment":
        assert tr("zh_Hant_TW", SEGMENTS[value]) in only_message(picked).text
        assert tr("zh_Hant_TW", SEGMENTS[value]) in labels(choices)
    if field == "source":
        assert tr("zh_Hant_TW", SOURCES[value]) in labels(choices)
    rows = await bot.storage.db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = 'customer.updated' AND entity_id = ?",
        (str(customer.id),))
    assert [json.loads(row["detail"]) for row in rows] == [{"fields": [field]}]
    # A value that is not one of the choices is refused.
    bad = await bot.press_data(mei, buttons.pack("cev", customer.id, field, "bogus",
                                                 owner=mei.id))
    assert answer_of(bad).params["text"] == tr("zh_Hant_TW", EXPIRED)
    assert getattr(await bot.storage.customers.get(mei.id, customer.id), field) == value


TEXT_FIELDS = [
    ("company", "Công ty TNHH Minh Phát"),
    ("family", "vợ và 2 con"),
    ("income", "50 triệu/tháng"),
    ("products_held", "thẻ tín dụng, tiết kiệm"),
    ("products_wanted", "vay mua nhà"),
    ("tags", "vip, kinh doanh vàng"),
    ("about", "thích gặp buổi sáng, cẩn thận"),
    ("referrer", "anh Hùng ở chợ"),
    ("name", "Nguyễn Văn An (chú)"),
]


async def edit_text_field(bot: Harness, person: Person, customer: Customer, field: str,
                          value: str) -> list[ApiCall]:
    card = await open_card(bot, person, customer)
    await press_action(bot, person, "ce", customer.id, call=card)
    await press_action(bot, person, "cef", customer.id, field)
    return await bot.send(person, value)


@pytest.mark.parametrize(("field", "value"), TEXT_FIELDS)
async def test_text_fields_are_typed(bot: Harness, field: str, value: str) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "ce", customer.id, call=card)
    prompt = only_message(await press_action(bot, ann, "cef", customer.id, field))
    assert prompt.method == "sendMessage"
    assert "“" in prompt.text and "/cancel" in prompt.text
    assert labels(prompt) == [tr("en", "Clear this field"), tr("en", "Skip")]
    calls = await bot.send(ann, value)
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None and getattr(updated, field) == value
    assert only_message(calls).text == expected_card(updated, "en", HCM, prefix="Saved.")
    assert await bot.storage.states.get(ann.id, ann.id) is None


async def test_search_follows_edits(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    with active("vi", HCM):
        none_found = _(NO_MATCH).format(query="minh phat")
    assert only_message(await bot.send(lan, "/find minh phat")).text == none_found
    await edit_text_field(bot, lan, customer, "company", "Công ty TNHH Minh Phát")
    await edit_text_field(bot, lan, customer, "tags", "vip, kinh doanh vàng")
    for query in ("minh phat", "Minh Phát", "kinh doanh vang", "vàng"):
        found = only_message(await bot.send(lan, f"/find {query}"))
        assert result_ids(found) == [customer.id], query
    # Renaming moves the name key too: the old name no longer finds them.
    await edit_text_field(bot, lan, customer, "name", "Lý Thường Kiệt")
    assert only_message(await bot.send(lan, "/find nguyen van")).text == tr(
        "vi", NO_MATCH).format(query="nguyen van")
    assert payload(only_message(await bot.send(lan, "/find thuong kiet")).buttons[0][1])[1] == \
        str(customer.id)
    # Still found by company after the rename.
    assert only_message(await bot.send(lan, "/find minh phat")).buttons


@pytest.mark.parametrize(("language", "typed", "stored", "lunar"), [
    ("vi", "15/03/1985", "1985-03-15", False),
    ("vi", "âm 15/8", "--08-15", True),
    ("zh_Hans", "农历8月15日", "--08-15", True),
    ("en", "1990-12-31", "1990-12-31", False),
])
async def test_birthday_solar_and_lunar(bot: Harness, language: str, typed: str, stored: str,
                                        lunar: bool) -> None:
    rm = await make_rm(bot, language)
    customer = await add(bot, rm, "Lê Thị Hồng 0901234567")
    await edit_text_field(bot, rm, customer, "birthday", typed)
    updated = await bot.storage.customers.get(rm.id, customer.id)
    assert updated is not None
    assert (updated.birthday, updated.birthday_lunar) == (stored, lunar)


async def test_impossible_birthday_is_refused(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Lê Thị Hồng 0901234567")
    calls = await edit_text_field(bot, lan, customer, "birthday", "31/02/1990")
    with active("vi", HCM):
        expected = _("“{text}” does not exist: that month has only {days} days.").format(
            text="31/02/1990", days=28)
    assert only_message(calls).text == expected
    unchanged = await bot.storage.customers.get(lan.id, customer.id)
    assert unchanged is not None and unchanged.birthday is None
    # Still asking: the corrected date is taken.
    await bot.send(lan, "28/02/1990")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.birthday == "1990-02-28"


async def test_phone_edit_is_validated(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    calls = await edit_text_field(bot, wei, customer, "phone", "12345")
    with active("zh_Hans", SHANGHAI):
        assert only_message(calls).text == _(NOT_A_PHONE).format(text="12345")
    assert (await only_customer(bot, wei)).phone == "+8613800138000"
    done = await bot.send(wei, "139 1234 5678")
    updated = await only_customer(bot, wei)
    assert updated.phone == "+8613912345678"
    assert "139 1234 5678" in only_message(done).text
    # The search key moved with the number.
    assert only_message(await bot.send(wei, "/find 13912345678")).buttons
    old = only_message(await bot.send(wei, "/find 13800138000"))
    assert old.text == tr("zh_Hans", NO_MATCH).format(query="13800138000")


async def test_clear_a_field(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    await edit_text_field(bot, ann, customer, "company", "Minh Phat Gold")
    await edit_text_field(bot, ann, customer, "birthday", "âm 15/8")
    for field in ("company", "birthday", "phone"):
        card = await open_card(bot, ann, customer)
        await press_action(bot, ann, "ce", customer.id, call=card)
        prompt = only_message(await press_action(bot, ann, "cef", customer.id, field))
        cleared = await bot.press(ann, tr("en", "Clear this field"), call=prompt)
        assert answer_of(cleared).params["text"] == tr("en", "Saved.")
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None
    assert (updated.company, updated.birthday, updated.birthday_lunar, updated.phone) == (
        None, None, False, None)
    assert await bot.storage.states.get(ann.id, ann.id) is None
    assert only_message(await bot.send(ann, "/find minh phat")).text == tr(
        "en", NO_MATCH).format(query="minh phat")
    assert only_message(await bot.send(ann, "/find 0901234567")).text == tr(
        "en", NO_MATCH).format(query="0901234567")


async def test_too_long_field_is_refused(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    calls = await edit_text_field(bot, lan, customer, "name", "A" * (MAX_NAME + 1))
    with active("vi", HCM):
        assert only_message(calls).text == _(
            "That is too long: at most {limit} characters. Please try again.").format(
            limit=MAX_NAME)
    assert (await only_customer(bot, lan)).name == "Nguyễn Văn An"


async def test_referrer_is_linked_to_the_customer_with_that_name(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    referrer = await add(bot, lan, "An 0901111111")
    await add(bot, lan, "Trần An Khang 0902222222")
    await add(bot, lan, "Lan Anh 0903333333")
    customer = await add(bot, lan, "Phạm Thị Mai 0904444444")
    await edit_text_field(bot, lan, customer, "referrer", "an")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and (updated.referrer, updated.referred_by) == ("an", referrer.id)
    # A name matching nobody exactly is kept as text only.
    await edit_text_field(bot, lan, customer, "referrer", "chị Hoa bán vải")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.referred_by is None

# -- pipeline ----------------------------------------------------------------------------------


async def test_stage_change_is_recorded(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    menu = only_message(await bot.press(lan, tr("vi", "➡️ Stage"), call=card))
    with active("vi", HCM):
        assert labels(menu)[:len(STAGES)] == [
            ("• " if stage == "find" else "") + _(label) for stage, label in STAGES.items()]
    bot.clock.advance(days=2)
    moved = await press_action(bot, lan, "css", customer.id, "consult", call=menu)
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.stage == "consult"
    assert only_message(moved).text == expected_card(updated, "vi", HCM)
    items = await history(bot, lan, customer)
    assert [(i.kind, i.detail, i.happened_at) for i in items] == [
        ("stage", {"from": "find", "to": "consult"}, NOW + timedelta(days=2))]
    rows = await bot.storage.db.fetch_all(
        "SELECT at, detail FROM audit_log WHERE action = 'customer.stage' AND entity_id = ?",
        (str(customer.id),))
    assert [(row["at"], json.loads(row["detail"])) for row in rows] == [
        ("2026-11-25T03:00:00+00:00", {"from": "find", "to": "consult"})]
    # A stage change is not a contact with the customer.
    assert updated.last_contact_at is None
    page = only_message(await press_action(bot, lan, "ch", customer.id, 0, call=card))
    with active("vi", HCM):
        assert esc(f"{_(STAGES['find'])} → {_(STAGES['consult'])}") in page.text
        assert _("Stage change") in page.text
    # Picking the current stage changes nothing.
    await press_action(bot, lan, "css", customer.id, "consult", call=menu)
    assert len(await history(bot, lan, customer)) == 1


async def test_lost_asks_for_the_reason(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cs", customer.id, call=card)
    asked = only_message(await press_action(bot, ann, "css", customer.id, "lost"))
    with active("en", HCM):
        assert asked.text == _(
            "Why was {name} lost? Type the reason (price, chose another bank, no longer "
            "needs it…). /cancel to stop.").format(name="Nguyễn Văn An")
    unchanged = await bot.storage.customers.get(ann.id, customer.id)
    assert unchanged is not None and unchanged.stage == "find"
    done = only_message(await bot.send(ann, "chose <another> bank"))
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None
    assert (updated.stage, updated.lost_reason) == ("lost", "chose <another> bank")
    assert "Lost because: chose &lt;another&gt; bank" in done.text
    items = await history(bot, ann, customer)
    assert [(i.kind, i.text, i.detail) for i in items] == [
        ("stage", "chose <another> bank", {"from": "find", "to": "lost"})]
    # Back in the pipeline, the reason is cleared.
    await bot.press_data(ann, buttons.pack("css", customer.id, "contact", owner=ann.id))
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None and (updated.stage, updated.lost_reason) == ("contact", None)

# -- data safety -------------------------------------------------------------------------------


async def test_archive_hides_and_restore_brings_back(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    card = await open_card(bot, wei, customer)
    archived = await bot.press(wei, tr("zh_Hans", "🗄 Archive"), call=card)
    assert answer_of(archived).params["text"] == tr("zh_Hans", "Archived.")
    archived_card = only_message(archived)
    assert actions(archived_card) == ["cr", "ch", "cd"]
    with active("zh_Hans", SHANGHAI):
        assert _("🗄 Archived on {date}").format(date=format_date(NOW)) in archived_card.text
    assert only_message(await bot.send(wei, "/find 王伟")).text == tr(
        "zh_Hans", NO_MATCH).format(query="王伟")
    assert "<b>0" in only_message(await bot.send(wei, "/pipeline")).text
    listed = only_message(await bot.send(wei, "/archived"))
    assert listed.text == tr("zh_Hans", "<b>Archived</b>: {count}").format(count=1)
    assert result_ids(listed) == [customer.id]
    reopened = only_message(await press_action(bot, wei, "c", customer.id, call=listed))
    restored = await bot.press(wei, tr("zh_Hans", "Restore"), call=reopened)
    assert answer_of(restored).params["text"] == tr("zh_Hans", "Restored.")
    assert actions(only_message(restored)) == CARD_ACTIONS
    assert result_ids(only_message(await bot.send(wei, "/find 王伟"))) == [customer.id]
    assert only_message(await bot.send(wei, "/archived")).text == tr(
        "zh_Hans", "No archived customers.")
    assert (await bot.storage.audit.actions_for("customer", customer.id))[-2:] == [
        "customer.archived", "customer.restored"]


async def test_delete_asks_then_erases_everything_personal(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")
    friend = await add(bot, lan, "Trần Thị Bích 0912345678")
    await edit_text_field(bot, lan, friend, "referrer", "Nguyễn Văn An")
    linked = await bot.storage.customers.get(lan.id, friend.id)
    assert linked is not None and linked.referred_by == customer.id
    for field, value in [("company", "Tiệm vàng An Phát"), ("birthday", "âm 15/8"),
                         ("family", "vợ, 2 con"), ("about", "kỹ tính")]:
        await edit_text_field(bot, lan, customer, field, value)
    await bot.send_update(bot.make.message(lan, caption="CMND mặt trước", photo=PHOTO))
    await bot.press(lan, "Nguyễn Văn An")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cf", customer.id, call=card)
    await bot.send(lan, "mai 9h gọi lại báo lãi suất")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cs", customer.id, call=card)
    await press_action(bot, lan, "css", customer.id, "consult")
    await press_action(bot, lan, "ca", customer.id, call=card)
    archived_card = last_card(bot, lan)
    asked = only_message(await bot.press(lan, tr("vi", "Delete for good"), call=archived_card))
    with active("vi", HCM):
        assert asked.text == _(
            "Erase {name} for good? Their name, phone, notes and files are deleted and cannot "
            "be recovered; only anonymous counts stay in the statistics."
        ).format(name="<b>Nguyễn Văn An</b>")
        assert labels(asked) == [_("Yes, erase for good"), _("No, keep it")]
    kept = only_message(await bot.press(lan, tr("vi", "No, keep it"), call=asked))
    assert actions(kept) == ["cr", "ch", "cd"]
    assert await bot.storage.customers.get(lan.id, customer.id) is not None
    erased = await bot.press(lan, tr("vi", "Yes, erase for good"), call=asked)
    assert only_message(erased).text == tr("vi", "The customer's personal data was erased.")
    # Straight from the tables: nothing personal is left, the row stays for the counts.
    row = await bot.storage.db.fetch_one("SELECT * FROM customers WHERE id = ?", (customer.id,))
    assert row is not None
    assert row["name"] == "" and row["erased_at"] is not None
    for column in PERSONAL:
        assert row[column] is None, column
    assert (row["search_key"], row["phone_key"], row["birthday_lunar"]) == ("", "", 0)
    assert row["stage"] == "consult"
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND stage = 'consult'",
        (lan.id,)) == 1
    rows = await bot.storage.db.fetch_all(
        "SELECT text, file_id, file_name, detail FROM interactions WHERE customer_id = ?",
        (customer.id,))
    assert len(rows) == 3  # the first note, the photo and the stage change: counted, blank
    assert all((r["text"], r["file_id"], r["file_name"], r["detail"]) == ("", None, None, "{}")
               for r in rows)
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM card_messages WHERE customer_id = ?", (customer.id,)) == 0
    unlinked = await bot.storage.customers.get(lan.id, friend.id)
    assert unlinked is not None and unlinked.referred_by is None
    reminders = await reminders_of(bot, customer)
    assert [(r["text"], r["status"]) for r in reminders] == [("", "cancelled")]
    # No copy anywhere else in the database either.
    for table in ("customers", "interactions", "inbox", "reminders", "card_messages",
                  "audit_log", "chat_states"):
        dump = json.dumps([tuple(r) for r in await bot.storage.db.fetch_all(
            f"SELECT * FROM {table}")], ensure_ascii=False)
        for value in ("Nguyễn Văn An", "901234567", "vay mua nhà", "An Phát", "CMND",
                      "ph-big", "kỹ tính", "lãi suất"):
            assert value not in dump, (table, value)
    # Gone from every list, and the old buttons are dead.
    assert await bot.storage.customers.get(lan.id, customer.id) is None
    assert only_message(await bot.send(lan, "/find nguyen van an")).text == tr(
        "vi", NO_MATCH).format(query="nguyen van an")
    assert only_message(await bot.send(lan, "/archived")).text == tr(
        "vi", "No archived customers.")
    for data in (buttons.pack("c", customer.id, owner=lan.id), data_for(card, "ch"),
                 data_for(card, "cn"), data_for(asked, "cdx")):
        again = await bot.press_data(lan, data, card)
        # The erase button itself was claimed by its first press; the others find no file.
        answer = "Already handled." if data.startswith("cdx:") else EXPIRED
        assert answer_of(again).params["text"] == tr("vi", answer)
        assert shown(again) == []
    assert "customer.erased" in await bot.storage.audit.actions_for("customer", customer.id)


async def test_audit_log_keeps_actions_and_field_names_never_values(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567 wants a mortgage")
    await edit_text_field(bot, ann, customer, "phone", "0912 345 678")
    await edit_text_field(bot, ann, customer, "company", "Secret Gold Shop")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cs", customer.id, call=card)
    await press_action(bot, ann, "css", customer.id, "won")
    await press_action(bot, ann, "ca", customer.id, call=card)
    await press_action(bot, ann, "cd", customer.id, call=last_card(bot, ann))
    await press_action(bot, ann, "cdx", customer.id)
    rows = await bot.storage.db.fetch_all(
        "SELECT action, actor_id, detail FROM audit_log WHERE entity = 'customer'"
        " AND entity_id = ? ORDER BY id", (str(customer.id),))
    assert [row["action"] for row in rows] == [
        "customer.created", "customer.updated", "customer.updated", "customer.stage",
        "customer.archived", "customer.erased"]
    assert all(row["actor_id"] == ann.id for row in rows)
    assert [json.loads(row["detail"]) for row in rows[1:4]] == [
        {"fields": ["phone"]}, {"fields": ["company"]}, {"from": "find", "to": "won"}]
    everything = json.dumps([tuple(r) for r in await bot.storage.db.fetch_all(
        "SELECT * FROM audit_log")], ensure_ascii=False)
    for value in ("0901234567", "+84901234567", "901234567", "0912345678", "912345678",
                  "0912 345 678", "Nguyễn", "Secret Gold", "mortgage"):
        assert value not in everything, value


# -- what closes with the customer -------------------------------------------------------------
CLOSED = ("{count} open follow-up or care reminder closed.",
          "{count} open follow-ups and care reminders closed.")


def closed_text(language: str, count: int) -> str:
    with active(language, "UTC"):
        return ngettext(*CLOSED, count).format(count=count)


async def _with_follow_ups(bot: Harness, rm: Person, customer: Customer, count: int) -> None:
    now = bot.clock.now()
    for day in range(1, count + 1):
        await bot.storage.schedule_follow_up(rm.id, customer.id, f"call {day}",
                                             now + timedelta(days=day), now)
    await bot.storage.reminders.create(staff_id=rm.id, customer_id=customer.id, kind="care",
                                       text="", due_at=now + timedelta(days=2), now=now)


@pytest.mark.parametrize(("language", "zone", "name"), [
    ("vi", HCM, "Nguyễn Văn An"), ("zh_Hans", SHANGHAI, "王伟"),
    ("zh_Hant_TW", "Asia/Taipei", "陳志明")])
async def test_archiving_closes_the_customers_reminders_and_says_so(
        bot: Harness, language: str, zone: str, name: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await add(bot, rm, name)
    await _with_follow_ups(bot, rm, customer, 2)
    assert name in only_message(await bot.send(rm, "/week")).text
    card = await open_card(bot, rm, customer)
    archived = await press_action(bot, rm, "ca", customer.id, call=card)
    said = closed_text(language, 3)
    assert said in answer_of(archived).params["text"]
    assert said in only_message(archived).text
    assert_translated_plural(language)
    assert {r["status"] for r in await reminders_of(bot, customer)} == {"cancelled"}
    assert name not in only_message(await bot.send(rm, "/week")).text
    restored = await press_action(bot, rm, "cr", customer.id, call=only_message(archived))
    assert answer_of(restored).params["text"] == tr(language, "Restored.")


def assert_translated_plural(language: str) -> None:
    if language != "en":
        assert closed_text(language, 3) != closed_text("en", 3)


@pytest.mark.parametrize(("language", "zone", "name"), [
    ("vi", HCM, "Lê Thị Mai"), ("zh_Hant_HK", "Asia/Hong_Kong", "陳大文")])
async def test_a_lost_customer_closes_their_follow_ups(bot: Harness, language: str, zone: str,
                                                       name: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await add(bot, rm, name)
    await _with_follow_ups(bot, rm, customer, 1)
    await bot.press_data(rm, buttons.pack("css", customer.id, "lost", owner=rm.id))
    answer = only_message(await bot.send(rm, "giá cao"))
    assert answer.text.startswith(closed_text(language, 2))
    assert {r["status"] for r in await reminders_of(bot, customer)} == {"cancelled"}
    assert name not in only_message(await bot.send(rm, "/week")).text


async def test_erasing_says_how_many_reminders_closed(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, rm, "李娜")
    await _with_follow_ups(bot, rm, customer, 1)
    archived = only_message(await press_action(bot, rm, "ca", customer.id,
                                               call=await open_card(bot, rm, customer)))
    assert closed_text("zh_Hans", 2) in archived.text
    # An open complaint stays open in the archive (it must still be answered), not erased.
    await bot.storage.reminders.create(staff_id=rm.id, customer_id=customer.id,
                                       kind="complaint", text="", due_at=bot.clock.now(),
                                       now=bot.clock.now())
    asked = only_message(await press_action(bot, rm, "cd", customer.id, call=archived))
    erased = only_message(await press_action(bot, rm, "cdx", customer.id, call=asked))
    assert erased.text == "{}\n{}".format(
        tr("zh_Hans", "The customer's personal data was erased."), closed_text("zh_Hans", 1))
    assert {r["status"] for r in await reminders_of(bot, customer)} == {"cancelled"}


# -- erasure leaves no copy anywhere ------------------------------------------------------------

MEMBER = Person(7001, "Phạm Thị Hồng", "Nhung", language_code="vi")
GROUP_CHAT = -100777
GROUP = {"id": GROUP_CHAT, "type": "supergroup", "title": "Chợ vải Tân Bình"}


async def _customer_through_every_feature(bot: Harness, lan: Person) -> Customer:
    """A group member who tapped "interested", agreed, asked a question, chatted with the RM
    on Telegram, and whose file then got every kind of entry there is."""
    now = bot.clock.now()
    await bot.send(lan, "/link", group=GROUP)
    post_id = await bot.storage.posts.create(staff_id=lan.id, chat_id=GROUP_CHAT,
                                             text="Ưu đãi", due_at=now, now=now)
    await bot.press_data(MEMBER, buttons.pack("int", post_id, public=True), group=GROUP)
    token = await bot.storage.db.fetch_value("SELECT token FROM leads")
    await bot.send(MEMBER, f"/start lead_{token}")
    await bot.send_update(bot.make.contact(MEMBER, "84908765432", "Nhung", user_id=MEMBER.id))
    customer = await only_customer(bot, lan)
    assert customer.name == "Phạm Thị Hồng Nhung" and customer.telegram_id == MEMBER.id
    await bot.send(MEMBER, "@rapport_bot cho hỏi phí chuyển tiền quốc tế?", group=GROUP)
    question_id = await bot.storage.db.fetch_value("SELECT id FROM questions")
    await bot.press_data(lan, buttons.pack("qa", question_id, owner=lan.id))
    await bot.send(lan, "Dạ chị Hồng Nhung, phí 0,1%")
    for field, value in [("company", "Tiệm may Thiên Hương"), ("client_ref", "KH-778899"),
                         ("about", "thích trà sen"), ("birthday", "12/03/1986")]:
        await edit_text_field(bot, lan, customer, field, value)
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cn", customer.id, call=card)
    await bot.send(lan, "muốn gửi tiết kiệm 730 triệu, số mới 0912 000 111")
    await bot.send_update(bot.make.message(lan, caption="sao kê lương", photo=PHOTO))
    await bot.press(lan, "Phạm Thị Hồng Nhung")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cf", customer.id, call=card)
    await bot.send(lan, "mai 9h gọi lại chị Nhung báo lãi suất")
    # What other features keep about them, written as those features write it.
    storage = bot.storage
    other = await storage.customers.create(owner_id=lan.id, name="Lê Văn Tâm", phone=None,
                                           region="VN", now=now)
    assert await storage.household.link(lan.id, customer.id, other.id, "spouse", lan.id, now)
    await storage.deals.create(owner_id=lan.id, customer_id=customer.id, actor_id=lan.id,
                               now=now, amount_minor=500_000_000, currency="VND")
    await storage.holdings.add(customer_id=customer.id, kind="deposit", product="Tiết kiệm",
                               now=now, maturity_date="2027-06-01", actor_id=lan.id)
    complaint = await storage.open_complaint(lan.id, customer.id, "chị Nhung phàn nàn phí",
                                             now, now + timedelta(days=2))
    await storage.resolve_complaint(lan.id, complaint, customer.id, now,
                                    "đã hoàn phí cho chị Nhung", False)
    await storage.churn.replace([NewVolume("KH-778899", date(2026, 11, 30), 12.5, "VND")], now)
    await storage.churn.save_alert(client_ref="KH-778899", week=date(2026, 11, 30),
                                   customer_id=customer.id, volume=12.5, avg_4w=40.0,
                                   avg_13w=None, drop_4w=0.7, drop_13w=None, now=now)
    await storage.spreadsheets.save_import(
        owner_id=lan.id, file_name="khach.xlsx", now=now, unchanged=0, rejected=0,
        creates=[{"name": "Phạm Thị Hồng Nhung", "phone": "+84908765432"}],
        updates=[(customer.id, {"about": "khách VIP thích trà sen"})])
    await storage.business.see_chat(staff_id=lan.id, user_id=MEMBER.id, incoming=True, at=now)
    await storage.business.offer(staff_id=lan.id, user_id=MEMBER.id,
                                 name="Phạm Thị Hồng Nhung", phone="+84908765432", now=now)
    await storage.business.log_message(
        connection_id="bc-1", staff_id=lan.id, customer_id=customer.id, user_id=MEMBER.id,
        message_id=1, sent_at=now, day=now.date().isoformat(),
        line="Nhung: em gửi hồ sơ chiều nay", now=now)
    await storage.inbox.add(staff_id=lan.id, kind="note", now=now,
                            text="Phạm Thị Hồng Nhung: em gửi hồ sơ chiều nay nhé")
    await storage.inbox.add(staff_id=lan.id, kind="note", now=now, text="0908 765 432")
    await storage.inbox.add(staff_id=lan.id, kind="note", now=now, text="giữ lại ghi chú này")
    card_code = await storage.mycard.card_for(lan.id, "street", now)
    await storage.mycard.visit(card_code, MEMBER.id, now)
    # A search for them, and a second /add of the same person waiting for "same person?".
    await bot.send(lan, "/find hong nhung")
    asked = only_message(await bot.send(lan, "/add Phạm Thị Hồng Nhung 0908765432 hỏi vay"))
    assert "Open" in str(asked.buttons) or asked.buttons
    return customer


VALUES = ("Phạm Thị Hồng Nhung", "pham thi hong nhung", "908765432", "912000111",
          "Thiên Hương", "KH-778899", "thích trà sen", "730 triệu", "sao kê", "ph-big",
          "phí chuyển tiền quốc tế", "em gửi hồ sơ", "phàn nàn phí", "hoàn phí", "chị Nhung",
          "hỏi vay", "Hồng Nhung", "1986-03-12")


async def test_erasure_leaves_none_of_their_values_in_any_table_or_file(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await _customer_through_every_feature(bot, lan)
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "ca", customer.id, call=card)
    await press_action(bot, lan, "cd", customer.id, call=last_card(bot, lan))
    erased = await press_action(bot, lan, "cdx", customer.id)
    assert only_message(erased).text == tr("vi", "The customer's personal data was erased.")
    db = bot.storage.db
    if db.dialect == "sqlite":
        tables = [r[0] for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [r[0] for r in await db.fetch_all(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
    assert len(tables) > 30
    for table in tables:
        rows = [dict(r) for r in await db.fetch_all(f"SELECT * FROM {table}")]
        dump = json.dumps(rows, ensure_ascii=False, default=str)
        digits = "".join(ch for ch in dump if ch.isdigit())
        for value in VALUES:
            found = value in digits if value.isdigit() else value.casefold() in dump.casefold()
            assert not found, (table, value)
        # Their Telegram id is nowhere either.
        assert not any(v == MEMBER.id for row in rows for v in row.values()), table
    if db.dialect == "sqlite":
        path = Path(db.path)  # type: ignore[attr-defined]
        wal = path.with_name(path.name + "-wal")
        # Only what was written after the erasure is in the WAL (marking the update handled).
        assert not wal.exists() or wal.stat().st_size < 64 * 1024
        for file in (path, wal, path.with_name(path.name + "-shm")):
            raw = file.read_bytes() if file.exists() else b""
            for value in VALUES:
                assert value.encode() not in raw, (file.name, value)
        assert await db.fetch_value("PRAGMA secure_delete") == 1
    # What was not theirs stays.
    assert [item.text for item in await bot.storage.inbox.list_open(lan.id)] == [
        "giữ lại ghi chú này"]
    # The row stays, blank, for the counts; the other spouse keeps their file.
    assert await db.fetch_value("SELECT name FROM customers WHERE id = ?", (customer.id,)) == ""
    assert await bot.storage.customers.get(lan.id, customer.id) is None
