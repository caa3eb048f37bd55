import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.sealing import Sealer, SealError

KEY = bytes(range(32))


@given(st.text())
def test_a_sealed_value_opens_to_itself(text: str) -> None:
    sealer = Sealer(KEY)
    assert sealer.open(sealer.seal(text, "person.name"), "person.name") == text


def test_the_sealed_form_does_not_contain_the_value() -> None:
    sealed = Sealer(KEY).seal("120101199003071234", "person.doc")
    assert "1234" not in sealed and "120101" not in sealed


def test_sealing_twice_gives_different_ciphertexts() -> None:
    sealer = Sealer(KEY)
    assert sealer.seal("张三", "person.name") != sealer.seal("张三", "person.name")


def test_a_value_moved_to_another_column_does_not_open() -> None:
    sealer = Sealer(KEY)
    with pytest.raises(SealError):
        sealer.open(sealer.seal("张三", "person.name"), "person.phone")


def test_another_key_does_not_open_it() -> None:
    sealed = Sealer(KEY).seal("张三", "person.name")
    with pytest.raises(SealError):
        Sealer(bytes(32)).open(sealed, "person.name")


@given(st.text())
def test_garbage_only_raises_seal_error(garbage: str) -> None:
    with pytest.raises(SealError):
        Sealer(KEY).open(garbage, "person.name")


def test_lookup_keys_are_stable_and_keyed() -> None:
    one, other = Sealer(KEY), Sealer(bytes(32))
    assert one.lookup_key("resident_id:1") == one.lookup_key("resident_id:1")
    assert one.lookup_key("resident_id:1") != one.lookup_key("resident_id:2")
    assert one.lookup_key("resident_id:1") != other.lookup_key("resident_id:1")
