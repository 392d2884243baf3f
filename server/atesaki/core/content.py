"""What a message is (new, reply, forward) and what personal data its body carries."""

from __future__ import annotations

import bisect
import json
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

# --- message kind -----------------------------------------------------------------

# Subject prefixes mail programs add, per language (data/subject_prefixes.json, the one
# list: the extension keeps none and leaves the subject to this module). Matched after
# NFKC (so "ＲＥ：" is "RE:") and case-insensitively. Japanese programs use 返信/転送
# (返/転 for short); the others are what Outlook, Thunderbird and Gmail write in the
# languages our users' partners use.
def _prefix_kinds() -> dict[str, str]:
    lists = json.loads(resources.files("atesaki").joinpath("data/subject_prefixes.json")
                       .read_text("utf-8"))
    return {p: kind for kind in ("reply", "forward") for p in lists[kind]}


_PREFIX_KIND = _prefix_kinds()  # prefix (lower case) -> "reply" | "forward"

# One prefix: a word, an optional counter ("Re[2]", "Re(3)", "Re^2"), then a colon;
# list tags like "[team]" may sit in front, and the word may be bracketed ("【転送】：",
# "[Fwd]:", as the extension read them before it left prefixes to the service). Bounded
# repeats: no backtracking blow-up.
_PREFIX_RE = re.compile(
    r"\s*(?:\[[^\]\n]{0,40}\]\s*)?"
    r"(?:(?P<word>[^\W\d_]{1,6})|[\[(【]\s{0,2}(?P<bracketed>[^\W\d_]{1,6})\s{0,2}[\])】])"
    r"\s{0,2}(?:\[\d{1,3}\]|\(\d{1,3}\)|\^\d{1,3})?\s{0,2}:",
)


def subject_prefixes(subject: str) -> list[str]:
    """The kinds named by the subject's leading prefixes, outermost first."""
    text = unicodedata.normalize("NFKC", subject or "")
    kinds: list[str] = []
    pos = 0
    # A subject has a handful of prefixes at most; the cap keeps a pathological one cheap.
    while len(kinds) < 20:
        match = _PREFIX_RE.match(text, pos)
        if not match:
            break
        kind = _PREFIX_KIND.get((match["word"] or match["bracketed"]).lower())
        if kind is None:
            break
        kinds.append(kind)
        pos = match.end()
    return kinds


def message_kind(kind: str | None, subject: str, quoted: bool = False) -> str:
    """Whether the message is a "new" one, a "reply" or a "forward".

    An explicit ``kind`` of "reply" or "forward" from the webmail wins: it knows which
    button was pressed. Otherwise the subject's outermost prefix decides, so
    "Re: Fwd: 資料" is a reply (answering a forwarded message keeps the people on
    that thread) and "Fwd: Re: 資料" is a forward. A "Fwd:" further inside a
    reply's subject does not make it a forward, and words like "転送" in the middle of
    a subject ("資料転送のお願い") are not prefixes. A subject without a prefix is a
    reply when the compose ``quoted`` an earlier message (the extension saw a quote or
    an inline reply but not which button opened it), else new.
    """
    if kind in ("reply", "forward"):
        return kind
    kinds = subject_prefixes(subject)
    if kinds:
        return kinds[0]
    return "reply" if quoted else "new"


# --- personal data ------------------------------------------------------------------
#
# Every pattern below runs on the body as written (no NFKC of the whole body: that
# costs ~55 ms per MB of Japanese). The character classes accept the full-width forms
# themselves, and only the few characters of each candidate are NFKC-normalised, so
# every offset is an offset into the original body. Repeats are bounded or possessive,
# and each pattern starts at a literal or a character class (or is only tried where
# str.find found its anchor), so no input makes a pattern backtrack more than a few
# dozen steps per place it is tried.

KINDS = ("email", "phone", "my_number", "address", "name")

# How many candidates of one pattern are examined before the scan stops counting that
# pattern: a body with thousands of them is already personal data, and the cap keeps
# adversarial bodies ("様様様…", "a@a@a@…") linear in C rather than in Python.
MAX_CANDIDATES = 2000

_DIGITS = "0-9０-９"
_DASHES = "\\-－‐‑‒–—―−ーｰ"
_EMAIL_LOCAL = "A-Za-z0-9._%+\\-Ａ-Ｚａ-ｚ０-９．＿"
_EMAIL_DOMAIN = "A-Za-z0-9\\-Ａ-Ｚａ-ｚ０-９"

_EMAIL_AT_RE = re.compile(
    rf"[@＠][{_EMAIL_DOMAIN}]{{1,63}}(?:[.．][{_EMAIL_DOMAIN}]{{1,63}}){{1,8}}"
)
# Each regex pass over a body costs ~5 ns a character whatever it finds, so the rare
# anchors ("@", "様", "Mr") are found with str.find (much faster) and the regexes only
# run where they are.
_RAW_LIMIT = 5_000  # occurrences of one anchor looked at, at most
# The local part is found backwards from the "@": matched on the reversed 65
# characters before it, one match at one place (a search would try 64 starts).
_EMAIL_LOCAL_REVERSED_RE = re.compile(rf"[{_EMAIL_LOCAL}]{{1,65}}")

# One run of digits, dashes, spaces and brackets: a phone number, a My Number, a postal
# code, or (most often) a date, an amount or an order number, told apart in Python.
# Possessive and starting at a character class, so a run of a million digits is one
# quick match rather than a million attempts.
_NUMBER_RE = re.compile(rf"[{_DIGITS}][{_DIGITS}{_DASHES} ()（）\u3000]{{5,}}+")
_NUMBER_MAX = 64  # longer runs are tables of figures, split and looked at in pieces
_NOT_BEFORE_NUMBER = frozenset("0123456789０１２３４５６７８９-/_=#@")

# Matched against lower-cased text: no (?i), so the regex engine can jump between
# the first characters of the words instead of trying every position.
_PHONE_WORDS_RE = re.compile(r"tel|phone|fax|mobile|cell|電話|携帯|℡|☎|📞|ｔｅｌ|連絡先")
_NOT_PHONE_WORDS_RE = re.compile(
    r"注文|受注|発注|請求|伝票|管理|会員|予約|口座|追跡|問い?合わ?せ番号|受付番号|"
    r"order|invoice|tracking|ref|account|id[ :.#]|no\.|#"
)
_MY_NUMBER_WORDS_RE = re.compile(r"マイナンバー|個人番号|my ?number")

_PREFECTURES = (
    "北海道|青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|東京|神奈川|新潟|富山|石川|"
    "福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|京都|大阪|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|"
    "山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄"
)
# What follows a postal code when it is an address: a prefecture, or a city, ward,
# town or village name.
_ADDRESS_AFTER_RE = re.compile(
    rf"[\s\u3000]{{0,3}}(?:(?:{_PREFECTURES})[都道府県]?|[\u4e00-\u9fff]{{1,6}}[市区町村郡])"
)
# English order puts the postal code after the place: "Chiyoda-ku, Tokyo 100-0001".
_ADDRESS_BEFORE_RE = re.compile(
    r"-ku|-shi|-cho|-machi|-gun|tokyo|osaka|kyoto|hokkaido|prefecture|japan"
)

# People's names before an honorific. Kanji (with 々), katakana and Latin letters;
# hiragana is left out on purpose: "たくさん", "みなさん", "お疲れ様" are not names.
_NAME_CHARS = "\u4e00-\u9fff\u3005\u30a1-\u30fa\u30fcA-Za-z"
_HONORIFICS = ("様", "さん", "殿", "先生", "氏")
_HONORIFIC_SPLIT_RE = re.compile(r"様|殿|先生|氏")
_NAME_CHAR_RE = re.compile(rf"[{_NAME_CHARS}]")
# The name before an honorific, read backwards: the last word, then maybe a space and
# the first word (see _name_run_before).
_NAME_RUNS_REVERSED_RE = re.compile(rf"([{_NAME_CHARS}]{{1,9}})(?:[ \u3000]([{_NAME_CHARS}]{{1,9}}))?")
# Where a title may start. One letter is found many times faster than two ("M" covers
# Mr, Mrs, Ms and Miss); "Prof" stays whole because P starts so many English words.
_TITLE_ANCHORS = (("M", 50_000), ("D", 50_000), ("Prof", _RAW_LIMIT))
_TITLE_RE = re.compile(
    r"(?:Mrs?|Ms|Miss|Dr|Prof)\.? ([A-Z][a-z'\-]{1,20}(?: [A-Z][a-z'\-]{1,20})?)"
)
# Words that take 様/さん/殿/先生/氏 without being a person's name.
_NOT_NAMES = frozenset(
    """皆 客 御客 神 仏 王 仕 同 模 多 異 一 今 左 有 奥 旦那 親御 御 貴 宮 殿 様 先生 担当 担任
    校長 教頭 副校長 主任 主治医 医 会員 顧客 得意 世話 苦労 馳走 陰 愁傷 疲 互 当方 先方 貴方
    皆方 貴社 御社 弊社 当社 各社 両 諸 彼 上 天 子 子供 母 父 兄 姉 弟 妹 娘 息子 皆々 全員
    親 孫 祖母 祖父 叔父 叔母 嫁 寺 和尚 閣下 各 貴殿 御中 関係 各様 両様 一般 利用 夫妻
    夫婦 両親 子息 令嬢 令息 嬢 宅 粗末 毒 生徒 学生 児童 大家 銀行 花屋 八百屋 魚屋 肉屋
    酒屋 本屋 米屋 床屋 薬屋 靴屋 問屋 窓口 係 宛 運転手 職人 農家 相手 皆さま 貴台
    メンバー スタッフ ユーザー オーナー ゲスト パートナー クライアント ドライバー ママ パパ
    ファン リーダー マネージャー ドクター サポーター ボランティア チーム カスタマー ショップ
    センター サービス メーカー ベンダー ホスト ゲスト オーディエンス サポート""".split()
)
# Endings of role and organisation words: 担当者, 利用者, 社長, 株主, 取引先, 家族, 法人 ...
# (never a single character that also ends surnames, such as 中, 所, 屋, 合, 部).
_ROLE_ENDINGS = (
    "者", "員", "長", "主", "先", "一同", "各位", "様", "社", "校", "族", "担当", "窓口",
    "役所", "役場", "事務所", "研究所", "営業所", "事務局", "法人", "本人", "主人", "職人",
    "個人", "友人", "知人", "管理人", "代理人", "保証人", "組合", "協会", "機構", "財団",
    "病院", "医院", "保育園", "幼稚園", "学園", "店", "塾", "館", "省", "庁", "課",
)
_ORG_PREFIX_RE = re.compile(
    r"^.{0,12}?(?:会社|部|課|室|局|係|センター|支店|学校|大学|病院|役所|役場|事務所|の)(?=.{2})"
)
_HONORIFIC_NOT_AFTER = {"様": "式子々相態変化", "殿": "堂下様中", "氏": "名神族"}

# Each pattern below starts with a literal ("http", "\n", "wrote") so that the regex
# engine's fast search skips the text between candidates.
_URL_RES = (
    re.compile(r"https?://[^\s<>\"'）」]{1,2000}"),
    re.compile(r"www\.[^\s<>\"'）」]{1,2000}"),
)
# Where the quoted thread starts: ">" lines, forward and reply headers, attributions.
# One pattern, one pass: each starts at a line break.
_QUOTE_LINE_RE = re.compile(
    r"\n(?:[ \t]{0,4}>"
    r"|[ \t]{0,4}[-_]{2,}+[ \t]{0,4}(?:Original Message|Forwarded (?:message|Message)|"
    r"転送(?:された)?メッセージ|元のメッセージ)"
    r"|(?:From|差出人|送信者)[:：] )"
)
_LEADING_QUOTE_RE = re.compile(r"[ \t]{0,8}>")
# "On … wrote:", "… のメッセージ:", "2024年1月15日(月) 10:02 佐藤 <k.sato@…>:". The
# words are found with str.find (a regex alternation tries every place: ~4 ms per MB),
# then what follows them is matched.
_ATTRIBUTION_WORDS = ("wrote", "のメッセージ", "書きました")
_ATTRIBUTION_TAIL_RE = re.compile(r"[:：][ \t]*\n")
_ATTRIBUTION_ADDRESS_RE = re.compile(r"[^\s<>@]{1,255}")
# Signature separators: "-- ", and lines of rules that people draw around signatures.
_SIGNATURE_SEP_RE = re.compile(
    r"\n[ \t>]{0,8}(?:-- ?|[-=_─━＝＿*~〜・]{4,}+[^\n]{0,40})(?=\n|\Z)"
)
_BLOCK_BREAK_RE = re.compile(r"\n[ \t>\u3000]{0,8}(?:\n|-- ?\n|[-=_─━＝＿*~〜・]{4,}+)")
_HEADER_NAME_RE = re.compile(r"[:：,;、\n]")  # what comes before "Name <address>"

# Addresses that belong to a role, not a person: "お問い合わせは info@… まで" is not personal data.
_ROLE_LOCAL_PARTS = frozenset(
    """info information support contact contacts sales noreply no-reply donotreply do-not-reply
    admin administrator webmaster postmaster help helpdesk service office inquiry inquiries
    toiawase otoiawase soumu jimu desk press pr recruit saiyo billing shop order orders mail
    news newsletter master customer cs kouhou koho hr team reception uketsuke madoguchi""".split()
)


@dataclass(frozen=True)
class Hit:
    """One piece of personal data found in a body."""

    kind: str  # one of KINDS
    start: int  # offsets into the body as given
    end: int
    value: str  # NFKC-normalised, for counting each distinct value once
    masked: str  # safe to show: "k***@example.com", "090-****-5678", "佐藤 **"
    quoted: bool  # inside the quoted or forwarded part


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _name_key(name: str) -> str:
    return "".join(_nfkc(name).lower().split())


# --- masking ------------------------------------------------------------------------


_DIGIT_RUN_RE = re.compile(r"\d+")
_DIGIT_RE = re.compile(r"\d")
_NON_DIGIT_RE = re.compile(r"\D")


def mask_email(address: str) -> str:
    """``k.sato@example.com`` -> ``k***@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(number: str) -> str:
    """Keep the first and the last group: ``090-1234-5678`` -> ``090-****-5678``."""
    groups = list(_DIGIT_RUN_RE.finditer(number))
    if number.startswith("+") and len(groups) >= 3:
        # "+81 90 …", "+81 (0)3 …": keep the country and the area code.
        groups = groups[2:] if groups[1].group() == "0" else groups[1:]
    if len(groups) >= 3:
        first, last = groups[0], groups[-1]
        middle = _DIGIT_RE.sub("*", number[first.end() : last.start()])
        return number[: first.end()] + middle + number[last.start() :]
    digits = _NON_DIGIT_RE.sub("", number)
    if len(groups) == 2 and not number.startswith("+"):  # "03-12345678"
        return f"{groups[0].group()}-****-{digits[-4:]}"
    return f"{digits[:3]}-****-{digits[-4:]}"


def mask_name(name: str) -> str:
    """Keep the family name, hide the rest: ``佐藤 健二`` -> ``佐藤 **``, ``佐藤`` -> ``佐*``."""
    parts = name.split()
    if len(parts) >= 2:
        return parts[0] + " " + " ".join("*" * len(p) for p in parts[1:])
    if len(name) <= 1:
        return "*"
    keep = 1 if len(name) == 2 else 2
    return name[:keep] + "*" * (len(name) - keep)


def mask_address(postal: str, place: str) -> str:
    """``〒100-0001 東京都千代田区…`` -> ``〒100-**** 東京都***``."""
    digits = _NON_DIGIT_RE.sub("", postal)
    return f"〒{digits[:3]}-**** {place}***"


# --- people the message may name freely --------------------------------------------


@dataclass(frozen=True)
class Circle:
    """Who already knows: the sender and the recipients (their addresses and names)."""

    addresses: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # full-name keys (no spaces, lower-case)
    parts: frozenset[str] = frozenset()  # each part of those names ("佐藤", "健二", "sato")

    @classmethod
    def of(cls, addresses: Iterable[str] = (), names: Iterable[str] = ()) -> Circle:
        """A circle from raw addresses and display names (normalised here)."""
        keys, parts = set(), set()
        for name in names:
            if not name:
                continue
            normal = _nfkc(name).lower()
            if _name_key(normal):
                keys.add(_name_key(normal))
            parts.update(p for p in re.split(r"[\s,・.]+", normal) if p)
        addresses = frozenset(a.strip().lower() for a in addresses if a and "@" in a)
        # "k.sato@…" tells us how Sato writes his name in Latin letters: "Mr. Sato" is him.
        for address in addresses:
            parts.update(p for p in re.split(r"[._+\-]", address.partition("@")[0]) if len(p) >= 3)
        return cls(addresses, frozenset(keys), frozenset(parts))

    def with_names(self, names: Iterable[str]) -> Circle:
        """The same circle knowing more names (e.g. from the quoted headers)."""
        more = Circle.of((), names)
        return Circle(self.addresses, self.names | more.names, self.parts | more.parts)

    def knows_name(self, name: str) -> bool:
        """True when the name is one of the circle's, whole or by a part of it."""
        # Whole names and single parts only: "佐藤花子" is not 佐藤 健二 even though
        # both are 佐藤.
        key = _name_key(name)
        return bool(key) and (key in self.names or key in self.parts)


# --- names from the address books ---------------------------------------------------

_ORG_NAME_RE = re.compile(
    r"(?i)(?:株式会社|有限会社|合同会社|\(株\)|㈱|事務局|事務所|センター|窓口|サポート|"
    r"(?:営業|総務|人事|経理|開発|技術|企画|広報|管理|製造|購買|法務|事業|本)部|"
    r"[課局係庁省室](?:\s|$)|学校|大学|役所|役場|協会|組合|法人|"
    r"\b(?:inc|ltd|llc|corp|co|team|support|info|sales|service|desk|office|admin|noreply|"
    r"department|dept|center|centre|group|news)\b)"
)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_FOLLOWS_NAME_OK = frozenset("様殿先氏君宛等他及並又・、。")


class NameMatcher:
    """Finds the full names of known people in a body, all at once (Aho-Corasick)."""

    def __init__(self, people: Iterable[tuple[str, tuple[str, ...]]] = ()) -> None:
        bearers: dict[str, set[str]] = {}
        for name, addresses in people:
            for pattern in _name_patterns(name):
                bearers.setdefault(pattern, set()).update(addresses)
        self.size = len(bearers)
        self._bearers = {p: tuple(sorted(a)) for p, a in bearers.items()}
        self._automaton: Any = None
        if not self.size:
            return
        import ahocorasick  # pyahocorasick: one pass whatever the number of names

        self._automaton = ahocorasick.Automaton()
        for pattern in self._bearers:
            self._automaton.add_word(pattern, pattern)
        self._automaton.make_automaton()

    def _matches(self, lowered: str) -> Iterator[tuple[int, str]]:
        if self._automaton is not None:
            for last, pattern in self._automaton.iter(lowered):
                yield last + 1 - len(pattern), pattern

    def find(self, lowered: str) -> Iterator[tuple[int, int, tuple[str, ...]]]:
        """(start, end, addresses of the people with that name) for each name in the text.

        ``lowered`` is the body after ``str.lower()`` (same length as the body).
        """
        if not self.size:
            return
        for start, pattern in self._matches(lowered):
            end = start + len(pattern)
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if _CJK_RE.match(pattern[-1]):
                # "佐藤健二郎" is someone else; "佐藤健二様" and "佐藤健二から" are him.
                if _CJK_RE.match(after) and after not in _FOLLOWS_NAME_OK:
                    if not ("\u3040" <= after <= "\u309f"):  # hiragana particles are fine
                        continue
            elif before.isalnum() or after.isalnum():
                continue
            yield start, end, self._bearers[pattern]


def _name_patterns(name: str) -> set[str]:
    """The ways a full name is written in a body: with or without the space, either order."""
    normal = " ".join(_nfkc(name or "").lower().replace(",", " ").split())
    parts = normal.split(" ") if normal else []
    if not parts or _ORG_NAME_RE.search(normal):
        return set()
    if _CJK_RE.search(normal):
        joined = "".join(parts)
        # A single kanji run of two characters is a surname or a word, not a full name.
        if len(parts) == 1 and len(joined) < 3:
            return set()
        if len(joined) < 3 and len(parts) < 2:
            return set()
        return {joined, " ".join(parts), "\u3000".join(parts)}
    if len(parts) < 2 or len(normal) < 5:
        return set()
    return {normal, " ".join(reversed(parts))}


# In the Knowledge's caches: (people in the big matcher, people seen, big matcher, small one).
MATCHERS = "content.matchers"
# People added since the big matcher was built go into a small second one; past this
# many the big one is rebuilt.
_DELTA_LIMIT = 2000


def name_matchers_for(kb: Any) -> list[NameMatcher]:
    """The name matchers for a Knowledge: built once per knowledge generation, then cached.

    A new Knowledge (after an import) gets new matchers; people the service adds in
    place after a send go into a small second matcher instead of a full rebuild.
    """
    count = kb.people_count() if hasattr(kb, "people_count") else None
    # Its own lock: building a matcher takes long, and must not hold the names checks up.
    slot = kb.caches.part(MATCHERS, lambda: {"lock": threading.Lock(), "matchers": None})
    with slot["lock"]:
        cached = slot["matchers"]
        if cached and count is not None and cached[1] == count:
            return [cached[2], cached[3]]  # the common case: no list of everyone per check
        people = list(kb.all_people())
        if cached and cached[1] == len(people):
            return [cached[2], cached[3]]
        if cached and cached[0] <= len(people) <= cached[0] + _DELTA_LIMIT:
            base_count, base = cached[0], cached[2]
        else:
            base_count = len(people)
            base = NameMatcher((p.name, p.addresses) for p in people)
        delta = NameMatcher((p.name, p.addresses) for p in people[base_count:])
        slot["matchers"] = (base_count, len(people), base, delta)
        return [base, delta]


# --- the scan -----------------------------------------------------------------------

_PHONE_GROUP_RE = re.compile(r"\d+")
_SALUTATION_END_RE = re.compile(
    r"(?:様|さん|殿|先生|氏|御中|各位|[,、])[ \t\u3000]*$|^(?i:dear|hi|hello)\b"
)
_DASH_TABLE = str.maketrans({c: "-" for c in "－‐‑‒–—―−ーｰ"})
_MY_NUMBER_RE = re.compile(r"(\d{4})([ -]?)(\d{4})\2(\d{4})(?!\d)")
_POSTAL_RE = re.compile(r"(\d{3})-?(\d{4})(?![\d])")
_SPECIAL_11 = ("020", "050", "060", "070", "080", "090")
_THREE_DIGIT_LAST = ("0120", "0570", "0800", "0990")


def my_number_valid(digits: str) -> bool:
    """True for 12 digits whose last is the My Number check digit (個人番号の検査用数字)."""
    if len(digits) != 12 or not digits.isdecimal():
        return False
    # The official rule: weights 2..7 then 2..6 from the right of the first 11 digits.
    total = sum(int(digits[10 - n]) * (n + 2 if n <= 5 else n - 4) for n in range(11))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _quote_start(text: str) -> int:
    """Where the quoted or forwarded part begins (the length of the text when there is none)."""
    if _LEADING_QUOTE_RE.match(text):
        return 0
    best = len(text)
    match = _QUOTE_LINE_RE.search(text)
    if match:
        best = match.start() + 1
    attribution = _attribution_start(text, best)
    if attribution is not None:
        best = text.rfind("\n", 0, attribution) + 1
    return best


def _attribution_start(text: str, end: int) -> int | None:
    """Where the first line ending "wrote:", "のメッセージ:" or "<address>:" ends, before ``end``.

    The position returned is that of the word (or of the address's "@"); None when
    there is no such line.
    """
    first = end
    for word in _ATTRIBUTION_WORDS:
        pos = text.find(word, 0, first)
        for _ in range(_RAW_LIMIT):
            if pos < 0:
                break
            if _ATTRIBUTION_TAIL_RE.match(text, pos + len(word), end):
                first = pos
                break
            pos = text.find(word, pos + 1, first)
    # One character is found many times faster than two: ">" then ":" or "：".
    gt = text.find(">", 0, first)
    for _ in range(_RAW_LIMIT):
        if gt < 0:
            break
        if _ATTRIBUTION_TAIL_RE.match(text, gt + 1, end):
            at = text.rfind("@", max(0, gt - 256), gt)
            if at >= 0 and _ATTRIBUTION_ADDRESS_RE.fullmatch(text, at + 1, gt):
                first = at
                break
        gt = text.find(">", gt + 1, first)
    return first if first < end else None


# What remembers, within one scan, what the text around a number, an "@" or an
# honorific said (tests swap in one that forgets, to compare with a fresh look).
_outcome_store = dict
_OWN_BLOCK_MAX = 1500  # characters: a longer block is not a signature
_UNSEEN = object()


class _Body:
    """A body and where its parts are: quoted text, salutation, signatures, URLs, blocks."""

    def __init__(self, body: str, circle: Circle | Callable[[], Circle]) -> None:
        self.text = body
        # Made on first use: most bodies hold nothing the circle is asked about.
        self._circle = circle if isinstance(circle, Circle) else None
        self._make_circle = circle
        self.quote_start = _quote_start(body)
        urls = sorted((m.start(), m.end()) for r in _URL_RES for m in r.finditer(body))
        self._url_starts = [u[0] for u in urls]
        self._url_ends = [u[1] for u in urls]
        self.salutation_end = self._salutation_end()
        self.signature = self._sender_signature()
        self.header_names: list[str] = []  # names written next to the circle's addresses
        self.display_names: list[Hit] = []  # names written next to anyone else's
        self.own_values: set[str] = set()  # phone numbers and postal codes in own signatures
        self.number_outcomes: dict[tuple, tuple] = _outcome_store()  # see _numbers
        # Block breaks, read from the body only as far as asked (see _breaks_past).
        self._break_iter: Iterator[re.Match[str]] | None = None
        self._break_starts: list[int] = []
        self._break_ends: list[int] = []
        self._own_blocks: dict[int, bool] = {}
        self._own_texts: dict[str, bool] = {}

    def _salutation_end(self) -> int:
        # The lines naming the addressee at the top ("株式会社… / 営業部 佐藤様",
        # "Dear Mr. Smith,"): the addressee knows their own name.
        pos, end = 0, 0
        for _ in range(4):
            newline = self.text.find("\n", pos, self.quote_start)
            line_end = newline if newline >= 0 else self.quote_start
            if line_end - pos > 60:
                break
            line = self.text[pos:line_end].strip()
            if line:
                if len(line) > 40 or line.endswith(("。", ".", "．")):
                    break  # a sentence: the greeting, if any, is over
                if _SALUTATION_END_RE.search(line):
                    end = line_end
                    break
            elif pos > 0 and self.text[:pos].strip():
                break  # a blank line after the first block
            if newline < 0:
                break
            pos = newline + 1
        return end

    def _sender_signature(self) -> tuple[int, int]:
        # The sender's signature: from a "-- " or a drawn rule in the last 15 lines of
        # the new text down to where the quoted part starts.
        text, end = self.text, self.quote_start
        # Only a rule starting one of the last 16 line breaks can have 15 lines or fewer
        # after it: look from there, not through the whole body.
        start = end
        for _ in range(16):
            start = text.rfind("\n", 0, start)
            if start < 0:
                start = 0
                break
        for match in _SIGNATURE_SEP_RE.finditer(text, start, end):
            if text.count("\n", match.start() + 1, end) <= 15:
                return match.start() + 1, end
        return (-1, -1)

    def in_url(self, pos: int) -> bool:
        """True inside a URL (numbers and names there are paths and query strings)."""
        i = bisect.bisect_right(self._url_starts, pos) - 1
        return i >= 0 and pos < self._url_ends[i]

    def in_salutation(self, pos: int) -> bool:
        """True inside the greeting lines that name the addressee."""
        return pos < self.salutation_end

    def in_sender_signature(self, pos: int) -> bool:
        """True inside the sender's own signature block."""
        return self.signature[0] <= pos < self.signature[1]

    @property
    def circle(self) -> Circle:
        """Who already knows (see Circle), made when first asked for."""
        if self._circle is None:
            self._circle = self._make_circle()
        return self._circle

    @circle.setter
    def circle(self, circle: Circle) -> None:
        self._circle = circle

    def in_own_block(self, pos: int) -> bool:
        """True inside a short block (a signature) that names the sender or a recipient.

        Their own phone number and postal address sit next to their own name or
        address; showing those back to them is no leak.
        """
        if self.in_sender_signature(pos):
            return True
        if not (self.circle.addresses or self.circle.names):
            return False
        self._breaks_past(pos + _OWN_BLOCK_MAX)
        starts, ends = self._break_starts, self._break_ends
        i = bisect.bisect_right(starts, pos) - 1
        block_start = ends[i] if i >= 0 else 0
        if block_start in self._own_blocks:
            return self._own_blocks[block_start]
        block_end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        own = False
        if block_end - block_start <= _OWN_BLOCK_MAX:
            block = self.text[block_start:block_end]
            # A thread quotes the same signatures again and again: decide each text once.
            own = self._own_texts.get(block)
            if own is None:
                own = False
                if block.count("\n") <= 15:
                    lowered = _nfkc(block).lower()
                    squeezed = "".join(lowered.split())
                    own = any(a in lowered for a in self.circle.addresses) or any(
                        len(n) >= 3 and n in squeezed for n in self.circle.names
                    )
                self._own_texts[block] = own
        self._own_blocks[block_start] = own
        return own

    def _breaks_past(self, pos: int) -> None:
        # The numbers pass stops counting after MAX_CANDIDATES: a long thread's breaks
        # are then never all needed. One iterator, so the breaks are those of one pass.
        if self._break_iter is None:
            self._break_iter = _BLOCK_BREAK_RE.finditer(self.text)
        starts = self._break_starts
        while not starts or starts[-1] <= pos:
            match = next(self._break_iter, None)
            if match is None:  # the end of the body closes the last block
                starts.append(len(self.text))
                self._break_ends.append(len(self.text))
                return
            starts.append(match.start())
            self._break_ends.append(match.end())

    def hit(self, kind: str, start: int, end: int, value: str, masked: str) -> Hit:
        """A hit at [start, end), marked quoted when it lies in the quoted part."""
        return Hit(kind, start, end, value, masked, start >= self.quote_start)


def _find_all(text: str, needle: str, limit: int = _RAW_LIMIT) -> list[int]:
    """Positions of ``needle`` in ``text`` (at most ``limit``): a list, built without a generator."""
    found: list[int] = []
    add, find, step = found.append, text.find, len(needle)
    pos = find(needle)
    while pos >= 0 and len(found) < limit:
        add(pos)
        pos = find(needle, pos + step)
    return found


def _emails(body: _Body) -> Iterator[Hit]:
    text = body.text
    ats = _find_all(text, "@", MAX_CANDIDATES) + _find_all(text, "＠", MAX_CANDIDATES)
    # A thread quotes the same addresses again and again: each is read once.
    read: dict[tuple[str, int], tuple[int, str, bool, bool] | None] = _outcome_store()
    for at in ats:
        match = _EMAIL_AT_RE.match(text, at)
        if not match:
            continue
        end = match.end()
        # The local part lies within 65 characters before the "@", and a "<" before it.
        left = max(0, at - 66)
        key = (text[left:end], at - left)
        found = read.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = read[key] = _email_at(text, at, end, body.circle)
        if found is None:
            continue
        size, value, bracket, skip = found
        start = at - size
        if bracket:
            _display_name(body, start - 1, value in body.circle.addresses)
        if skip or body.in_url(start) or body.in_sender_signature(start):
            continue
        yield body.hit("email", start, end, value, mask_email(value))


def _email_at(text: str, at: int, end: int, circle: Circle) -> tuple[int, str, bool, bool] | None:
    """The address around the "@" at ``at`` (its domain ends at ``end``), or None.

    (length of the local part, the address, whether "<" comes before it and a name may
    stand there, whether it is nobody's personal data: the circle's or a role's).
    """
    local = _EMAIL_LOCAL_REVERSED_RE.match(text[max(0, at - 65) : at][::-1])
    if not local or local.end() > 64:
        return None  # nothing before the "@", or more than a local part can hold
    start = at - local.end()
    # A sentence's "." or a leading dot is not part of the address.
    while start < at and text[start] in ".．":
        start += 1
    value = _nfkc(text[start:end]).lower()
    local_part = value.partition("@")[0]
    role = local_part in _ROLE_LOCAL_PARTS
    bracket = start > 0 and text[start - 1] == "<" and not role
    return at - start, value, bracket, start == at or role or value in circle.addresses


def _display_name(body: _Body, bracket: int, known: bool) -> None:
    """Note the name in "From: 山本 太郎 <t.yamamoto@…>" (the ``<`` is at ``bracket``).

    Beside one of the circle's addresses it is theirs (and known from now on); beside
    anyone else's it is that person's name, even when no address book knows them.
    """
    text = body.text
    line_start = max(0, bracket - 60)
    line = text[line_start:bracket]
    name = _HEADER_NAME_RE.split(line)[-1].strip(" \t\"'\u3000")
    if not name:
        return
    if known:
        body.header_names.append(name)
    elif _name_patterns(name) and not body.in_sender_signature(bracket):
        start = text.rfind(name, line_start, bracket)
        body.display_names.append(
            body.hit("name", start, start + len(name), _name_key(name), mask_name(_nfkc(name)))
        )


def _numbers(body: _Body) -> Iterator[Hit]:
    text = body.text
    budget = MAX_CANDIDATES
    outcomes = body.number_outcomes
    for match in _NUMBER_RE.finditer(text):
        start, end = match.span()
        # A thread repeats itself: every message carries the same signatures, so the
        # same numbers come back in the same words. A run is looked at once per text
        # around it, and what was found is replayed at each new place.
        left = start - _CONTEXT_BEFORE if start > _CONTEXT_BEFORE else 0
        key = (text[left : end + _CONTEXT_AFTER], start - left, body.in_url(start))
        found = outcomes.get(key)
        if found is None:
            found = outcomes[key] = _number_run(body, start, end)
        looked, candidates = found
        for offset, kind, size, value, masked in candidates:
            at = start + offset
            # The sender's or a recipient's own number, next to their own name, is no leak.
            if kind != "my_number" and body.in_own_block(at):
                body.own_values.add(value)
            else:
                yield body.hit(kind, at, at + size, value, masked)
        budget -= looked
        if budget < 0:
            return


def _number_run(body: _Body, start: int, end: int) -> tuple[int, tuple[tuple, ...]]:
    """What one run of digits holds: (places looked at, candidate hits).

    Each candidate is (offset from the run's first digit, kind, length, value, masked).
    Whether it is someone's own number is left to the caller: that depends on the
    block around it, not on the words next to it.
    """
    text = body.text
    first = start
    # The run starts at its first digit; "(03)…" and "+81 …" start one before.
    if start and text[start - 1] in "(（+＋":
        start -= 1
    raw = text[start:end]
    if len(raw) < 20 and raw.isascii():
        # Fewer than seven digits is not even a postal code ("1-2-3", "10    12").
        separators = raw.count("-") + raw.count(" ") + raw.count("(") + raw.count(")")
        if len(raw) - separators < 7:
            return 0, ()
    normal = raw if raw.isascii() else _nfkc(raw).translate(_DASH_TABLE).replace("\u3000", " ")
    if len(normal) != len(raw):  # never for these characters; be safe anyway
        normal = raw
    pos = 0
    looked = 0
    candidates = []
    # A run may hold several numbers ("〒100-0001 03-1234-5678", a table of
    # figures): look again after each space.
    while pos < len(normal) and looked < MAX_CANDIDATES:
        looked += 1
        found = _classify_number_at(body, start + pos, normal[pos : pos + _NUMBER_MAX])
        if found:
            length, hit = found
            if hit is not None:
                kind, size, value, masked = hit
                candidates.append((start + pos - first, kind, size, value, masked))
            pos += length
        else:
            space = normal.find(" ", pos)
            if space < 0:
                break
            pos = space + 1
        while pos < len(normal) and normal[pos] == " ":
            pos += 1
    return looked, tuple(candidates)


def _line_before(text: str, start: int, width: int = 40) -> str:
    """Up to ``width`` characters before ``start`` on its line, lower-cased."""
    line_start = text.rfind("\n", max(0, start - width), start) + 1
    return text[max(line_start, start - width) : start].lower()


# What decides a number's kind lies within this many characters before it (the line
# before, an English address before a postal code) and this many after it.
_CONTEXT_BEFORE, _CONTEXT_AFTER = 64, 24


def _classify_number_at(body: _Body, start: int, number: str) -> tuple[int, tuple | None] | None:
    """``_classify_number`` as (length, (kind, length, value, masked) or None), or None.

    A long run (a list of numbers) repeats the same few in the same words: each
    outcome is remembered by the text around it, like whole runs in ``_numbers``.
    """
    text = body.text
    left = max(0, start - _CONTEXT_BEFORE)
    key = (text[left : start + len(number) + _CONTEXT_AFTER], start - left, number)
    seen = body.number_outcomes.get(key)
    if seen is None:
        found = _classify_number(body, start, number)
        if found is None:
            seen = ()
        else:
            length, hit = found
            if hit is not None:
                hit = (hit.kind, hit.end - hit.start, hit.value, hit.masked)
            seen = (length, hit)
        body.number_outcomes[key] = seen
    return seen or None


def _classify_number(body: _Body, start: int, number: str) -> tuple[int, Hit | None] | None:
    """What the number at ``start`` is: (its length, a hit or None when harmless), or None."""
    text = body.text
    if body.in_url(start):
        return None
    before = text[start - 1] if start else " "
    if before in _NOT_BEFORE_NUMBER or (before.isascii() and before.isalpha()):
        return None  # part of a code ("A-0312…", "ID12…") or of a longer number
    if before == "." and start >= 2 and text[start - 2].isdigit():
        return None  # a version or an IP address
    postal = _postal_address(body, start, number)
    if postal is not None:
        return postal
    my_number = _MY_NUMBER_RE.match(number)
    if my_number:
        digits = my_number.group(1) + my_number.group(3) + my_number.group(4)
        end = my_number.end()
        continues = number[end : end + 2]
        context = _line_before(text, start, 30)
        if (
            not (continues[:1] == "-" and continues[1:2].isdigit())
            and my_number_valid(digits)
            and (_MY_NUMBER_WORDS_RE.search(context) or not _NOT_PHONE_WORDS_RE.search(context))
        ):
            return end, body.hit("my_number", start, start + end, digits, "**** **** ****")
    return _phone(body, start, number)


def _postal_address(body: _Body, start: int, number: str) -> tuple[int, Hit | None] | None:
    match = _POSTAL_RE.match(number)
    if not match or (number[match.end() : match.end() + 1] == "-"):
        return None
    text = body.text
    end = start + match.end()
    marked = "〒" in text[max(0, start - 3) : start]
    if not marked and not match.group(0)[3:4] == "-":
        return None  # seven bare digits are not a postal code
    place = _ADDRESS_AFTER_RE.match(text, end)
    if not place and not _ADDRESS_BEFORE_RE.search(text[max(0, start - 60) : start].lower()):
        return (match.end(), None) if marked else None
    value = match.group(1) + match.group(2)
    shown = place.group().strip()[:3] if place else ""
    return match.end(), body.hit("address", start, end, value, mask_address(value, shown))


def _phone(body: _Body, start: int, number: str) -> tuple[int, Hit | None] | None:
    international = number.startswith("+81")
    previous_end = 3 if international else 0
    digits = ""
    first_group = -1
    count = 0
    for match in _DIGIT_RUN_RE.finditer(number, previous_end):
        gap = number[previous_end : match.start()]
        if len(gap) > 2 or (count and not gap):
            return None
        if international and count == 0 and gap.endswith("(") and match.group() == "0":
            previous_end = match.end()  # "+81 (0)3 …": the trunk 0 written in brackets
            continue
        group = match.group()
        digits += group
        count += 1
        if count == 1:
            first_group = len(group) + (0 if international else -1)  # area code, no 0
        national = "0" + digits if international else digits
        if len(national) > 11:
            return None
        if _phone_shape(national, count, first_group, len(group)):
            following = number[match.end() : match.end() + 2]
            if following[:1] == "-" and following[1:2].isdigit():
                return None  # the code goes on: an order or account number
            return _phone_hit(body, start, match.end(), number[: match.end()], count == 1)
        previous_end = match.end()
    return None


def _phone_shape(national: str, groups: int, first: int, last: int) -> bool:
    if len(national) not in (10, 11) or national[0] != "0" or national[1] == "0":
        return False
    if len(national) == 11 and not (
        national.startswith(_SPECIAL_11) or national.startswith("0800")
    ):
        return False
    if len(national) == 10 and national.startswith(_SPECIAL_11):
        return False
    if groups == 1:
        return True
    if first == 1 and national[1] not in "36":
        return False  # Tokyo (03) and Osaka (06) are the only one-digit area codes
    return 1 <= first <= 4 and (last == 4 or (last == 3 and national[:4] in _THREE_DIGIT_LAST))


def _phone_hit(
    body: _Body, start: int, length: int, number: str, unseparated: bool
) -> tuple[int, Hit | None] | None:
    text = body.text
    end = start + length
    after = text[end : end + 2]
    if after[:1] == "@" or (after[:1].isascii() and after[:1].isalnum()):
        return None
    if after[:1] == "." and after[1:2].isdigit():
        return None  # a version or an IP-like number
    context = _line_before(text, start)
    phone_word = _PHONE_WORDS_RE.search(context)
    if not phone_word:
        if _NOT_PHONE_WORDS_RE.search(context):
            return None
        # Ten unbroken digits are as often an account or order number as a phone.
        if unseparated and not number.startswith(("070", "080", "090", "050")):
            return None
    digits = _NON_DIGIT_RE.sub("", number)
    return length, body.hit("phone", start, end, digits, mask_phone(number))


def _known_names(body: _Body, matchers: Iterable[NameMatcher]) -> list[Hit]:
    text = body.text
    lowered = text.lower()
    if len(lowered) != len(text):  # only "İ" grows under lower(); keep offsets aligned
        lowered = text.replace("İ", "I").lower()
    hits = []
    for matcher in matchers:
        for seen, (start, end, addresses) in enumerate(matcher.find(lowered)):
            if seen >= MAX_CANDIDATES:
                break
            name = _nfkc(text[start:end])
            circle = body.circle
            if (
                any(a in circle.addresses for a in addresses)
                or circle.knows_name(name)
                or body.in_salutation(start)
                or body.in_sender_signature(start)
                or body.in_url(start)
            ):
                continue
            hits.append(body.hit("name", start, end, _name_key(name), mask_name(name)))
    return hits


def _clean_honorific_name(raw: str) -> str | None:
    """The person's name in the run before an honorific, or None for a role or a word."""
    parts = raw.split()
    if len(parts) == 2:
        first, last = parts
        both_cjk = _CJK_RE.match(first) and _CJK_RE.match(last)
        both_latin = first.isascii() and last.isascii()
        if not (
            (both_cjk and len(first) <= 4 and len(last) <= 4 and _is_name_word(first))
            or (both_latin and first[:1].isupper() and last[:1].isupper())
        ):
            parts = [last]
    if len(parts) == 1:
        # "営業部佐藤" / "株式会社サンプルの佐藤": the name is after the department.
        parts = [_ORG_PREFIX_RE.sub("", parts[0], count=1)]
    if not parts or not all(_is_name_word(p) for p in parts):
        return None
    return " ".join(parts)


def _is_name_word(word: str) -> bool:
    if not word or word in _NOT_NAMES or word.endswith(_ROLE_ENDINGS):
        return False
    if _ORG_NAME_RE.search(word):
        return False
    return not (word.isascii() and not word[:1].isupper())


def _name_run_before(text: str, end: int) -> str:
    """The one or two words of name characters that end at ``end``.

    Two words of at most 8 characters each ("山田 太郎", "Jane Doe"), else the last
    word; a word longer than 8 is cut to its last 6. Matched on the reversed text
    before ``end``: one match at one place (a search would try every start).
    """
    back = _NAME_RUNS_REVERSED_RE.match(text[max(0, end - 19) : end][::-1])
    if not back:
        return ""
    last, first = back.group(1), back.group(2)
    if len(last) > 8:
        return text[end - 6 : end]
    if first and len(first) <= 8:
        return text[end - back.end() : end]
    return text[end - len(last) : end]


class _Spans:
    """Spans of text, asked whether any of them overlaps a range (in O(log n))."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [a for a, _ in ordered]
        self._reach: list[int] = []  # the furthest end among the spans up to each one
        furthest = -1
        for _, b in ordered:
            furthest = max(furthest, b)
            self._reach.append(furthest)

    def overlaps(self, start: int, end: int) -> bool:
        """True when a span [a, b) has a < end and start < b."""
        i = bisect.bisect_left(self._starts, end)
        return i > 0 and self._reach[i - 1] > start


def _honorific_name(
    text: str, name_end: int, end: int, honorific: str, circle: Circle
) -> tuple[int, str, str] | None:
    """(length, value, masked) of the name before the honorific at [name_end, end), or None.

    None for a role or a word ("担当者様", "お客様"), a name the circle knows, and an
    honorific that is part of a word ("様式", "殿堂").
    """
    following = text[end : end + 1]
    if following and following in _HONORIFIC_NOT_AFTER.get(honorific, ""):
        return None
    # "佐藤様山田さん": the run before さん starts after the previous honorific.
    raw = _HONORIFIC_SPLIT_RE.split(_name_run_before(text, name_end))[-1]
    name = _clean_honorific_name(raw)
    if name is None or circle.knows_name(name) or (honorific == "氏" and len(name) < 2):
        return None
    return len(name), _name_key(name), mask_name(_nfkc(name)) + honorific


def _honorific_names(body: _Body, known: list[Hit]) -> Iterator[Hit]:
    text = body.text
    taken = _Spans((h.start, h.end) for h in known)
    budgets = dict.fromkeys(_HONORIFICS, MAX_CANDIDATES)
    # A thread repeats the same few names ("佐藤様" in every message): what the text
    # around an honorific says is decided once, and only where it is is looked at again.
    decided: dict[tuple[str, int, str], tuple[int, str, str] | None] = _outcome_store()
    found = ((pos, word) for word in _HONORIFICS for pos in _find_all(text, word))
    for pos, honorific in found:
        name_end = pos
        end = pos + len(honorific)
        if name_end and text[name_end - 1] in " \u3000":
            name_end -= 1  # "佐藤 様"
        if not name_end or not _NAME_CHAR_RE.match(text, name_end - 1):
            continue  # "みなさん", "たくさん", "お疲れ様": no name before it
        budgets[honorific] -= 1
        if budgets[honorific] < 0:
            continue
        # Everything _honorific_name reads: 19 characters back, the one after.
        left = max(0, name_end - 19)
        key = (text[left : end + 1], name_end - left, honorific)
        outcome = decided.get(key, _UNSEEN)
        if outcome is _UNSEEN:
            outcome = decided[key] = _honorific_name(text, name_end, end, honorific, body.circle)
        if outcome is None:
            continue
        size, value, masked = outcome
        start = name_end - size
        if taken.overlaps(start, name_end):
            continue  # already counted as a known person's full name
        if body.in_salutation(start) or body.in_sender_signature(start) or body.in_url(start):
            continue
        yield body.hit("name", start, name_end, value, masked)
    titles = (
        _TITLE_RE.match(text, pos)
        for anchor, limit in _TITLE_ANCHORS
        for pos in _find_all(text, anchor, limit)
    )
    for seen, match in enumerate(m for m in titles if m):
        if seen >= MAX_CANDIDATES:
            break
        if match.start() and text[match.start() - 1].isalpha():
            continue  # "ADMrs. …" is not a title
        name = match.group(1)
        start = match.start(1)
        if (
            body.circle.knows_name(name)
            or body.in_salutation(match.start())
            or body.in_sender_signature(start)
            or taken.overlaps(start, match.end())
        ):
            continue
        masked = f"{match.group()[: match.start(1) - match.start()]}{mask_name(name)}"
        yield body.hit("name", start, match.end(), _name_key(name), masked)


def scan_personal_data(
    body: str,
    *,
    circle: Circle | Callable[[], Circle] | None = None,
    matchers: Iterable[NameMatcher] = (),
) -> list[Hit]:
    """Every piece of personal data in ``body``, new and quoted text alike, in order.

    Left out, because the people reading already know it or it is nobody's: the
    circle's own addresses and names (the sender's and the recipients'), role
    addresses (info@, support@ …), the greeting lines naming the addressee, the
    sender's signature, short blocks (signatures) naming someone in the circle, and
    anything inside a URL. ``circle`` may be a function that makes it: it is then
    called only if the body holds something to ask the circle about.
    """
    if not isinstance(body, str) or not body:
        return []
    page = _Body(body, circle or Circle())
    emails = list(_emails(page))
    if page.header_names:
        page.circle = page.circle.with_names(page.header_names)
    names = [*_known_names(page, matchers), *page.display_names]
    hits = [*emails, *_numbers(page), *names, *_honorific_names(page, names)]
    # The sender's office number quoted in the text ("代表電話 03-…") is as much theirs
    # as in the signature.
    hits = [h for h in hits if h.value not in page.own_values or h.kind not in ("phone", "address")]
    hits.sort(key=lambda h: (h.start, h.kind))
    return hits


def summarise(hits: Iterable[Hit], examples: int = 3) -> list[dict[str, Any]]:
    """Counts of distinct values per kind, with masked examples, in KINDS order.

    ``[{"kind": "phone", "count": 2, "examples": ["090-****-5678"], "quoted": 1}]``;
    ``quoted`` counts the values seen only in the quoted or forwarded part.
    """
    by_kind: dict[str, dict[str, Hit]] = {}
    quoted_only: dict[str, set[str]] = {}
    for hit in hits:
        values = by_kind.setdefault(hit.kind, {})
        if hit.value not in values:
            values[hit.value] = hit
            if hit.quoted:
                quoted_only.setdefault(hit.kind, set()).add(hit.value)
        elif not hit.quoted:
            quoted_only.get(hit.kind, set()).discard(hit.value)
    summary = []
    for kind in KINDS:
        values = by_kind.get(kind)
        if not values:
            continue
        shown = list(dict.fromkeys(h.masked for h in values.values()))[:examples]
        summary.append(
            {
                "kind": kind,
                "count": len(values),
                "examples": shown,
                "quoted": len(quoted_only.get(kind, ())),
            }
        )
    return summary
