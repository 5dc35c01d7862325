"""Pinyin search keys for customer names (ARC-7).

pypinyin reads a name as ordinary words, so a surname whose reading differs as a surname comes
out wrong (曾 "ceng" instead of "zeng"). The surname is read from the table below first; the
given name goes to pypinyin. The table holds only the surnames whose surname reading differs
from pypinyin's default reading, and compound surnames (复姓), which are matched first.
"""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

COMPOUND_SURNAMES = {
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "上官": ("shang", "guan"), "诸葛": ("zhu", "ge"),
    "东方": ("dong", "fang"), "皇甫": ("huang", "fu"), "尉迟": ("yu", "chi"), "公孙": ("gong", "sun"),
    "长孙": ("zhang", "sun"), "慕容": ("mu", "rong"), "令狐": ("ling", "hu"), "司徒": ("si", "tu"),
    "夏侯": ("xia", "hou"), "宇文": ("yu", "wen"), "澹台": ("tan", "tai"), "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"), "端木": ("duan", "mu"), "南宫": ("nan", "gong"), "西门": ("xi", "men"),
}

SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha",
    "乐": "yue", "盖": "ge", "缪": "miao", "翟": "zhai", "覃": "qin", "秘": "bi", "召": "shao",
    "种": "chong", "员": "yun", "繁": "po", "句": "gou", "尉": "yu", "折": "she", "貟": "yun",
    "沈": "shen", "石": "shi", "柏": "bai", "蕃": "pi", "隗": "wei", "祭": "zhai", "眭": "sui",
    "藏": "zang", "都": "du", "重": "chong", "纪": "ji", "卜": "bu", "宿": "su", "车": "che",
    "任": "ren", "华": "hua", "燕": "yan", "相": "xiang", "过": "guo", "弗": "fu", "莘": "shen",
    "长": "chang", "黑": "he", "牟": "mou", "冼": "xian", "洗": "xian", "阚": "kan", "贲": "ben",
}


def _latin_words(chunk: str) -> list[str]:
    """Latin letters in a name (Tom 李) stay as words; anything else is dropped."""
    return [w.lower() for w in "".join(c if c.isascii() and c.isalpha() else " " for c in chunk).split()]


def name_syllables(name: str) -> list[str]:
    """The pinyin syllables of a person's name, with the surname read as a surname."""
    name = "".join(name.split())
    if not name:
        return []
    if name[:2] in COMPOUND_SURNAMES:
        head, rest = list(COMPOUND_SURNAMES[name[:2]]), name[2:]
    elif name[0] in SURNAME_READINGS:
        head, rest = [SURNAME_READINGS[name[0]]], name[1:]
    else:
        head, rest = [], name
    tail = lazy_pinyin(rest, style=Style.NORMAL, errors=_latin_words, v_to_u=False) if rest else []
    return [s.lower() for s in head + tail if s and s.isascii() and s.isalpha()]


@functools.lru_cache(maxsize=65536)  # names repeat a lot in a bank: feeds and the demo hit the cache
def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials): 曾小明 → ("zengxiaoming", "zxm")."""
    syllables = name_syllables(name)
    return "".join(syllables), "".join(s[0] for s in syllables)
