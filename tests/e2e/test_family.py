"""家人代办, 切换, 解除代办, English and location hints, through signed WeChat messages."""

from __future__ import annotations

from bot.app_state import CODEC
from models.code import HealthCode
from models.declaration import Declaration
from models.person import Account, Guardianship, Person
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.family import HEALTHY, add_family, member_answers, registered
from tests.support.ids import AUNT, CHILD, FATHER, MOTHER
from tests.support.transfers import issue_in_chat, redeem_in_chat
from tests.support.wechat_user import WeChatUser


async def test_a_family_member_gets_their_own_code(client) -> None:
    parent = await registered(client, "o-parent")
    reply = await add_family(parent, "3", "张小宝", CHILD)
    assert "已为 张*宝 提交申报" in reply and "绿码" in reply and "/c/" in reply
    link = await Guardianship.get()
    assert link.relation == "child"
    assert await HealthCode.filter(person_id=link.member_id, color="green").exists()
    assert await Declaration.filter(person_id=link.member_id).count() == 1
    child = await Person.get(id=link.member_id)
    assert child.phone_sealed is None and not await Account.filter(person_id=child.id).exists()


async def test_the_phone_is_optional_and_checked_when_given(client) -> None:
    parent = await registered(client, "o-parent")
    await parent.say("代办")
    await parent.converse("2", "张奶奶", "1", MOTHER)
    assert "手机号码" in await parent.say("12345")
    assert "【5/9】" in await parent.say("0")


async def test_the_fourth_family_member_is_refused(client) -> None:
    user = await registered(client, "o-busy")
    await add_family(user, "3", "张小宝", CHILD)
    await add_family(user, "2", "李奶奶", MOTHER)
    await add_family(user, "2", "张爷爷", FATHER)
    refused = await user.say("代办")
    assert "最多可为 3 位家人" in refused and "解除代办" in refused
    assert await Guardianship.all().count() == 3


async def test_the_limit_counts_every_account_of_the_acting_person(client) -> None:
    user = await registered(client, "o-phone-1")
    for relation, name, doc in (
        ("3", "张小宝", CHILD),
        ("2", "李奶奶", MOTHER),
        ("2", "张爷爷", FATHER),
    ):
        await add_family(user, relation, name, doc)
    # the same person on a second account (same name, document and phone claims the record)
    second = await registered(client, "o-phone-2")
    assert "最多可为 3 位家人" in await second.say("代办")


async def test_both_parents_are_linked_to_one_child(client) -> None:
    mother = await registered(client, "o-mother", "李梅", MOTHER, "13900000001")
    father = await registered(client, "o-father", "张伟", FATHER, "13900000002")
    await add_family(mother, "3", "张小宝", CHILD)
    code = await issue_in_chat(mother, "1", "2")  # the child; add a guardian
    assert "已添加：您现在为 张*宝（子女）代办" in await redeem_in_chat(father, code, "3")
    child_ids = set(await Guardianship.all().values_list("member_id", flat=True))
    assert len(child_ids) == 1 and await Guardianship.all().count() == 2
    assert await Person.all().count() == 3
    await father.say("切换")
    await father.say("1")
    assert (await father.say("亮码")).startswith("正在出示：张*宝（子女）")


async def test_a_known_document_joins_no_family_by_name_whatever_the_name(client) -> None:
    """The second parent's own 代办 is refused, with the same words for the right name and a
    wrong one: a document number does not tell whether, or under which name, it is known."""
    mother = await registered(client, "o-mother", "李梅", MOTHER, "13900000001")
    father = await registered(client, "o-father", "张伟", FATHER, "13900000002")
    await add_family(mother, "3", "张小宝", CHILD)
    answers = []
    for name in ("王小宝", "张小宝"):
        await father.say("代办")
        await father.converse("3", *member_answers(name, CHILD))
        answers.append(await father.say("1"))
    assert answers[0] == answers[1] and "交接码" in answers[0], answers
    assert await Guardianship.all().count() == 1


async def test_switching_chooses_whose_code_is_shown(client) -> None:
    user = await registered(client, "o-switch")
    await add_family(user, "2", "李奶奶", MOTHER)
    menu = await user.say("切换")
    assert "0 张*（本人）" in menu and "1 李*奶（父母）" in menu and "绿码" in menu
    assert "已切换到 李*奶" in await user.say("1")
    shown = await user.say("亮码")
    assert shown.startswith("正在出示：李*奶（父母）")
    await user.say("切换")
    await user.say("0")
    assert (await user.say("亮码")).startswith("正在出示：张*（本人）")


async def test_apply_after_switching_declares_for_the_member(client) -> None:
    user = await registered(client, "o-switch")
    await add_family(user, "2", "李奶奶", MOTHER)
    await user.say("切换")
    await user.say("1")
    assert "上次申报的个人信息" in await user.say("申领")
    await user.converse("3", "李奶奶", "1", MOTHER, "0", "1", "1", "2", "1")
    reply = await user.say("1")
    assert "已为 李*奶 提交申报" in reply and "橙码" in reply
    grandma = await Person.get(id=(await Guardianship.get()).member_id)
    assert (await HealthCode.get(person_id=grandma.id)).color == "orange"


async def test_a_member_takes_over_their_record_and_the_family_can_still_show_it(client) -> None:
    son = await registered(client, "o-son")
    await add_family(son, "2", "李奶奶", MOTHER)
    code = await issue_in_chat(son, "1", "1")  # grandma; hand over
    grandma = WeChatUser(client, client.app[CODEC], "o-grandma")
    assert "交接完成" in await redeem_in_chat(grandma, code, "1")
    await declare(grandma, ["李奶奶", "1", MOTHER, "13700000000", *HEALTHY])
    member = await Person.get(id=(await Guardianship.get()).member_id)
    assert await Account.filter(openid="o-grandma", person_id=member.id).exists()
    assert "李*奶 的健康码" in await grandma.say("亮码")
    await son.say("切换")
    await son.say("1")
    assert "李*奶 的健康码" in await son.say("亮码")
    assert "已用自己的微信申领" in await son.say("申领")  # said before any question


async def test_removing_a_member_removes_the_right_to_show_their_code(client) -> None:
    user = await registered(client, "o-remove")
    await add_family(user, "2", "李奶奶", MOTHER)
    await user.say("切换")
    await user.say("1")
    menu = await user.say("解除代办")
    assert "1 李*奶（父母）" in menu
    assert "已解除对 李*奶 的代办" in await user.say("1")
    assert (await user.say("亮码")).startswith("正在出示：张*（本人）")
    assert "还没有代办的家人" in await user.say("切换")


async def test_access_stops_at_the_family(client) -> None:
    """An account sees only its own person and the members it acts for."""
    first = await registered(client, "o-first")
    await add_family(first, "2", "李奶奶", MOTHER)
    stranger = await registered(client, "o-stranger", "王五", AUNT, "13600000000")
    menu = await stranger.say("切换")
    assert "李*奶" not in menu and "还没有代办的家人" in menu
    assert "李*奶" not in await stranger.say("亮码")


async def test_english_end_to_end(client, runtime) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-english")
    assert "Language set to English" in await user.say("English")
    assert "[1/9]" in await user.say("apply")
    replies = await user.converse("Zhang San", "1", GREEN_ANSWERS[2][:-1] + "1")
    assert "check digit" in replies[-1]
    replies = await user.converse(GREEN_ANSWERS[2], "13812345678", "Heping", "2", "Wuhan")
    assert "On what date" in replies[-1]
    today = runtime.now().astimezone(runtime.ruleset.tz).date().isoformat()
    replies = await user.converse(today, "1", "1")
    assert "Please check your declaration" in replies[-1] and "Heping" in replies[-1]
    done = await user.say("1")
    assert "Orange code" in done and "Wuhan" in done and "?lang=en" in done
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in done.replace("张", ""))
    link = done.split("testserver")[1].split()[0]
    page = await (await client.get(link)).text()
    assert 'lang="en"' in page and "Orange" in page
    menu = await user.say("switch")
    assert "no family" in menu.lower() or "do not act" in menu


async def test_the_location_notice_is_shown_and_the_declaration_accepted(client) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-traveller")
    assert await user.location(40.046, 117.408) == ""  # near 蓟州区, far from 和平区
    await user.say("申领")
    replies = await user.converse("张三", "1", GREEN_ANSWERS[2], "13812345678", "1", *HEALTHY[1:])
    assert "与手机定位相距约" in replies[-1] and "不会影响健康码结果" in replies[-1]
    assert "申报已提交" in await user.say("1")
    account = await Account.get(openid="o-traveller")
    assert account.location_sealed and "40.04" not in account.location_sealed


async def test_no_notice_when_the_position_is_inside_the_district(client) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-local")
    await user.location(39.12, 117.20)
    await user.say("申领")
    replies = await user.converse("张三", "1", GREEN_ANSWERS[2], "13812345678", "1", *HEALTHY[1:])
    assert "定位" not in replies[-1]
