"""/pipeline (handlers/pipeline.py): customers per sales stage, and each stage's list in pages."""

from __future__ import annotations

from core.i18n import _, active, ngettext
from domain.customers import STAGES
from tests.conftest import NOW
from tests.customers import (
    CARD_ACTIONS,
    HCM,
    SHANGHAI,
    actions,
    labels,
    make_rm,
    press_action,
    result_ids,
    seed,
)
from tests.harness import Harness, only_message, tr

# -- pipeline ----------------------------------------------------------------------------------


async def test_pipeline_counts_per_stage(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    empty = only_message(await bot.send(wei, "/pipeline"))
    assert tr("zh_Hans", "No customers yet. Add the first one with /add.") in empty.text
    stages = ["find", "find", "find", "consult", "consult", "won"]
    for index, stage in enumerate(stages):
        customer = await seed(bot, wei, f"客户{index}", region="CN")
        await bot.storage.customers.set_stage(wei.id, customer.id, stage, None, NOW)
    archived = await seed(bot, wei, "已归档客户", region="CN")
    await bot.storage.customers.set_archived(wei.id, archived.id, True, NOW)
    shown_pipeline = only_message(await bot.send(wei, "/pipeline"))
    counts = {"find": 3, "consult": 2, "won": 1}
    with active("zh_Hans", SHANGHAI):
        expected = [_("<b>Your pipeline</b>")] + [
            f"{_(label)}：<b>"
            + ngettext("{count} customer", "{count} customers", counts.get(stage, 0)).format(
                count=counts.get(stage, 0)) + "</b>" for stage, label in STAGES.items()]
        assert shown_pipeline.text == "\n".join(expected)
        assert labels(shown_pipeline) == [f"{_(STAGES[s])}（{n}）" for s, n in counts.items()]


async def test_stage_list_pages(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    for index in range(10):
        customer = await seed(bot, mei, f"跟進客戶{index}", f"+8490000000{index}")
        await bot.storage.customers.set_stage(mei.id, customer.id, "follow", None, NOW)
    pipeline = only_message(await bot.send(mei, "/pipeline"))
    first = only_message(await press_action(bot, mei, "pl", "follow", 0, call=pipeline))
    with active("zh_Hant_TW", HCM):
        assert first.text == _("<b>{stage}</b>: {count}").format(stage=_(STAGES["follow"]),
                                                                 count=10)
        previous, following = _("◀ Previous"), _("Next ▶")
    assert len(result_ids(first)) == 8 and labels(first)[-1] == following
    second = only_message(await bot.press(mei, following, call=first))
    assert len(result_ids(second)) == 2 and labels(second)[-1] == previous
    assert set(result_ids(first)).isdisjoint(result_ids(second))
    opened = only_message(await bot.press_data(mei, second.buttons[0][1], second))
    assert actions(opened) == CARD_ACTIONS
