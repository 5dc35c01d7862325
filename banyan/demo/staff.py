"""The demo bank's branches and staff logins. Plain data, importable anywhere (no models at import)."""

from __future__ import annotations

from typing import NamedTuple

#: Every demo login has this password; the demo prints it, so it protects nothing.
DEMO_PASSWORD = "banyan2026"

#: (code, name) — three branches of one Hangzhou bank.
BRANCHES: list[tuple[str, str]] = [
    ("001", "城东支行"),
    ("002", "高新区支行"),
    ("003", "滨江支行"),
]

ROLE_LABELS = {
    "rm": "客户经理",
    "assistant": "客户经理助理",
    "lobby": "大堂经理",
    "planner": "理财规划师",
    "branch_head": "支行行长",
    "auditor": "审计员",
    "admin": "系统管理员",
}

HEAD_OFFICE = "总行"


class DemoStaff(NamedTuple):
    username: str
    full_name: str
    role: str
    branch: str | None  # branch code; None for head office (auditor, admin)
    senior: bool = False
    manager: str | None = None  # for an assistant: the manager they work for


#: In creation order (a manager before the assistant who works for them).
STAFF: list[DemoStaff] = [
    DemoStaff("zhoujianguo", "周建国", "branch_head", "001"),
    DemoStaff("zhangmin", "张敏", "rm", "001", senior=True),
    DemoStaff("lihua", "李华", "rm", "001"),
    DemoStaff("liuyang", "刘洋", "rm", "001"),
    DemoStaff("chensiyuan", "陈思远", "planner", "001"),
    DemoStaff("wangting", "王婷", "assistant", "001", manager="zhangmin"),
    DemoStaff("zhaoqian", "赵倩", "lobby", "001"),
    DemoStaff("wuzhiqiang", "吴志强", "branch_head", "002"),
    DemoStaff("wangfang", "王芳", "rm", "002", senior=True),
    DemoStaff("sunlei", "孙磊", "rm", "002"),
    DemoStaff("yangxue", "杨雪", "rm", "002"),
    DemoStaff("zhengyawen", "郑雅雯", "planner", "002"),
    DemoStaff("huangli", "黄丽", "assistant", "002", manager="wangfang"),
    DemoStaff("machao", "马超", "lobby", "002"),
    DemoStaff("linguohua", "林国华", "branch_head", "003"),
    DemoStaff("xujing", "徐静", "rm", "003", senior=True),
    DemoStaff("zengfan", "曾帆", "rm", "003"),
    DemoStaff("hejun", "何俊", "rm", "003"),
    DemoStaff("guoxiaofeng", "郭晓峰", "planner", "003"),
    DemoStaff("hurong", "胡蓉", "assistant", "003", manager="xujing"),
    DemoStaff("zhulin", "朱琳", "lobby", "003"),
    DemoStaff("songwenjie", "宋文杰", "auditor", None),
    DemoStaff("admin", "系统管理员", "admin", None),
]


#: The roles customers call: each has a work mobile and WeChat ID (issue 16 §2, seed 004).
_CUSTOMER_FACING = ("rm", "planner", "assistant", "branch_head", "lobby")


def work_contact(member: DemoStaff) -> tuple[str, str]:
    """The demo work mobile and WeChat ID of a staff member customers call (else empty): 139 0571
    and the member's place in STAFF, so that each is different and stays the same between builds."""
    if member.role not in _CUSTOMER_FACING:
        return "", ""
    return f"1390571{STAFF.index(member) + 1:04d}", f"{member.username}_banyan"


def demo_logins(*, only_existing: bool = False) -> list[dict[str, str]]:
    """The demo logins, one dict each: username, password, full_name, role, role_label,
    branch_code, branch_name, note (e.g. "资深", "协助 张敏").

    With `only_existing`, only the logins present in the database (needs Django set up): a page
    should show the list only when the demo bank is there.
    """
    names = dict(BRANCHES)
    people = {s.username: s.full_name for s in STAFF}
    rows = []
    for s in STAFF:
        note = "资深" if s.senior else (f"协助 {people[s.manager]}" if s.manager else "")
        rows.append({
            "username": s.username, "password": DEMO_PASSWORD, "full_name": s.full_name, "role": s.role,
            "role_label": ROLE_LABELS[s.role], "branch_code": s.branch or "",
            "branch_name": names[s.branch] if s.branch else HEAD_OFFICE, "note": note,
        })
    if only_existing:
        from banyan.org.models import Staff

        present = set(Staff.objects.filter(username__in=[r["username"] for r in rows]).values_list("username",
                                                                                                  flat=True))
        rows = [r for r in rows if r["username"] in present]
    return rows
