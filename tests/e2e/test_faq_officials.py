"""What residents ask and the FAQ does not answer, as officials see it: kept masked and
sealed, counted on the console, gone after the retention days; and ``faq check``."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.services.faq.questions import most_asked
from bot.services.housekeeping.retention import delete_expired_records
from bot.services.runtime import Runtime
from models.faq import UnansweredQuestion
from tests.support.cli import run_bot
from tests.support.clock import FakeClock
from tests.support.console import dashboard, sign_in
from tests.support.wechat_user import WeChatUser

VALID_ID = "11010519491231002X"
QUESTIONS = Path(__file__).parents[1] / "data" / "faq_questions.tsv"


async def test_an_unanswered_question_is_kept_masked_sealed_and_once_per_message(
    resident: WeChatUser, runtime: Runtime
) -> None:
    text = f"我的身份证{VALID_ID}，电话13812345678，能打疫苗吗"
    await resident.say(text, msg_id=77)
    await resident.say(text, msg_id=77)  # WeChat's retry of the same message
    kept = await UnansweredQuestion.get()
    assert VALID_ID not in kept.text_sealed and "13812345678" not in kept.text_sealed
    assert (kept.channel, kept.lang) == ("wechat", "zh")
    [asked] = await most_asked(runtime, 10)
    assert asked.text == "我的身份证1101**********002X，电话138****5678，能打疫苗吗"
    assert asked.count == 1


async def test_answered_questions_and_texts_without_words_are_not_kept(
    resident: WeChatUser,
) -> None:
    await resident.say("截图的绿码能用吗")
    await resident.say("12345")
    assert await UnansweredQuestion.all().count() == 0
    await resident.say("申领")
    await resident.say("张三")  # an answer, not a question
    await resident.say("你好吗？")  # a question at the next step that the FAQ cannot answer
    assert await UnansweredQuestion.all().count() == 1


async def test_the_console_shows_the_unanswered_questions_counted(
    client: TestClient,
    resident: WeChatUser,
    official: str,
) -> None:
    for _ in range(3):
        await resident.say("口罩去哪里买")
    await resident.say("今天天气怎么样")
    await resident.say("截图的绿码能用吗")  # answered: not shown
    assert (await sign_in(client, official)).status == 303
    html, _csrf = await dashboard(client)
    section = html[html.index('id="questions"') :]
    assert "口罩去哪里买" in section and "今天天气怎么样" in section
    assert "截图的绿码能用吗" not in section
    assert '<td class="n">3</td>' in section and '<td class="n">1</td>' in section
    assert section.index("口罩去哪里买") < section.index("今天天气怎么样")  # most asked first


async def test_questions_are_deleted_after_the_retention_days(
    resident: WeChatUser, runtime: Runtime, clock: FakeClock
) -> None:
    await resident.say("口罩去哪里买")
    clock.advance(days=runtime.settings.schedules.retention_days - 1)
    await resident.say("疫苗什么时候能打")
    clock.advance(days=2)
    done = await delete_expired_records(runtime)
    assert done.questions == 1
    [left] = await most_asked(runtime, 10)
    assert left.text == "疫苗什么时候能打"


def test_faq_check_prints_the_accuracy_of_a_questions_file(tmp_path: Path) -> None:
    done = run_bot(
        "faq", "check", str(QUESTIONS), data_dir=tmp_path, database_url="sqlite://:memory:"
    )
    assert done.returncode == 0, done.stderr
    assert "answerable:" in done.stdout and "got the right entry" in done.stdout
    assert "beyond the FAQ:" in done.stdout


def test_faq_check_fails_a_faq_that_answers_badly_and_names_a_bad_file(tmp_path: Path) -> None:
    few = tmp_path / "few.tsv"
    few.write_text("expected\tquestion\nwhat_is_it\t口罩去哪里买\n-\t截图的绿码能用吗\n", "utf-8")
    done = run_bot("faq", "check", str(few), data_dir=tmp_path, database_url="sqlite://:memory:")
    assert done.returncode == 1
    assert "0 of 1 got the right entry" in done.stdout and "line 2" in done.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("expected\tquestion\nno_such\t口罩\n", "utf-8")
    done = run_bot("faq", "check", str(bad), data_dir=tmp_path, database_url="sqlite://:memory:")
    assert done.returncode == 2 and "no entry 'no_such'" in done.stderr
