"""The review (总结与检视, KPI-1..3, seeds 003 and 004): the branch head's value-uplift plan for
each manager and period, its listed customers and comments, and the monthly report sent to each
branch head. The indicators are counted from the rows of the period (banyan.kpis.figures), so
that the page, the API and the Excel cannot disagree; those of closed days are kept (KeptWork,
KeptBook) and recounted whenever a write touches their day (Stale, marked by the database)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the manager")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class UpliftPlan(models.Model):
    """A manager's value-uplift plan (价值提升计划, seed 004) for a period: set by the branch head
    (approved at once) or proposed by the manager and approved. Targets left empty are not part
    of the plan; progress is the review's figures for the same manager and period."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uplift_plans",
                                db_index=False)  # covered by uniq_plan_period
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+",
                               db_index=False)  # covered by plan_branch_start
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    target_contact_rate = models.DecimalField(_("contact achievement rate"), max_digits=5, decimal_places=4,
                                              null=True, blank=True)  # a fraction: 0.8500
    target_new_aum = models.DecimalField(_("new AUM (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    target_opportunities = models.PositiveIntegerField(_("opportunities opened"), null=True, blank=True)
    target_sales_count = models.PositiveIntegerField(_("sales (count)"), null=True, blank=True)
    target_sales_amount = models.DecimalField(_("sales (yuan)"), max_digits=16, decimal_places=2, null=True,
                                              blank=True)
    note = models.CharField(_("what the plan is about"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "manager_id"]
        verbose_name = _("value-uplift plan")
        constraints = [
            models.UniqueConstraint(fields=["manager", "start", "end"], name="uniq_plan_period"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="plan_end_after_start"),
        ]
        indexes = [models.Index(fields=["branch", "start"], name="plan_branch_start")]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.start}…{self.end}"


class PlanCustomer(models.Model):
    """A customer the plan names to move up a quadrant (e.g. from low assets / high potential),
    with where the customer stood when listed: the plan's effect is whether he or she moved."""

    plan = models.ForeignKey(UpliftPlan, on_delete=models.CASCADE, related_name="customers", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    quadrant_at_start = models.CharField(max_length=10, blank=True)
    aum_at_start = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "customer"], name="uniq_plan_customer")]


class PlanComment(models.Model):
    """The branch head's (or the manager's) comment on a plan's progress, kept with the plan."""

    plan = models.ForeignKey(UpliftPlan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("comment"), max_length=1000)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class MonthlyReport(models.Model):
    """The month's review of a branch (Excel and a PDF summary), built on the first working day of
    the next month and sent to the branch head by email: one row per branch and month, so that a
    second run of the beat task neither builds nor sends it twice."""

    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # the first day of the month reviewed
    built_at = models.DateTimeField(default=clock.now)
    workbook = models.BinaryField()
    summary_pdf = models.BinaryField(null=True, blank=True)  # None: the PDF could not be made here
    sent_to = models.CharField(max_length=500, blank=True)  # the addresses, comma-separated
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "branch_id"]
        constraints = [models.UniqueConstraint(fields=["branch", "month"], name="uniq_monthly_report")]


# ---------------------------------------------------------------------------------------------
# Kept figures: the review's counts of closed days, kept so that the bank's review of a quarter
# reads thousands of rows instead of millions (banyan.kpis.kept). They are a cache, never a
# source: any write to a row they count marks its day stale, by the database's own triggers
# (migration 0002), whatever code wrote it — a service, a feed's COPY, a bulk update, a shell.


class StaleKind(models.TextChoices):
    WORK = "work"  # tasks, contacts, opportunities, sales, referrals, complaints, invitations of the day
    SNAPSHOT = "snapshot"  # the month-end snapshot of the day (AumSnapshot)
    MOVEMENT = "movement"  # the account movements of the day (Transaction)


class Stale(models.Model):
    """A day whose kept figures a write may have changed, written by the triggers and taken (and
    deleted) by the next refresh, which drops what depends on the day. Append-only: a write never
    updates a shared row, so writers never wait for each other here."""

    kind = models.CharField(max_length=10, choices=StaleKind.choices)
    day = models.DateField()


class KeptKind(models.TextChoices):
    WORK = "work"  # KeptWork: per staff member and day (`day`; `other` = `day`)
    BOOK = "book"  # KeptBook: per holder and branch in the snapshot of `day` (`other` = `day`)
    MOVES = "moves"  # KeptBook: per holder and branch at `day`: quadrant moves, completeness since the snapshot `other`
    MOVEMENTS = "movements"  # KeptBook: per holder and branch at the snapshot `other`: the money moved on `day`


class KeptDay(models.Model):
    """One (kind, day, other) whose figures are kept in full: present means every row of it is
    kept (a staff member with nothing to count has none)."""

    kind = models.CharField(max_length=10, choices=KeptKind.choices)
    day = models.DateField()
    other = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "day", "other"], name="uniq_kept_day")]


def work_keys() -> list[str]:
    """The review's Facts (banyan.kpis.figures.FACTS, which a test holds equal to this): one column
    each in KeptWork. A Fact added there needs its column here (makemigrations then says so)."""
    from banyan.customers.models import Channel
    from banyan.holdings.models import ProductType

    return ["planned", "done", "reached", "contacts", "real_contacts", "new_info", "calls", "call_minutes",
            *(f"contacts_{c}" for c in Channel.values), "opportunities_opened", "opportunities_won",
            "opportunities_lost", "sales_count", "sales_amount", *(f"sales_amount_{t}" for t in ProductType.values),
            "referrals_sent", "referrals_received", "referrals_converted", "complaints_received", "event_invited",
            "event_attended"]


class KeptWork(models.Model):
    """What one staff member did on a closed day, counted by the review's Facts: counts, minutes,
    and money in fen (integers, so that sums are exact on every database)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              db_index=False)
    day = models.DateField()

    class Meta:
        # one row per staff member and day: a refresh that was not alone would fail here rather than count twice
        constraints = [models.UniqueConstraint(fields=["day", "staff"], name="uniq_kept_work")]


for _key in work_keys():
    KeptWork.add_to_class(_key, models.BigIntegerField(default=0))


class KeptBook(models.Model):
    """The book's figures of one holder and branch for a kept (kind, day, other): customers and
    AUM (book), quadrant moves and completeness (moves), money moved (movements); money in fen."""

    kind = models.CharField(max_length=10, choices=KeptKind.choices)
    day = models.DateField()
    other = models.DateField()
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              db_index=False)
    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="+", db_index=False)
    customers = models.BigIntegerField(default=0)
    aum = models.BigIntegerField(default=0)
    moved_up = models.BigIntegerField(default=0)
    moved_down = models.BigIntegerField(default=0)
    filled_gain = models.BigIntegerField(default=0)
    filled_known = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "other", "day", "staff", "branch"],
                                               name="uniq_kept_book")]
