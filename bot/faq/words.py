"""The words of a question, as the matcher compares them: Chinese cut into words by jieba
(rjieba, jieba's dictionary and algorithm in Rust), English split and lightly stemmed; every
variant a region lists read as its canonical word; particles and pronouns dropped."""

from __future__ import annotations

import re
import unicodedata

import rjieba

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# a word the segmenter must keep whole, whatever its dictionary says (terms of the service)
_SERVICE_WORDS = ("健康码", "绿码", "橙码", "红码", "家人代办", "居家医学观察", "交接码", "小程序")
_FORCED = 200_000  # a frequency above any of the dictionary's: the word is never cut


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# said only to make a sentence: dropped
_PARTICLES_ZH = _listed(
    """
    的 了 吗 呢 吧 啊 呀 哦 嘛 么 啦 哈 呗 嗯 哎 诶 是 我 我们 你 你们 您 他 她 它 他们 她们 咱 咱们
    自己 这 那 这个 那个 这样 那样 这种 那种 就 都 也 还 又 再 和 与 跟 及 或 或者 在 对 把 被 给
    让 着 过 一个 个 一下 请问 请 问 问下 问一下 一 些 一些 有 没 得 地 到 里 上 下 中 很 太 非常
    挺 特别 真的 就是 还是 是不是 已经 所以 因为 如果 假如 但是 可是 而且 然后 时候 听说 明明
    一直 总是 老是 到底 究竟 其实 现在 目前 今天 这里 那里 好 想 大家 有人 东西
    """
)
# how a question asks (怎么 / 能不能 / 会不会): they tell one entry from another that speaks of
# the same thing ("怎么申领" / "有什么用"), so the index keeps them, but a question is not about
# them: they count for nothing in the confidence
ASKING_ZH = _listed(
    """
    什么 啥 怎么 怎么办 为什么 干嘛 哪里 哪儿 哪个 能 能不能 可以 可不可以 会 会不会 要 要不要
    需要 需不需要 不 没有 用 有用 作用 行 行不行 应该 必须 去 来 多少 吗 几
    """
)
_PARTICLES_EN = _listed(
    """
    a an the is are am was were be been being i i'm im my me mine we our us you your it its this
    that these those of to in on at for from with and or but there here if so please have has
    had any some still also just then than too very really there's s t don doesn didn isn aren
    yes ok one today now thing
    """
)
ASKING_EN = _listed(
    """
    do does did can could will would should shall may might must how what why when where who
    which need needs needed not no use
    """
)


def language_of(text: str) -> str:
    """``en`` for a text written in Latin letters alone, else ``zh`` (the region's own)."""
    return written_in(text) or "zh"


def written_in(text: str) -> str | None:
    """The language of a text with letters in it; None for digits and signs alone ("1")."""
    if _HAN.search(text):
        return "zh"
    return "en" if re.search(r"[A-Za-z]", text) else None


def normalised(text: str) -> str:
    """Full-width forms folded to ASCII, case folded, runs of space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def stem(word: str) -> str:
    """English endings cut far enough that plurals and tenses meet (no dictionary)."""
    for ending, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(ending)] + keep
    return word


def characters(terms: list[str]) -> list[str]:
    """The characters and character pairs of the Chinese words about something (English
    words as they are): near where words differ, as "外国同事" is to "外国人"."""
    out: list[str] = []
    for term in terms:
        if is_asking(term):
            continue
        if _HAN.search(term):
            out.extend(term)
            out.extend(term[i : i + 2] for i in range(len(term) - 1))
        else:
            out.append(term)
    return out


def is_asking(term: str) -> bool:
    """A word that says how a question asks, not what it is about."""
    return term in ASKING_ZH or term in ASKING_EN


class Words:
    """Turns a text into the terms the index holds, with one region's synonyms."""

    def __init__(self, synonyms: dict[str, dict[str, str]]) -> None:
        self._zh = dict(synonyms.get("zh", {}))
        self._en = dict(synonyms.get("en", {}))
        self._jieba = rjieba.Jieba()
        for word in {*_SERVICE_WORDS, *self._zh, *self._zh.values()}:
            self._jieba.add_word(word, _FORCED, None)
        # English variants of several words are replaced in the text, longest first
        phrases = sorted((v for v in self._en if " " in v or "-" in v), key=len, reverse=True)
        self._en_phrases = (
            re.compile(r"\b(" + "|".join(map(re.escape, phrases)) + r")\b") if phrases else None
        )

    def terms(self, text: str, lang: str) -> list[str]:
        folded = normalised(text)
        return self._chinese(folded) if lang == "zh" else self._english(folded)

    def _chinese(self, text: str) -> list[str]:
        terms: list[str] = []
        for token in self._jieba.cut(text, False):
            token = token.strip()
            if not token:
                continue
            if token.isascii():
                terms.extend(self._english(token))
                continue
            if not _HAN.search(token):
                continue  # punctuation
            word = self._zh.get(token, token)
            if word not in _PARTICLES_ZH:
                terms.append(word)
        return terms

    def _english(self, text: str) -> list[str]:
        if self._en_phrases is not None:
            text = self._en_phrases.sub(lambda m: self._en[m.group(1)], text)
        terms: list[str] = []
        for token in _LATIN_WORD.findall(text):
            word = self._en.get(token, token)
            if word in _PARTICLES_EN:
                continue
            terms.extend(stem(part) for part in word.split())
        return terms
