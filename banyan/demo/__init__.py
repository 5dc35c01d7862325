"""The demo bank (`banyan demo`): three branches of a Hangzhou bank, their staff, and thousands of
customers whose files hang together — built deterministically from a seed (issue 2, item 9).

`demo_logins()` lists the demo staff logins (importable before Django's apps are ready, so the
login page can show them); `banyan.demo.builder.build_demo()` builds the bank.
"""

from banyan.demo.staff import DEMO_PASSWORD, demo_logins

__all__ = ["DEMO_PASSWORD", "demo_logins"]
