"""The review's figures in words: the label and the definition of each, in the reader's language,
and how it is written (a count, money, a fraction, minutes). The page's column headers and
tooltips, the Excel's header row and its "定义" sheet, and the API document read this one list."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.customers.models import Channel
from banyan.holdings.models import ProductType


def _k(label: str) -> Promise:
    """A figure's label, in a context of its own: "Sales" or "Done" mean other things on other pages."""
    return pgettext_lazy("kpi", label)


@dataclass(frozen=True)
class Field:
    key: str
    label: str | Promise
    kind: str  # "count", "money", "rate" (a fraction, 0.667), "minutes", "points"
    definition: str | Promise
    group: str  # "plan", "contacts", "opportunities", "sales", "book", "service", "events"


FIELDS: list[Field] = [
    Field("planned", _k("Planned"), "count", _("Tasks on the manager's lists for the days of the period, less those "
                                              "carried into a later task (moved, superseded) or left off by a "
                                              "contact rule."), "plan"),
    Field("done", _k("Done"), "count", _("Of the planned tasks, those completed."), "plan"),
    Field("reached", _k("Reached"), "count", _("Of the planned tasks, those completed with the customer reached."),
          "plan"),
    Field("contact_achievement_rate", _k("Contact achievement rate"), "rate", _("Reached ÷ planned."), "plan"),
    Field("completion_rate", _k("Completion rate"), "rate", _("Done ÷ planned."), "plan"),
    Field("contacts", _k("Contacts"), "count", _("Contacts recorded in the period, by any channel."), "contacts"),
    Field("real_contacts", _k("Real contacts"), "count", _("Contacts in which the customer was spoken to (a call, "
                                                          "a visit, a meeting, an answered WeChat)."), "contacts"),
    Field("new_info", _k("New information"), "count", _("Contacts in the period that recorded new information."),
          "contacts"),
    Field("calls", _k("Call records"), "count", _("Contacts by phone in the period."), "contacts"),
    Field("calls_target", _k("Call records target"), "count", _("The daily call-record target × the working days of "
                                                               "the period so far."), "contacts"),
    Field("call_minutes", _k("Minutes on the phone"), "minutes", _("Minutes recorded on the period's calls."),
          "contacts"),
    Field("call_minutes_target", _k("Minutes target"), "minutes", _("The daily calling-minutes target × the working "
                                                                   "days of the period so far."), "contacts"),
    *[Field(f"contacts_{c.value}", c.label, "count", _("Contacts by this channel."), "contacts") for c in Channel],
    Field("opportunities_opened", _k("Opportunities opened"), "count", _("Sales opportunities opened in the period."),
          "opportunities"),
    Field("opportunities_won", _k("Opportunities won"), "count", _("Opportunities won in the period."),
          "opportunities"),
    Field("opportunities_lost", _k("Opportunities lost"), "count", _("Opportunities lost in the period."),
          "opportunities"),
    Field("win_rate", _k("Win rate"), "rate", _("Won ÷ (won + lost) in the period."), "opportunities"),
    Field("opportunities_overdue", _k("Open past their date"), "count", _("Opportunities still open at the end of "
                                                                         "the period and past their follow-up "
                                                                         "date."), "opportunities"),
    Field("sales_count", _k("Sales"), "count", _("Sales with a purchase date in the period (withdrawn ones "
                                                "excluded), by the staff member who sold."), "sales"),
    Field("sales_amount", _k("Sales amount"), "money", _("The amount of those sales, in yuan."), "sales"),
    *[Field(f"sales_amount_{t.value}", t.label, "money", _("Sales amount of this product type."), "sales")
      for t in ProductType],
    Field("book_start", _k("Customers at the start"), "count", _("Customers in the book at the start (the last "
                                                                "month-end snapshot before the period)."), "book"),
    Field("aum_start", _k("AUM at the start"), "money", _("Their AUM then."), "book"),
    Field("book_end", _k("Customers at the end"), "count", _("Customers in the book at the end (today's book while the "
                                                            "period runs)."), "book"),
    Field("aum_end", _k("AUM at the end"), "money", _("Their AUM then."), "book"),
    Field("aum_change", _k("AUM change"), "money", _("AUM at the end − AUM at the start (hand-overs included)."),
          "book"),
    Field("net_new_money", _k("Net new money"), "money", _("Money in less money out on the accounts of the end book's "
                                                          "customers during the period."), "book"),
    Field("moved_up", _k("Moved up a quadrant"), "count", _("Customers of the end book who went from low to high "
                                                           "assets in the period."), "book"),
    Field("moved_down", _k("Moved down a quadrant"), "count", _("Customers of the end book who went from high to low "
                                                               "assets in the period."), "book"),
    Field("completeness_gained", _k("File completeness gained"), "points", _("Average points of file completeness "
                                                                            "gained by the end book's customers."),
          "book"),
    Field("new_customers", _k("New customers"), "count", _("Customers of the end book who opened their account in the "
                                                          "period."), "book"),
    Field("first_contact_in_time", _k("First contact in time"), "count", _("Of those, the ones reached in person or "
                                                                          "by phone within the bank's deadline."),
          "book"),
    Field("referrals_sent", _k("Referrals sent"), "count", _("Referrals and hand-offs sent in the period."), "service"),
    Field("referrals_received", _k("Referrals received"), "count", _("Referrals and hand-offs received in the period."),
          "service"),
    Field("referrals_converted", _k("Referrals converted"), "count", _("Received referrals converted in the period."),
          "service"),
    Field("complaints_received", _k("Complaints received"), "count", _("Complaints received in the period, by owner."),
          "service"),
    Field("complaints_open", _k("Complaints open"), "count", _("Complaints not decided at the end of the period."),
          "service"),
    Field("complaints_overdue", _k("Complaints overdue"), "count", _("Of those, the ones past their decision date."),
          "service"),
    Field("event_invited", _k("Event guests invited"), "count", _("Invitations to client events held in the period."),
          "events"),
    Field("event_attended", _k("Event guests attended"), "count", _("Of those, the guests who came."), "events"),
]
FIELD_BY_KEY = {f.key: f for f in FIELDS}

#: The columns of the review's main table (the API's row keys first, as API.md lists them).
MAIN = ["planned", "done", "reached", "contact_achievement_rate", "new_info", "calls", "calls_target",
        "call_minutes", "opportunities_opened", "opportunities_won", "opportunities_overdue", "sales_count",
        "sales_amount", "aum_start", "aum_end", "net_new_money", "moved_up", "moved_down", "completeness_gained",
        "new_customers", "first_contact_in_time", "referrals_received", "complaints_open", "event_attended"]
