"""Chinese personal names for the demo bank.

Surnames carry their approximate share of the population in per-mille (公安部 2019-2020 name
reports, rounded); a few polyphonic surnames (曾, 单, 解, 查, 仇, 翟, 缪, 乐, 区) and compound
surnames (欧阳, 司马, 上官, 诸葛, 司徒) are in, so search by pinyin meets them. Given names follow
the fashion of the birth year: 建国 and 秀英 for the 1940s-50s, 伟 and 丽娟 for the 1970s-80s,
子轩 and 欣怡 for the 1990s-2000s.
"""

from __future__ import annotations

import random

SURNAMES: list[tuple[str, float]] = [
    ("王", 71.2), ("李", 69.5), ("张", 67.4), ("刘", 53.8), ("陈", 45.3), ("杨", 30.8), ("黄", 22.9),
    ("赵", 22.8), ("吴", 20.5), ("周", 18.9), ("徐", 14.5), ("孙", 14.1), ("马", 13.8), ("朱", 12.7),
    ("胡", 12.4), ("郭", 11.5), ("何", 11.0), ("林", 10.4), ("高", 10.2), ("罗", 9.2), ("郑", 8.8),
    ("梁", 8.7), ("谢", 7.7), ("宋", 7.0), ("唐", 6.9), ("许", 6.6), ("韩", 6.4), ("冯", 6.3),
    ("邓", 6.2), ("曹", 6.0), ("彭", 5.8), ("曾", 5.7), ("肖", 5.6), ("田", 5.4), ("董", 5.2),
    ("袁", 5.1), ("潘", 5.0), ("于", 4.9), ("蒋", 4.8), ("蔡", 4.7), ("余", 4.6), ("杜", 4.5),
    ("叶", 4.4), ("程", 4.3), ("苏", 4.2), ("魏", 4.1), ("吕", 4.0), ("丁", 3.9), ("任", 3.8),
    ("沈", 3.7), ("姚", 3.6), ("卢", 3.5), ("姜", 3.4), ("崔", 3.3), ("钟", 3.2), ("谭", 3.1),
    ("陆", 3.0), ("汪", 2.9), ("范", 2.8), ("金", 2.7), ("石", 2.6), ("廖", 2.5), ("贾", 2.5),
    ("夏", 2.4), ("韦", 2.4), ("付", 2.3), ("方", 2.3), ("白", 2.2), ("邹", 2.2), ("孟", 2.1),
    ("熊", 2.1), ("秦", 2.0), ("邱", 2.0), ("江", 1.9), ("尹", 1.9), ("薛", 1.8), ("闫", 1.8),
    ("段", 1.7), ("雷", 1.7), ("侯", 1.6), ("龙", 1.6), ("史", 1.5), ("陶", 1.5), ("黎", 1.4),
    ("贺", 1.4), ("顾", 1.3), ("毛", 1.3), ("郝", 1.2), ("龚", 1.2), ("邵", 1.2), ("万", 1.1),
    ("钱", 1.1), ("严", 1.1), ("覃", 1.0), ("武", 1.0), ("戴", 1.0), ("莫", 0.9), ("孔", 0.9),
    ("向", 0.9), ("汤", 0.9), ("俞", 0.8), ("楼", 0.4), ("应", 0.5), ("骆", 0.5), ("章", 0.8),
    # Polyphonic surnames: read differently as a surname (曾 zeng, 单 shan, 解 xie …).
    ("单", 0.7), ("解", 0.6), ("查", 0.4), ("仇", 0.3), ("翟", 0.6), ("缪", 0.3), ("乐", 0.3), ("区", 0.1),
    # Compound surnames (复姓).
    ("欧阳", 0.6), ("司马", 0.15), ("上官", 0.1), ("诸葛", 0.1), ("司徒", 0.1),
]

# Given names by birth cohort and gender: whole given names as parents chose them.
_OLD_MALE = ("建国 国强 建华 卫国 德明 志刚 国平 建平 永明 文华 福生 金根 水根 根宝 国庆 建军 宝林 立新 "
             "正华 荣发 庆丰 家宝 振华 明德 长青 树林 保国 德胜 富贵 志明 强 勇 军 平 斌 华 明 忠 林 海").split()
_OLD_FEMALE = ("秀英 桂英 秀兰 玉兰 桂兰 凤英 秀珍 淑珍 玉珍 美华 素芬 彩娥 月娥 爱华 丽华 红英 金凤 菊芳 "
               "雪芬 惠芬 美娟 玉梅 桂芳 秀琴 兰英 素珍 英 芳 兰 珍 华 琴 梅").split()
_MID_MALE = ("伟 磊 勇 军 强 杰 涛 斌 鹏 超 刚 峰 波 辉 志强 建伟 海涛 俊杰 晓东 建峰 文斌 志伟 永刚 东升 海波 "
             "立军 晓峰 国栋 伟华 小军 宏伟 剑锋 旭东 卫东 建新 晓明 振宇 亮 健 明 浩 毅 俊 锋").split()
_MID_FEMALE = ("敏 静 丽 艳 娟 霞 燕 萍 红 丹 晓燕 丽娟 海燕 秀梅 春梅 雪梅 丽萍 晓红 慧 玲 琳 婷 晓丽 晓敏 "
               "美玲 海霞 彩霞 红梅 莉 颖 丽丽 晓霞 文静 艳红 雪 洁 芳 蕾 青").split()
_YOUNG_MALE = ("浩 宇 博 昊 磊 子豪 浩然 宇轩 子轩 梓豪 俊熙 一鸣 天宇 浩宇 嘉豪 思远 晨阳 家乐 文博 泽宇 "
               "皓轩 明哲 子墨 睿 铭 凯 鑫 帅 翔 晨 俊杰 宇航 佳豪 子健 博文 逸飞 奕辰 梓睿 航 阳").split()
_YOUNG_FEMALE = ("欣怡 梓涵 雨桐 诗涵 思雨 紫涵 梦瑶 佳怡 雨欣 可馨 子琪 语嫣 若汐 婧 琪 悦 楠 佳琪 晓雯 雅婷 "
                 "婉婷 心怡 梦婷 思琪 雪 倩 璐 瑶 蕾 佳 一诺 欣然 诗琪 雨萱 晨曦 嘉怡 静怡 思涵 佳慧 梦洁").split()

_SURNAME_LIST = [s for s, _w in SURNAMES]
_SURNAME_CUM: list[float] = []
_total = 0.0
for _s, _w in SURNAMES:
    _total += _w
    _SURNAME_CUM.append(_total)


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, *, male: bool, birth_year: int) -> str:
    if birth_year < 1963:
        pool = _OLD_MALE if male else _OLD_FEMALE
    elif birth_year < 1986:
        pool = _MID_MALE if male else _MID_FEMALE
    else:
        pool = _YOUNG_MALE if male else _YOUNG_FEMALE
    return rng.choice(pool)


def person_name(rng: random.Random, *, male: bool, birth_year: int, family_name: str | None = None) -> str:
    """A full name; `family_name` for a child who takes the father's surname."""
    return (family_name or surname(rng)) + given_name(rng, male=male, birth_year=birth_year)


def family_name_of(name: str) -> str:
    """The surname of a full name (compound surnames included)."""
    if name[:2] in {s for s, _w in SURNAMES if len(s) == 2}:
        return name[:2]
    return name[:1]
