"""Terminal output for `banyan demo`: columns that line up with Chinese text in them."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def logins_table(rows: list[dict[str, str]]) -> list[str]:
    """The demo logins (see `banyan.demo.demo_logins`) as aligned lines: username, name, role, branch."""
    header = {"username": "username", "full_name": "姓名 name", "role": "角色 role", "branch": "网点 branch"}
    lines = [{"username": r["username"], "full_name": r["full_name"] + (f"（{r['note']}）" if r["note"] else ""),
              "role": f"{r['role_label']} {r['role']}",
              "branch": f"{r['branch_code']} {r['branch_name']}".strip()} for r in rows]
    widths = {k: max(width(x[k]) for x in [header, *lines]) for k in header}
    return ["  " + "  ".join(pad(x[k], widths[k]) for k in header).rstrip() for x in [header, *lines]]
