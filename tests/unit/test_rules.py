"""The rules engine and the default ruleset (docs/architecture.md), on a fixed clock in
Asia/Shanghai."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.ruleset_files
from bot.health.colors import Color
from bot.health.rules import (
    AuthorityRecord,
    Decision,
    Facts,
    Override,
    Place,
    Presence,
    Ruleset,
    RulesetError,
    Trip,
    case_failures,
    decide,
    load_ruleset,
    match_place,
)
from bot.ruleset_files import default_ruleset, default_ruleset_text, load_ruleset_file

RULES = default_ruleset()
TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2020, 3, 15)
NOW = datetime(2020, 3, 15, 9, 0, tzinfo=TZ)
MIDNIGHT = datetime(2020, 3, 16, 0, 0, tzinfo=TZ)  # the start of tomorrow, local time
RULE_FILES = sorted(Path(bot.ruleset_files.__file__).parent.glob("*.toml"))


def decision(now: datetime = NOW, **facts: object) -> Decision:
    return decide(Facts(**facts), now, RULES)  # type: ignore[arg-type]


def ids(d: Decision) -> list[str]:
    return [reason.rule_id for reason in d.reasons]


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def trip(place: str, ago: int) -> Trip:
    return Trip(place, days_ago(ago))


def presence(tier: str, ago: int) -> Presence:
    return Presence(120101, "和平区", "Heping District", tier, days_ago(ago))


def record(status: str, since: int, until: date | None = None) -> AuthorityRecord:
    return AuthorityRecord(status, days_ago(since), until)


def override(color: Color, until: datetime = MIDNIGHT + timedelta(days=3)) -> Override:
    return Override(color, until, "复核结论", "Reviewed")


# --- every condition -----------------------------------------------------------------------------


def test_no_facts_is_green_with_the_temperature_advice() -> None:
    d = decision()
    assert (d.color, ids(d), d.valid_until) == (Color.GREEN, ["no_risk"], None)
    assert "体温正常" in d.reasons[0].zh and "temperature" in d.reasons[0].en


def test_declared_contact_is_red_with_no_end() -> None:
    d = decision(contact=True)
    assert (d.color, ids(d), d.valid_until) == (Color.RED, ["contact"], None)


@pytest.mark.parametrize("symptoms", [{"fever"}, {"cough"}, {"fever", "cough"}])
def test_a_symptom_today_is_orange(symptoms: set[str]) -> None:
    d = decision(symptoms=frozenset(symptoms))
    assert (d.color, ids(d)) == (Color.ORANGE, ["symptoms"])


@pytest.mark.parametrize(
    ("temperature", "color"),
    [
        (None, Color.GREEN),
        (36.5, Color.GREEN),
        (37.2, Color.GREEN),
        (37.3, Color.ORANGE),
        (39.0, Color.ORANGE),
    ],
)
def test_temperature_from_37_3_is_orange(temperature: float | None, color: Color) -> None:
    assert decision(temperature=temperature).color is color


def test_a_return_from_a_listed_place_is_orange_and_names_it_in_both_languages() -> None:
    d = decision(trips=(trip("湖北省武汉市", 3),))
    assert (d.color, ids(d)) == (Color.ORANGE, ["high_risk_return"])
    assert "武汉" in d.reasons[0].zh and "Wuhan" in d.reasons[0].en


@pytest.mark.parametrize("place", ["北京", "上海", "Beijing"])
def test_a_return_from_elsewhere_is_green_with_the_temperature_reminder(place: str) -> None:
    d = decision(trips=(trip(place, 3),))
    assert (d.color, ids(d)) == (Color.GREEN, ["other_return"])
    assert "体温" in d.reasons[0].zh and "temperature" in d.reasons[0].en
    assert place in d.reasons[0].zh


@pytest.mark.parametrize(
    ("tier", "color"), [("high", Color.ORANGE), ("medium", Color.GREEN), ("low", Color.GREEN)]
)
def test_presence_in_a_high_tier_district_is_orange(tier: str, color: Color) -> None:
    d = decision(presences=(presence(tier, 2),))
    assert d.color is color
    if color is Color.ORANGE:
        assert "和平区" in d.reasons[0].zh and "Heping District" in d.reasons[0].en


@pytest.mark.parametrize(
    ("status", "color", "rule"),
    [
        ("confirmed", Color.RED, "authority_confirmed"),
        ("suspected", Color.RED, "authority_suspected"),
        ("close_contact", Color.RED, "authority_close_contact"),
        ("quarantine", Color.ORANGE, "authority_quarantine"),
        ("recovered", Color.GREEN, "no_risk"),
        ("cleared", Color.GREEN, "no_risk"),
    ],
)
def test_authority_statuses(status: str, color: Color, rule: str) -> None:
    d = decision(authority=(record(status, 5),))
    assert (d.color, ids(d)) == (color, [rule])


def test_a_later_recovery_ends_a_case_but_an_earlier_one_does_not() -> None:
    recovered = decision(authority=(record("confirmed", 20), record("recovered", 2)))
    reinfected = decision(authority=(record("recovered", 20), record("confirmed", 2)))
    assert (recovered.color, reinfected.color) == (Color.GREEN, Color.RED)


def test_a_clearance_dated_in_the_future_ends_the_record_on_that_day() -> None:
    d = decision(
        authority=(record("suspected", 1), AuthorityRecord("cleared", TODAY + timedelta(days=2)))
    )
    assert d.color is Color.RED
    assert d.valid_until == datetime(2020, 3, 17, tzinfo=TZ)


def test_a_quarantine_without_an_end_lasts_until_further_notice() -> None:
    d = decision(authority=(record("quarantine", 3),))
    assert (d.color, d.valid_until) == (Color.ORANGE, None)
    assert "另行通知" in d.reasons[0].zh and "further notice" in d.reasons[0].en


def test_a_quarantine_counts_through_its_last_day() -> None:
    on_last_day = decision(authority=(record("quarantine", 13, until=TODAY),))
    assert (on_last_day.color, on_last_day.valid_until) == (Color.ORANGE, MIDNIGHT)
    assert "2020-03-15" in on_last_day.reasons[0].zh
    assert "the end of 2020-03-15" in on_last_day.reasons[0].en
    assert (
        decision(MIDNIGHT, authority=(record("quarantine", 13, until=TODAY),)).color is Color.GREEN
    )


def test_a_quarantine_ending_at_an_instant_ends_then_not_at_midnight() -> None:
    evening = datetime(2020, 3, 15, 18, 0, tzinfo=TZ)
    record_ = AuthorityRecord("quarantine", NOW - timedelta(days=13), evening)
    before = decision(authority=(record_,))
    assert (before.color, before.valid_until) == (Color.ORANGE, evening)
    assert "2020-03-15 18:00" in before.reasons[0].zh and "18:00" in before.reasons[0].en
    assert decision(evening - timedelta(seconds=1), authority=(record_,)).color is Color.ORANGE
    assert decision(evening, authority=(record_,)).color is Color.GREEN


def test_a_clearance_at_an_instant_ends_the_records_before_it_from_then() -> None:
    cleared_at = datetime(2020, 3, 15, 8, 30, tzinfo=TZ)
    records = (
        AuthorityRecord("suspected", days_ago(2)),
        AuthorityRecord("cleared", cleared_at),
    )
    assert decision(cleared_at - timedelta(minutes=1), authority=records).color is Color.RED
    assert decision(NOW, authority=records).color is Color.GREEN
    # a record made after the clearance is not ended by it
    later = (*records, AuthorityRecord("suspected", cleared_at + timedelta(minutes=5)))
    assert decision(NOW, authority=later).color is Color.RED


# --- combining -----------------------------------------------------------------------------------


def test_the_worst_colour_wins_and_its_reasons_come_first() -> None:
    d = decision(symptoms=frozenset({"fever"}), trips=(trip("武汉", 2),), contact=True)
    assert d.color is Color.RED
    assert ids(d) == ["contact", "symptoms", "high_risk_return"]


def test_green_advice_never_sits_on_an_orange_code() -> None:
    d = decision(trips=(trip("武汉", 2), trip("北京", 1)))
    assert (d.color, ids(d)) == (Color.ORANGE, ["high_risk_return"])


def test_every_reason_is_filled_in_both_languages() -> None:
    facts = {
        "contact": True,
        "symptoms": frozenset({"cough"}),
        "temperature": 38.0,
        "trips": (trip("Wuhan", 1),),
        "presences": (presence("high", 1),),
        "authority": (record("quarantine", 1, until=TODAY), record("close_contact", 1)),
    }
    d = decision(**facts)
    assert len(d.reasons) == 7
    for reason in d.reasons:
        assert reason.zh and reason.en and reason.zh != reason.en
        assert "{" not in reason.zh + reason.en
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in reason.en)  # no Chinese in English


def test_the_decision_records_the_rules_version() -> None:
    assert decision().rules_version == RULES.version == "r1"


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(Facts(), datetime(2020, 3, 15, 9), RULES)


def test_unknown_symptoms_are_refused() -> None:
    with pytest.raises(ValueError, match="symptoms"):
        Facts(symptoms=frozenset({"headache"}))


# --- overrides: they set the colour while they last, but cannot lower red ---------------------


def test_an_override_raises_green() -> None:
    d = decision(override=override(Color.ORANGE))
    assert (d.color, ids(d), d.valid_until) == (
        Color.ORANGE,
        ["override"],
        MIDNIGHT + timedelta(days=3),
    )
    assert "复核结论" in d.reasons[0].zh and "Reviewed" in d.reasons[0].en


def test_an_override_lowers_orange_and_hides_the_orders_it_replaces() -> None:
    d = decision(trips=(trip("武汉", 2),), override=override(Color.GREEN))
    assert (d.color, ids(d)) == (Color.GREEN, ["override", "other_return"])


@pytest.mark.parametrize("facts", [{"contact": True}, {"authority": (record("confirmed", 3),)}])
def test_an_override_cannot_lower_red(facts: dict[str, object]) -> None:
    for color in (Color.GREEN, Color.ORANGE):
        d = decision(**facts, override=override(color))
        assert d.color is Color.RED
        assert "override" not in ids(d)[:1]


def test_an_override_can_raise_to_red() -> None:
    assert decision(trips=(trip("武汉", 2),), override=override(Color.RED)).color is Color.RED


def test_an_ended_override_no_longer_counts() -> None:
    ended = override(Color.RED, until=NOW)
    assert decision(override=ended).color is Color.GREEN


# --- valid_until: the next moment the decision changes by itself ------------------------------


@pytest.mark.parametrize(
    ("facts", "until"),
    [
        ({"trips": (trip("武汉", 3),)}, datetime(2020, 3, 27, tzinfo=TZ)),
        ({"trips": (trip("北京", 3),)}, datetime(2020, 3, 27, tzinfo=TZ)),
        ({"presences": (presence("high", 10),)}, datetime(2020, 3, 20, tzinfo=TZ)),
        (
            {"authority": (record("quarantine", 10, until=TODAY + timedelta(days=4)),)},
            datetime(2020, 3, 20, tzinfo=TZ),
        ),
        ({"override": override(Color.ORANGE)}, MIDNIGHT + timedelta(days=3)),
    ],
)
def test_valid_until_of_each_time_bound_rule(facts: dict[str, object], until: datetime) -> None:
    d = decision(**facts)
    assert d.valid_until == until
    assert decision(until - timedelta(microseconds=1), **facts) == d
    assert decision(until, **facts) != d


def test_valid_until_is_the_earliest_end_and_a_longer_trip_names_the_reason() -> None:
    d = decision(
        trips=(trip("黄冈", 10), trip("武汉", 2)),
        authority=(record("quarantine", 5, until=TODAY + timedelta(days=1)),),
    )
    assert d.valid_until == MIDNIGHT + timedelta(days=1)
    assert "武汉" in d.reasons[-1].zh


@pytest.mark.parametrize("case", [c for c in RULES.cases if c.valid_until], ids=lambda c: c.name)
def test_valid_until_of_the_default_cases_is_exact(case) -> None:  # type: ignore[no-untyped-def]
    before = decide(case.facts, case.valid_until - timedelta(microseconds=1), RULES)
    after = decide(case.facts, case.valid_until, RULES)
    assert before.color is case.expect
    assert after != before


# --- the 14-day boundary in local time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("ago", "color"), [(0, Color.ORANGE), (13, Color.ORANGE), (14, Color.ORANGE), (15, Color.GREEN)]
)
def test_a_return_counts_for_14_days_after_the_return_day(ago: int, color: Color) -> None:
    assert decision(trips=(trip("武汉", ago),)).color is color


@pytest.mark.parametrize(("ago", "color"), [(14, Color.ORANGE), (15, Color.GREEN)])
def test_presence_counts_for_14_days_after_the_last_day_seen(ago: int, color: Color) -> None:
    assert decision(presences=(presence("high", ago),)).color is color


@pytest.mark.parametrize(
    ("now", "color"),
    [
        (datetime(2020, 3, 15, 23, 59, 59, tzinfo=TZ), Color.ORANGE),
        (MIDNIGHT, Color.GREEN),
        # The same two moments in UTC: the day is the local one, not the UTC date (still the 15th).
        (datetime(2020, 3, 15, 15, 59, 59, tzinfo=UTC), Color.ORANGE),
        (datetime(2020, 3, 15, 16, 0, 0, tzinfo=UTC), Color.GREEN),
    ],
)
def test_the_day_boundary_is_midnight_in_asia_shanghai(now: datetime, color: Color) -> None:
    assert decision(now, trips=(Trip("武汉", date(2020, 3, 1)),)).color is color


# --- place names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("武汉", "武汉"),
        ("武汉市", "武汉"),
        ("  武汉市 ", "武汉"),
        ("湖北武汉", "武汉"),
        ("湖北省武汉市", "武汉"),
        ("武汉市江岸区", "武汉"),
        ("中国湖北省武汉市", "武汉"),
        ("Wuhan", "武汉"),
        ("WUHAN", "武汉"),
        ("wuhan city", "武汉"),
        ("Ｗｕｈａｎ", "武汉"),
        ("Wuhan, Hubei", "武汉"),
        ("湖北", "湖北"),
        ("湖北省", "湖北"),
        ("Hubei Province", "湖北"),
        ("恩施土家族苗族自治州", "恩施"),
        ("恩施州", "恩施"),
        ("神农架林区", "神农架"),
        ("Hubei Shiyan", "十堰"),
        ("黄冈地区", "黄冈"),
    ],
)
def test_listed_places_match_however_written(text: str, zh: str) -> None:
    found = match_place(text, RULES.high_risk)
    assert found is not None and found.zh == zh


@pytest.mark.parametrize("text", ["北京", "上海", "湖南", "Dezhou", "Huangshan", "芜湖", "", "   "])
def test_other_places_do_not_match(text: str) -> None:
    assert match_place(text, RULES.high_risk) is None


def test_a_bare_name_in_the_file_is_its_own_english_name() -> None:
    assert match_place("Ｍｙｔｏｗｎ 市", (Place("Mytown", "Mytown"),)) == Place("Mytown", "Mytown")


UNRELATED = [
    "北京", "上海", "天津", "广州", "深圳", "重庆", "长沙", "郑州", "南京", "杭州", "黄山", "芜湖",
    "乌海", "宜春", "咸阳", "德州", "湖南", "河北", "河南", "滨海新区", "和平区",
    "Beijing", "Shanghai", "Tianjin", "Guangzhou", "Shenzhen", "Changsha", "Zhengzhou",
    "Nanjing", "Hangzhou", "Huangshan", "Wuhu", "Wuhai", "Yichun", "Xianyang", "Dezhou",
    "Hunan", "Hebei", "Henan", "Suzhou", "Tianshui", "Jingdezhen",
]  # fmt: skip
BLANKS = st.text(alphabet=" \t\u3000", max_size=3)


def full_width(text: str) -> str:
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


@st.composite
def decorated(draw: st.DrawFn, name: str, prefixes: list[str]) -> str:
    if name.isascii():
        name = "".join(ch.upper() if draw(st.booleans()) else ch for ch in name)
        prefix = draw(st.sampled_from([p for p in prefixes if p.isascii()]))
        suffix = draw(st.sampled_from(["", " City", " Prefecture", " Province"]))
    else:
        prefix = draw(st.sampled_from([p for p in prefixes if not p.isascii()]))
        suffix = draw(st.sampled_from(["", "市", "省", "地区", "自治州", "林区"]))
    text = draw(BLANKS) + prefix + name + suffix + draw(BLANKS)
    return full_width(text) if draw(st.booleans()) else text


@given(st.data(), st.sampled_from(RULES.high_risk))
def test_decorated_listed_names_still_match(data: st.DataObject, place: Place) -> None:
    name = data.draw(st.sampled_from([place.zh, place.en]))
    text = data.draw(decorated(name, ["", "湖北", "湖北省", "中国", "Hubei ", "China "]))
    assert match_place(text, RULES.high_risk) == place


@given(st.data(), st.sampled_from(UNRELATED))
def test_unrelated_names_never_match(data: st.DataObject, name: str) -> None:
    text = data.draw(decorated(name, ["", "中国", "China "]))
    assert match_place(text, RULES.high_risk) is None


# --- ruleset files and their cases ---------------------------------------------------------------


def _file_cases() -> list[object]:
    return [
        pytest.param(ruleset, case, id=f"{path.name}: {case.name}")
        for path in RULE_FILES
        for ruleset in [load_ruleset_file(path)]
        for case in ruleset.cases
    ]


@pytest.mark.parametrize(("ruleset", "case"), _file_cases())
def test_every_case_of_every_ruleset_file(ruleset: Ruleset, case) -> None:  # type: ignore[no-untyped-def]
    d = decide(case.facts, case.now, ruleset)
    assert d.color is case.expect
    assert case.rule in ids(d)
    if case.check_valid_until:
        assert d.valid_until == case.valid_until


def test_the_default_ruleset_ships_a_case_for_every_rule() -> None:
    assert RULE_FILES and {c.rule for c in RULES.cases} >= {r.id for r in RULES.rules}
    assert case_failures(RULES) == []


def test_the_default_ruleset_is_the_package_file() -> None:
    assert load_ruleset(default_ruleset_text()) == RULES
    assert RULES.effective_from == datetime(2020, 3, 1, tzinfo=TZ)
    assert RULES.timezone == "Asia/Shanghai"
    assert [p.zh for p in RULES.high_risk[:2]] == ["湖北", "武汉"] and len(RULES.high_risk) == 18
    assert RULES.is_effective(NOW) and not RULES.is_effective(datetime(2020, 2, 29, tzinfo=TZ))


def test_a_case_that_the_rules_contradict_is_reported() -> None:
    broken = replace(RULES, cases=(replace(RULES.cases[1], expect=Color.GREEN),))
    assert len(case_failures(broken)) == 1


MINIMAL = """
version = "t-1"
effective_from = 2020-03-01T00:00:00+08:00
timezone = "Asia/Shanghai"

[places]
high_risk = ["湖北"]

[fallback]
id = "no_risk"
reason_zh = "未发现风险"
reason_en = "No risk found."

[[rule]]
id = "contact"
when = { declared_contact = true }
color = "red"
reason_zh = "接触"
reason_en = "Contact"

[[case]]
name = "contact"
rule = "contact"
now = 2020-03-10T09:00:00+08:00
facts = { contact = true }
expect = "red"

[[case]]
name = "nothing"
rule = "no_risk"
now = 2020-03-10T09:00:00+08:00
expect = "green"
valid_until = "none"
"""


def test_the_minimal_ruleset_loads(tmp_path: Path) -> None:
    path = tmp_path / "minimal.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    ruleset = load_ruleset_file(path)
    assert (ruleset.version, [r.id for r in ruleset.rules]) == ("t-1", ["contact"])
    assert ruleset.high_risk == (Place("湖北", "湖北"),)


WHEN = "when = { declared_contact = true }"
FACTS = "facts = { contact = true }"
FIRST_CASE = '[[case]]\nname = "contact"'


def with_facts(more: str) -> str:
    return "facts = { contact = true, " + more + " }"


def another_rule(rule_id: str, when: str) -> str:
    rule = f'[[rule]]\nid = "{rule_id}"\nwhen = {when}\ncolor = "red"\n'
    return rule + 'reason_zh = "另一条"\nreason_en = "Another"\n\n' + FIRST_CASE


BAD_FILES = [
    (WHEN, "when = { declared_contact = true, wears_mask = false }", "wears_mask"),
    ('color = "red"', 'color = "purple"', "colour"),
    ('color = "red"\n', "", "color is missing"),
    ('version = "t-1"', 'version = "a-version-far-too-long"', "version"),
    ('version = "t-1"', 'version = "规则一"', "version"),
    ('version = "t-1"', "", "version is missing"),
    ("+08:00\ntimezone", "\ntimezone", "offset"),
    ('"Asia/Shanghai"', '"Mars/Olympus"', "timezone"),
    ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"\nauthor = "me"', "author"),
    ('reason_zh = "接触"', 'reason_zh = "从{place}返回"', "{place}"),
    ('reason_en = "Contact"', 'reason_en = "Contact {0}"', "{0}"),
    ('reason_en = "Contact"', 'reason_en = "Contact {"', "template"),
    ('rule = "contact"', 'rule = "kontakt"', "kontakt"),
    ('expect = "red"', 'expect = "orange"', "expected orange"),
    (FACTS, with_facts("mood = 1"), "mood"),
    (FACTS, "facts = { contact = 1 }", "bool"),
    (FACTS, with_facts('symptoms = ["headache"]'), "symptoms"),
    (FACTS, with_facts('trips = [{ place = "X", returned_on = 2020-03-01T08:00:00Z }]'), "date"),
    (FACTS, with_facts('authority = [{ status = "sick", since = 2020-03-01 }]'), "sick"),
    (WHEN, "when = {}", "at least one condition"),
    (WHEN, 'when = { symptom_any = ["headache"] }', "symptom_any"),
    (WHEN, 'when = { presence_in_tier = "high" }', "within_days"),
    (WHEN, 'when = { presence_in_tier = "extreme", within_days = 1 }', "tier"),
    (WHEN, 'when = { authority_status_any = ["cleared"] }', "authority_status_any"),
    (WHEN, "when = { returned_within_days = -1 }", "day counts"),
    (WHEN, "when = { returned_within_days = true }", "int"),
    (WHEN, "when = { override = false }", "override"),
    (WHEN, "when = { override = true }", "takes its colour"),
    ('high_risk = ["湖北"]', "high_risk = [1]", "neither a name"),
    (FIRST_CASE, another_rule("contact", "{ declared_contact = true }"), "unique"),
    (FIRST_CASE, another_rule("fever", '{ symptom_any = ["fever"] }'), "none for: fever"),
    ("[places]", "[places", "TOML"),
]


@pytest.mark.parametrize(("old", "new", "complaint"), BAD_FILES)
def test_a_bad_file_is_a_ruleset_error(old: str, new: str, complaint: str) -> None:
    assert old in MINIMAL
    with pytest.raises(RulesetError, match=complaint.replace("{", r"\{").replace("(", r"\(")):
        load_ruleset(MINIMAL.replace(old, new, 1))
