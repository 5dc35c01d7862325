"""Products, NAVs, holdings and AUM (ARC-2, ARC-3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductType(models.TextChoices):
    DEMAND_DEPOSIT = "demand_deposit", _("Demand deposit")
    TIME_DEPOSIT = "time_deposit", _("Time deposit")
    WEALTH = "wealth", _("Wealth management product")
    FUND = "fund", _("Fund")
    INSURANCE = "insurance", _("Insurance")
    BOND = "bond", _("Bond / treasury")
    PRECIOUS_METAL = "precious_metal", _("Precious metal")
    LOAN = "loan", _("Loan")
    CREDIT_CARD = "credit_card", _("Credit card")


#: Liabilities are kept and shown, but are not assets under management.
LIABILITY_TYPES = (ProductType.LOAN, ProductType.CREDIT_CARD)
#: Types whose value moves with a published NAV (units × NAV).
NAV_TYPES = (ProductType.FUND, ProductType.WEALTH, ProductType.PRECIOUS_METAL)


class ProductRisk(models.TextChoices):
    R1 = "R1", _("R1 Low")
    R2 = "R2", _("R2 Medium-low")
    R3 = "R3", _("R3 Medium")
    R4 = "R4", _("R4 Medium-high")
    R5 = "R5", _("R5 High")


class Product(models.Model):
    code = models.CharField(_("product code"), max_length=30, unique=True)
    name = models.CharField(_("product name"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=ProductType.choices)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=ProductRisk.choices)
    term_days = models.PositiveIntegerField(_("term (days)"), null=True, blank=True)
    expected_yield = models.DecimalField(_("expected yield %"), max_digits=7, decimal_places=4, null=True, blank=True)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    # The day it last went on sale (added on sale, or put back on sale): customers who asked for a
    # product of its type come back then (worklist reason wanted_product). Null: off sale, or on
    # sale since before it was recorded (no customer comes back for those).
    on_sale_since = models.DateField(_("on sale since"), null=True, blank=True)
    # 私募: sold only to qualified investors, always recorded on audio-video (双录) and with a
    # cooling-off period after the sale (banyan.wealth.suitability).
    is_private = models.BooleanField(_("private product"), default=False)
    # Kept in step with ProductNav by the NAV service, so holdings value without a subquery.
    latest_nav = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    latest_nav_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProductNav(models.Model):
    """Net asset value per unit on a date, with any dividend per unit paid that day."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="navs", db_index=False)
    date = models.DateField()
    nav = models.DecimalField(max_digits=14, decimal_places=4)
    dividend = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["product", "-date"]
        constraints = [models.UniqueConstraint(fields=["product", "date"], name="uniq_product_nav_date")]


def account_search_key(number: str) -> str:
    """The key an account or card number is searched by: without spaces or hyphens, upper case,
    reversed — "6222 0202 0011 2233" → "3322110020202226", so that its tail "2233" is a prefix."""
    return (number or "").replace(" ", "").replace("-", "").upper()[::-1]


class HoldingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MATURED = "matured", _("Matured")
    CLOSED = "closed", _("Closed")


class Holding(models.Model):
    """An account or a position, with what the sale recorded (seed 000 销售维护)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="holdings", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="holdings", db_index=False)
    # Unique by a constraint, not `unique=True`: on PostgreSQL that also made a varchar_pattern_ops
    # index (for LIKE, which nothing asks of a core-banking number) — one more index to write per row of a feed.
    external_id = models.CharField(max_length=40, null=True, blank=True)
    account_no = models.CharField(_("account number"), max_length=32, blank=True)
    # The account or card number reversed (account_search_key), kept by the services: a number and
    # its tail (尾号 2233) are one prefix of it, an index range like the customers' mobile tails.
    account_no_reversed = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=HoldingStatus.choices, default=HoldingStatus.ACTIVE)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2,
                                 help_text=_("Principal or balance; for a loan the outstanding balance"))
    current_value = models.DecimalField(_("current value"), max_digits=16, decimal_places=2)
    purchase_date = models.DateField(_("purchase date"))
    maturity_date = models.DateField(_("maturity date"), null=True, blank=True)
    auto_rollover = models.BooleanField(_("auto-rollover"), default=False)
    cost_price = models.DecimalField(_("cost per unit"), max_digits=14, decimal_places=4, null=True, blank=True)
    units = models.DecimalField(_("units"), max_digits=18, decimal_places=4, null=True, blank=True)
    expected_return_pct = models.DecimalField(_("expected return %"), max_digits=7, decimal_places=4,
                                              null=True, blank=True)
    take_profit_pct = models.DecimalField(_("take-profit %"), max_digits=7, decimal_places=2, null=True, blank=True)
    stop_loss_pct = models.DecimalField(_("stop-loss %"), max_digits=7, decimal_places=2, null=True, blank=True)
    risk_level_at_sale = models.CharField(_("customer risk level at sale"), max_length=2, blank=True)
    sold_by = models.ForeignKey("org.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                db_index=False)  # holding_sold_by_day leads with it
    # Loans
    overdue_days = models.PositiveIntegerField(_("days overdue"), default=0)
    # Credit cards
    credit_limit = models.DecimalField(_("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True)
    statement_date = models.DateField(_("statement date"), null=True, blank=True)
    payment_due_date = models.DateField(_("payment due date"), null=True, blank=True)
    minimum_payment = models.DecimalField(_("minimum payment"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("holding")
        indexes = [
            models.Index(fields=["customer", "status"], name="holding_customer_status"),
            models.Index(fields=["maturity_date"], name="holding_maturity"),
            models.Index(fields=["product", "status"], name="holding_product_status"),
            # a number or its tail, by the reversed number: a plain index (db_index=True would add a
            # second, varchar_pattern_ops one for LIKE on PostgreSQL — one more write per holding);
            # it serves the whole number too, so the number itself keeps no index
            models.Index(fields=["account_no_reversed"], name="holding_account_reversed"),
            # the review's sales: a branch's managers' sales of a period, not all they ever sold
            models.Index(fields=["sold_by", "purchase_date"], name="holding_sold_by_day"),
            # the worklist's overdue-loan trigger reads only these few rows of millions. (Not one for card
            # due dates: a fifth of all cards fall due in a fortnight, and such an index lured PostgreSQL
            # into reading all of them for one manager's page — 20 ms → 450 ms at 1M customers.)
            models.Index(fields=["overdue_days"], name="holding_overdue", condition=models.Q(overdue_days__gt=0)),
        ]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="holding_external_id_unique")]


class AumSnapshot(models.Model):
    """A customer's AUM on a date (month-end by default), for the trend (ARC-3), and the file's
    completeness then (ARC-6): what a month of maintenance added is the difference of two."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="aum_snapshots", db_index=False)
    date = models.DateField()
    aum = models.DecimalField(max_digits=16, decimal_places=2)
    completeness = models.PositiveSmallIntegerField(null=True, blank=True)  # percent; None before it was kept
    # Whose book the customer was in and in which quadrant, that day: the review's AUM at the start
    # of a period, the quadrant moves and a handed-over customer's figures follow the book of the
    # day (kpis). None on snapshots taken before they were kept (the review then reads today's).
    rm = models.ForeignKey("org.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                           db_index=False)
    branch = models.ForeignKey("org.Branch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               db_index=False)
    quadrant = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["customer", "date"]
        constraints = [models.UniqueConstraint(fields=["customer", "date"], name="uniq_aum_snapshot")]
        # "is this month-end taken?" and its replacement read one date of millions of rows; written
        # once a month per customer, never by the feeds
        # a month-end's rows of one branch (the review reads a branch's book at a date); the date leads,
        # so that it serves "is this month-end taken?" as the index on the date alone did
        indexes = [models.Index(fields=["date", "branch"], name="aum_snapshot_date_branch"),
                   # the rows that name no holder (from before they were kept): the review reads them
                   # live, the others from its kept figures (banyan.kpis.kept) — usually none
                   models.Index(fields=["date"], name="aum_snapshot_no_holder",
                                condition=models.Q(rm__isnull=True) | models.Q(branch__isnull=True))]


class Transaction(models.Model):
    """A movement on an account, as fed from core banking; large ones bring the customer up
    (账户异动, WL-2). `amount` is signed: positive in, negative out."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="transactions", db_index=False)
    external_id = models.CharField(max_length=40)  # unique by a constraint, as Holding.external_id
    account_no = models.CharField(_("account number"), max_length=32, blank=True)
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["occurred_on"], name="transaction_day"),
                   models.Index(fields=["customer", "-occurred_on"], name="transaction_customer_day")]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="transaction_external_id_unique")]
