"""What makes a demo customer's file hang together: where people come from, what work fits
which age, who has which interests, where they live. The bank is in Hangzhou."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Region codes (the first 6 digits of a resident ID) of real places, weighted: most customers
# of a Hangzhou branch were registered in Hangzhou, many elsewhere in Zhejiang, the rest moved in.
HANGZHOU = [
    ("330102", "杭州市上城区"), ("330103", "杭州市下城区"), ("330104", "杭州市江干区"), ("330105", "杭州市拱墅区"),
    ("330106", "杭州市西湖区"), ("330108", "杭州市滨江区"), ("330109", "杭州市萧山区"), ("330110", "杭州市余杭区"),
    ("330122", "杭州市桐庐县"), ("330127", "杭州市淳安县"), ("330182", "建德市"), ("330183", "富阳市"),
]
ZHEJIANG = [
    ("330203", "宁波市海曙区"), ("330302", "温州市鹿城区"), ("330381", "瑞安市"), ("330402", "嘉兴市南湖区"),
    ("330502", "湖州市吴兴区"), ("330602", "绍兴市越城区"), ("330702", "金华市婺城区"), ("330782", "义乌市"),
    ("330802", "衢州市柯城区"), ("331002", "台州市椒江区"), ("331102", "丽水市莲都区"), ("330902", "舟山市定海区"),
]
ELSEWHERE = [
    ("110101", "北京市东城区"), ("310101", "上海市黄浦区"), ("320102", "南京市玄武区"), ("320508", "苏州市姑苏区"),
    ("340102", "合肥市瑶海区"), ("360102", "南昌市东湖区"), ("410102", "郑州市中原区"), ("420102", "武汉市江岸区"),
    ("430102", "长沙市芙蓉区"), ("510104", "成都市锦江区"), ("500103", "重庆市渝中区"), ("440103", "广州市荔湾区"),
    ("440304", "深圳市福田区"), ("350102", "福州市鼓楼区"), ("370102", "济南市历下区"), ("610102", "西安市新城区"),
    ("210102", "沈阳市和平区"), ("230102", "哈尔滨市道里区"), ("130102", "石家庄市长安区"), ("341802", "宣城市宣州区"),
    ("362302", "上饶市信州区"), ("411302", "南阳市宛城区"), ("321102", "镇江市京口区"), ("342401", "六安市"),
]


def region_code(rng: random.Random, *, age: int) -> str:
    r = rng.random()
    # Younger customers moved to Hangzhou for work more often than their parents did.
    elsewhere = 0.15 if age >= 55 else 0.32
    if r < elsewhere:
        return rng.choice(ELSEWHERE)[0]
    if r < elsewhere + 0.2:
        return rng.choice(ZHEJIANG)[0]
    return rng.choice(HANGZHOU)[0]


# ---------------------------------------------------------------------------------------------
# Addresses: each branch's neighbourhood, and a few customers living further out.
_NEIGHBOURHOODS = {
    "001": ("杭州市上城区", ["凯旋路", "秋涛北路", "景芳路", "钱江路", "江锦路", "采荷路", "庆春东路"],
            ["景芳三区", "金色海岸", "春江花月", "凯旋南苑", "采荷人家", "钱江新城嘉苑", "新塘家园"]),
    "002": ("杭州市西湖区", ["文三路", "文一西路", "学院路", "古墩路", "教工路", "万塘路", "天目山路"],
            ["文鼎苑", "嘉绿苑", "翠苑一区", "古荡新村", "学院路小区", "西溪诚园", "紫金文苑"]),
    "003": ("杭州市滨江区", ["江南大道", "滨盛路", "长河路", "江陵路", "西兴路", "网商路", "闻涛路"],
            ["东方郡", "钱塘春晓", "江南春城", "星耀城", "白金海岸", "金色钱塘", "滨江花园"]),
}
_FURTHER = [("杭州市萧山区", ["市心中路", "金城路", "人民路"], ["银河小区", "绿都世贸", "湘湖人家"]),
            ("杭州市余杭区", ["文一西路", "五常大道", "临平大道"], ["未来科技城海创园", "西溪蝶园", "星桥花苑"])]


def address(rng: random.Random, branch: str) -> str:
    district, roads, estates = rng.choice(_FURTHER) if rng.random() < 0.12 else _NEIGHBOURHOODS[branch]
    return (f"{district}{rng.choice(roads)}{rng.randint(1, 899)}号{rng.choice(estates)}"
            f"{rng.randint(1, 28)}幢{rng.randint(1, 4)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室")


# ---------------------------------------------------------------------------------------------
# Companies a Hangzhou customer works for.
_BIG_TECH = ["阿里巴巴（中国）有限公司", "网易（杭州）网络有限公司", "杭州海康威视数字技术股份有限公司",
             "浙江大华技术股份有限公司", "新华三技术有限公司", "恒生电子股份有限公司", "蚂蚁科技集团股份有限公司"]
_SCHOOLS = ["杭州学军中学", "杭州高级中学", "杭州第二中学", "杭州市天长小学", "杭州市滨江区江南实验学校",
            "杭州市文三街小学", "杭州市采荷中学"]
_UNIVERSITIES = ["浙江大学", "浙江工业大学", "杭州电子科技大学", "浙江工商大学", "中国美术学院", "杭州师范大学"]
_HOSPITALS = ["浙江大学医学院附属第一医院", "浙江省人民医院", "杭州市第一人民医院", "浙江大学医学院附属邵逸夫医院",
              "杭州市中医院", "浙江大学医学院附属儿童医院"]
_GOVERNMENT = ["杭州市财政局", "滨江区市场监督管理局", "上城区人民政府", "国家税务总局杭州市税务局", "西湖区教育局",
               "杭州市规划和自然资源局", "拱墅区城市管理局"]
_INSTITUTIONS = ["杭州图书馆", "浙江省气象局", "杭州市疾病预防控制中心", "浙江省农业科学院", "杭州市公证处"]
_STATE_FIRMS = ["国网浙江省电力有限公司", "中国移动通信集团浙江有限公司", "杭州市地铁集团有限责任公司",
                "浙江省能源集团有限公司", "杭州市公交集团有限公司", "中国石化浙江石油分公司"]
_FACTORIES = ["杭州娃哈哈集团有限公司", "浙江吉利控股集团有限公司", "杭州制氧机集团股份有限公司",
              "杭州老板电器股份有限公司", "万向集团公司", "杭州中策橡胶有限公司"]
_LAW_FIRMS = ["浙江天册律师事务所", "浙江六和律师事务所", "北京大成（杭州）律师事务所", "国浩律师（杭州）事务所"]
_FINANCE = ["浙商证券股份有限公司", "财通证券股份有限公司", "浙商基金管理有限公司",
            "中国人寿保险股份有限公司浙江省分公司"]
_LOGISTICS = ["顺丰速运有限公司", "中通快递股份有限公司", "杭州拉扎斯信息科技有限公司（饿了么）", "美团"]
_TRADE_NAMES = ["恒达", "华瑞", "金鼎", "明德", "新世纪", "东方", "远洋", "鼎盛", "聚鑫", "万通", "宏远", "天成",
                "瑞丰", "信达", "嘉禾", "海宁", "永盛", "钱江", "西溪", "之江"]
_TRADES = ["贸易", "科技", "实业", "建材", "纺织", "电子", "物流", "餐饮管理", "服饰", "机械", "装饰工程", "茶业",
           "电子商务", "文化传媒", "汽车销售"]


def small_company(rng: random.Random) -> tuple[str, str]:
    """(company name, its trade)."""
    trade = rng.choice(_TRADES)
    return f"{rng.choice(['杭州', '浙江', '杭州'])}{rng.choice(_TRADE_NAMES)}{trade}有限公司", trade


_TRADE_INDUSTRY = {"贸易": "批发和零售业", "科技": "信息技术", "实业": "制造业", "建材": "建筑业", "纺织": "制造业",
                   "电子": "制造业", "物流": "交通运输和物流", "餐饮管理": "住宿和餐饮业", "服饰": "批发和零售业",
                   "机械": "制造业", "装饰工程": "建筑业", "茶业": "农林牧渔", "电子商务": "互联网",
                   "文化传媒": "文化娱乐", "汽车销售": "批发和零售业"}

_SHOPS = ["服装店", "餐馆", "水果店", "便利店", "五金店", "茶叶店", "美发店", "早餐店", "手机维修店", "花店"]


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Occupation:
    """A line of work with the ages it fits. `wealth` scales the customer's expected assets."""

    name: str
    industry: str
    min_age: int
    max_age: int
    weight: float
    wealth: float
    education: tuple[tuple[str, int], ...]
    employers: tuple[str, ...] = ()
    kind: str = "employee"  # employee, student, owner, shopkeeper, retired, homemaker, freelance
    gender: str | None = None  # "F"/"M" when the job is held almost only by one


def _edu(**w: int) -> tuple[tuple[str, int], ...]:
    return tuple(w.items())


OCCUPATIONS: list[Occupation] = [
    Occupation("大学生", "教育", 20, 24, 3, 0.08, _edu(bachelor=1), tuple(_UNIVERSITIES), kind="student"),
    Occupation("研究生", "教育", 22, 28, 1.2, 0.1, _edu(bachelor=1), tuple(_UNIVERSITIES), kind="student"),
    Occupation("软件工程师", "信息技术", 22, 50, 8, 1.4, _edu(bachelor=6, master=3, college=1), tuple(_BIG_TECH)),
    Occupation("产品经理", "互联网", 24, 45, 3, 1.5, _edu(bachelor=6, master=3), tuple(_BIG_TECH)),
    Occupation("销售经理", "批发和零售业", 24, 55, 5, 1.2, _edu(college=4, bachelor=4, high_school=2)),
    Occupation("会计", "商务服务", 22, 58, 4, 0.9, _edu(college=4, bachelor=5, master=1), tuple(_STATE_FIRMS)),
    Occupation("中学教师", "教育", 23, 60, 4, 1.0, _edu(bachelor=7, master=3), tuple(_SCHOOLS)),
    Occupation("大学教师", "教育", 30, 65, 1.2, 1.8, _edu(doctor=7, master=3), tuple(_UNIVERSITIES)),
    Occupation("医生", "卫生和社会工作", 26, 62, 2.5, 2.2, _edu(master=5, doctor=3, bachelor=2), tuple(_HOSPITALS)),
    Occupation("护士", "卫生和社会工作", 21, 55, 2.5, 0.8, _edu(college=5, bachelor=5), tuple(_HOSPITALS), gender="F"),
    Occupation("公务员", "公共管理", 23, 60, 4, 1.2, _edu(bachelor=6, master=4), tuple(_GOVERNMENT)),
    Occupation("事业单位职员", "公共管理", 23, 60, 3, 1.0, _edu(bachelor=6, master=2, college=2), tuple(_INSTITUTIONS)),
    Occupation("国企职员", "电力和能源", 23, 60, 4, 1.1, _edu(bachelor=5, college=4, master=1), tuple(_STATE_FIRMS)),
    Occupation("企业高管", "制造业", 35, 63, 1.5, 6.0, _edu(bachelor=5, master=5), tuple(_FACTORIES + _BIG_TECH)),
    Occupation("私营企业主", "", 28, 72, 4, 7.0, _edu(high_school=3, college=3, bachelor=3, below_hs=2, master=1),
               kind="owner"),
    Occupation("个体工商户", "批发和零售业", 25, 68, 5, 1.6, _edu(below_hs=4, high_school=5, college=1),
               kind="shopkeeper"),
    Occupation("律师", "法律服务", 26, 65, 1, 2.5, _edu(bachelor=4, master=6), tuple(_LAW_FIRMS)),
    Occupation("金融从业者", "金融业", 24, 55, 1.5, 2.5, _edu(bachelor=5, master=5), tuple(_FINANCE)),
    Occupation("设计师", "文化娱乐", 22, 45, 2, 1.0, _edu(bachelor=7, college=3)),
    Occupation("电商主播", "互联网", 20, 38, 1.2, 1.5, _edu(college=5, high_school=4, bachelor=1), kind="freelance"),
    Occupation("工人", "制造业", 20, 60, 6, 0.5, _edu(below_hs=4, high_school=6), tuple(_FACTORIES)),
    Occupation("快递员", "交通运输和物流", 20, 48, 3, 0.35, _edu(below_hs=4, high_school=6), tuple(_LOGISTICS),
               gender="M"),
    Occupation("出租车司机", "交通运输和物流", 25, 60, 1.5, 0.5, _edu(below_hs=5, high_school=5), gender="M"),
    Occupation("自由职业", "商务服务", 22, 55, 2, 0.8, _edu(college=4, bachelor=4, high_school=2), kind="freelance"),
    Occupation("全职主妇", "", 27, 60, 2, 1.6, _edu(high_school=3, college=4, bachelor=3), kind="homemaker",
               gender="F"),
    Occupation("务农", "农林牧渔", 40, 80, 1.5, 0.6, _edu(below_hs=9, high_school=1), kind="farmer"),
]

#: Occupations that mean "still at school" (the demo's tests check their ages).
STUDENT_OCCUPATIONS = {o.name for o in OCCUPATIONS if o.kind == "student"}

#: Retired: the former line of work shows in the title (退休教师). Minimum ages: women 50, men 60.
RETIRED = [
    ("退休教师", "教育", _SCHOOLS, _edu(college=4, bachelor=4, high_school=2), 1.6),
    ("退休工人", "制造业", _FACTORIES, _edu(below_hs=6, high_school=4), 0.9),
    ("退休干部", "公共管理", _GOVERNMENT, _edu(bachelor=4, college=4, high_school=2), 2.2),
    ("退休医生", "卫生和社会工作", _HOSPITALS, _edu(bachelor=5, master=2, college=3), 2.4),
    ("退休职工", "商务服务", _STATE_FIRMS, _edu(high_school=6, college=3, below_hs=1), 1.2),
]


def is_retired(occupation: str) -> bool:
    return occupation.startswith("退休")


@dataclass
class Work:
    occupation: str
    industry: str
    employer: str
    education: str
    wealth: float
    kind: str
    business_opened_on: dt.date | None = None


def retirement_age(male: bool) -> int:
    return 60 if male else 50


def choose_work(rng: random.Random, *, age: int, male: bool, today: dt.date) -> Work:
    """Work that fits the age: students are young, retirees are old, owners have a business."""
    retire_at = retirement_age(male)
    fits = [o for o in OCCUPATIONS if o.min_age <= age <= o.max_age and o.gender in (None, "M" if male else "F")]
    if age >= retire_at:
        # Past the statutory age most are retired; some keep running a business or farming.
        p_retired = 0.55 if age < retire_at + 5 else 0.93
        if rng.random() < p_retired or not fits:
            name, industry, employers, education, wealth = rng.choice(RETIRED)
            employer = "原" + rng.choice(employers) if rng.random() < 0.5 else ""
            return Work(name, industry, employer, _pick(rng, education), wealth, "retired")
    occ = rng.choices(fits, weights=[o.weight for o in fits])[0]
    education = _pick(rng, occ.education)
    industry, employer, opened = occ.industry, "", None
    if occ.kind == "owner":
        employer, trade = small_company(rng)
        industry = _TRADE_INDUSTRY[trade]
        opened = _past_date(rng, today, min_years=1, max_years=max(2, min(25, age - 24)))
    elif occ.kind == "shopkeeper":
        employer = f"个体经营（{rng.choice(_SHOPS)}）"
        opened = _past_date(rng, today, min_years=1, max_years=max(2, min(20, age - 22)))
    elif occ.employers:
        employer = rng.choice(occ.employers)
    elif occ.kind == "employee":
        employer, trade = small_company(rng)
        industry = occ.industry or _TRADE_INDUSTRY[trade]
    if occ.kind == "student" and occ.name == "研究生":
        education = "bachelor"  # a graduate student holds a bachelor's degree so far
    return Work(occ.name, industry, employer, education, occ.wealth, occ.kind, opened)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]


def _past_date(rng: random.Random, today: dt.date, *, min_years: float, max_years: float) -> dt.date:
    return today - dt.timedelta(days=rng.randint(int(min_years * 365), int(max_years * 365)))


# ---------------------------------------------------------------------------------------------
def marital_status(rng: random.Random, *, age: int, kind: str) -> str:
    if kind == "student":
        return "single" if rng.random() < 0.97 else "married"
    if age < 25:
        probs = (("single", 88), ("married", 12))
    elif age < 30:
        probs = (("single", 50), ("married", 48), ("divorced", 2))
    elif age < 35:
        probs = (("single", 20), ("married", 75), ("divorced", 5))
    elif age < 60:
        probs = (("single", 5), ("married", 85), ("divorced", 8), ("widowed", 2))
    elif age < 70:
        probs = (("married", 80), ("divorced", 5), ("widowed", 15))
    else:
        probs = (("married", 62), ("divorced", 3), ("widowed", 35))
    return _pick(rng, probs)


def child_ages(rng: random.Random, *, age: int, birth_year: int, first_at: int) -> list[int]:
    """Ages of the children of a married (or once married) customer whose first child came at
    `first_at` (after the wedding)."""
    if age < first_at:
        return []
    if birth_year < 1955:
        count = rng.choice([1, 2, 2, 2, 3, 3])
    elif birth_year < 1985:
        count = rng.choice([1, 1, 1, 1, 2])  # the one-child generation's parents
    else:
        count = rng.choice([0, 1, 1, 1, 2, 2])
    ages = []
    gap = 0
    for _i in range(count):
        child = age - first_at - gap
        if child < 0:
            break
        ages.append(child)
        gap += rng.randint(2, 6)
    return ages


_GRADE = "一二三四五六"


def _stage(age: int) -> str:
    if age <= 2:
        return f"{max(age, 1)}岁"
    if age <= 5:
        return "上幼儿园"
    if age <= 11:
        return f"读小学{_GRADE[age - 6]}年级"
    if age <= 14:
        return f"读初{_GRADE[age - 12]}"
    if age <= 17:
        return f"读高{_GRADE[age - 15]}"
    if age <= 21:
        return "读大学"
    if age <= 24:
        return "刚参加工作"
    if age <= 29:
        return "已工作"
    return "已成家"


def children_text(rng: random.Random, ages: list[int]) -> tuple[str, list[tuple[bool, int]]]:
    """("儿子读小学三年级；女儿上幼儿园", [(is_son, age), …]); "无子女" when none."""
    if not ages:
        return "无子女", []
    kids = [(rng.random() < 0.52, a) for a in ages]
    parts: list[str] = []
    for son, a in kids:  # two daughters both at work read "两个女儿都已工作"
        same = [k for k in kids if k[0] == son and _stage(k[1]) == _stage(a)]
        child = "儿子" if son else "女儿"
        text = f"{child}{_stage(a)}" if len(same) == 1 else f"{'两三'[len(same) - 2]}个{child}都{_stage(a)}"
        if text not in parts:
            parts.append(text)
    if any(a >= 30 for _s, a in kids) and rng.random() < 0.6:
        parts.append(rng.choice(["有一个孙子", "有一个外孙女", "有两个孙辈"]))
    return "；".join(parts), kids


# ---------------------------------------------------------------------------------------------
_INTERESTS_YOUNG = ["健身", "跑步", "羽毛球", "旅游", "看电影", "摄影", "露营", "咖啡", "网球", "滑雪", "养猫",
                    "养狗", "追剧", "骑行", "剧本杀", "烘焙", "瑜伽"]
_INTERESTS_MID = ["钓鱼", "登山", "喝茶", "高尔夫", "读书", "旅游", "摄影", "美食", "红酒", "收藏", "游泳",
                  "书法", "孩子教育", "自驾游", "羽毛球", "瑜伽", "养花", "网球"]
_INTERESTS_OLD = ["太极拳", "广场舞", "书法", "养花", "越剧", "钓鱼", "喝茶", "带孙子", "旅游", "老年大学",
                  "下象棋", "散步", "合唱", "养鸟", "保健养生"]


def interests(rng: random.Random, *, age: int) -> str:
    pool = _INTERESTS_YOUNG if age < 35 else (_INTERESTS_MID if age < 60 else _INTERESTS_OLD)
    return "、".join(rng.sample(pool, rng.choice([1, 2, 2, 3])))


def preferred_time(rng: random.Random, *, kind: str) -> str:
    if kind in ("retired", "homemaker", "farmer"):
        return rng.choice(["上午9点到11点", "下午3点以后", "上午，午睡时间别打", "工作日白天都可以"])
    if kind in ("owner", "shopkeeper"):
        return rng.choice(["上午10点以后", "下午2点到4点", "晚上8点以后，白天忙店里", "随时可以"])
    return rng.choice(["工作日晚上7点以后", "午休12:00-13:30", "周末上午", "下班路上（18点左右）", "工作日下午"])


def transaction_habits(rng: random.Random, *, age: int, kind: str) -> str:
    options = ["手机银行为主，很少来网点", "每月工资到账后转定期", "偏好保本产品，不碰股票类", "利率敏感，喜欢大额存单",
               "经常跨行转账到他行理财", "每月给父母转生活费", "常用信用卡分期"]
    if age >= 60:
        options += ["习惯到网点柜台办理", "每月领养老金后存定期", "喜欢现金，常来网点取款"]
    if kind in ("owner", "shopkeeper"):
        options += ["经营流水大，月底资金紧张", "常用收款码，资金在他行", "年底结账后资金较充裕"]
    if age < 45:
        options += [f"基金定投，每月{rng.choice([5, 10, 15, 20])}日扣款"]
    return rng.choice(options)


NOTES = ["喜欢被称呼“老师”", "耳背，电话里要说大声一点", "只在工作日上午接电话", "不喜欢被推销保险",
         "对之前基金亏损有意见，沟通要耐心", "很重视孩子教育，可以从这方面聊", "每次来网点都带孙子，可以准备小礼物",
         "爱人管家里的钱，重要事项要约两人一起", "公司在高新区，中午可以去拜访", "信任我行，大额资金都放这里"]

#: Well-known employers, for what a manager learns about a customer's family.
WELL_KNOWN_EMPLOYERS = _BIG_TECH + _HOSPITALS + _UNIVERSITIES
