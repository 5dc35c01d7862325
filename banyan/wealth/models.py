"""Wealth care (财富诊断与销售维护, WEA): the risk questionnaire and its assessments (WEA-1), and
what suitability (适当性) recorded at each sale.

A questionnaire is versioned: the bank edits a draft and publishes it; an assessment keeps the
version it was scored by, so a new version never changes an old result. The customer's
`risk_level` / `risk_assessed_on` follow the latest assessment (banyan.wealth.services).

Later helpers add their models below (model portfolios for the diagnosis, opportunities)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.customers.models import RiskLevel
from banyan.holdings.models import ProductRisk


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In use")
    RETIRED = "retired", _("Replaced")


class Questionnaire(models.Model):
    """风险承受能力评估问卷, one version. Exactly one is in use (published) at a time; a draft is
    edited by the bank and published as the next version; the one it replaces is retired (its
    assessments keep pointing to it). A score of `c5_min` or more is C5, of `c4_min` or more C4,
    and so on; below `c2_min` C1."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=QuestionnaireStatus.choices,
                              default=QuestionnaireStatus.DRAFT)
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("valid for (days)"), default=365)
    daily_limit = models.PositiveSmallIntegerField(_("assessments a customer may take in a day"), default=2)
    c2_min = models.PositiveSmallIntegerField(_("lowest score for C2"))
    c3_min = models.PositiveSmallIntegerField(_("lowest score for C3"))
    c4_min = models.PositiveSmallIntegerField(_("lowest score for C4"))
    c5_min = models.PositiveSmallIntegerField(_("lowest score for C5"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk questionnaire")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="published"),
                                    name="one_published_questionnaire"),
            models.CheckConstraint(
                condition=models.Q(c2_min__lt=models.F("c3_min"), c3_min__lt=models.F("c4_min"),
                                   c4_min__lt=models.F("c5_min")),
                name="questionnaire_bands_ascending"),
            models.CheckConstraint(condition=models.Q(valid_days__gte=1), name="questionnaire_valid_days"),
            models.CheckConstraint(condition=models.Q(daily_limit__gte=1), name="questionnaire_daily_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def level_for(self, score: int) -> str:
        """The level (C1–C5) a score falls in."""
        for level, lowest in (("C5", self.c5_min), ("C4", self.c4_min), ("C3", self.c3_min), ("C2", self.c2_min)):
            if score >= lowest:
                return level
        return "C1"


class Question(models.Model):
    """One question of a version. `code` names it across versions and is the question's id in the
    API (`answers: {code: option code}`)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=30)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="uniq_question_code"),
                       models.UniqueConstraint(fields=["questionnaire", "position"], name="uniq_question_position")]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    """An answer with its score. `meaning` tags what the answer says (e.g. "experience:none",
    "holding:equity", "horizon:short", "purpose:growth"), so that the inconsistency rules
    (banyan.wealth.services.INCONSISTENCIES) keep working when the bank rewords or rescores it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=5)
    text = models.CharField(_("answer"), max_length=200)
    text_en = models.CharField(_("answer (English)"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(_("score"))
    meaning = models.CharField(_("meaning"), max_length=40, blank=True)

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="uniq_option_code")]

    def __str__(self) -> str:
        return self.text


class AssessmentSource(models.TextChoices):
    MANAGER = "manager", _("With the manager")
    API = "api", _("API")
    FEED = "feed", _("Core banking feed")


class RiskAssessment(models.Model):
    """风险测评: one assessment of a customer, kept for good (the history). `answers` maps question
    codes to option codes; an assessment fed from core banking may carry only its level (and
    score) without answers or a questionnaire. `flags` are the inconsistencies found in the
    answers (codes of services.INCONSISTENCIES), shown to the manager and kept with the result;
    `flags_note` is what the manager recorded about them with the customer."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="risk_assessments",
                                 db_index=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="assessments")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices)
    previous_level = models.CharField(_("level before"), max_length=2, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    expires_on = models.DateField(_("valid until"))
    source = models.CharField(_("source"), max_length=10, choices=AssessmentSource.choices)
    flags = models.JSONField(_("inconsistent answers"), default=list, blank=True)
    flags_note = models.CharField(_("note on the inconsistent answers"), max_length=300, blank=True)
    external_id = models.CharField(_("core-banking number"), max_length=40, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("risk assessment")
        indexes = [models.Index(fields=["customer", "-assessed_on"], name="assessment_customer_day"),
                   # the worklist's risk_assessment_expiry trigger reads a window of expiry dates
                   models.Index(fields=["expires_on"], name="assessment_expiry")]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="assessment_external_id_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.level} {self.assessed_on}"


class SuitabilityPolicy(models.Model):
    """The bank's suitability settings (one row; none: the defaults below). The blocking rules
    (no valid assessment, product above the customer's level) are the regulator's and not editable."""

    elderly_age = models.PositiveSmallIntegerField(_("age of special care"), default=65)
    elderly_min_risk = models.CharField(_("lowest product risk that needs a second sign-off"), max_length=2,
                                        choices=ProductRisk.choices, default=ProductRisk.R4)
    elderly_signoff = models.BooleanField(_("a second person signs off such a sale"), default=True)
    dual_recording_types = models.JSONField(_("product types recorded on audio-video for older customers"),
                                            default=list, blank=True)
    dual_recording_age = models.PositiveSmallIntegerField(_("age from which those sales are recorded"), default=65)
    dual_recording_private = models.BooleanField(_("every private product's sale is recorded"), default=True)
    cooling_off_hours = models.PositiveSmallIntegerField(_("cooling-off period of a private product (hours)"),
                                                         default=24)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")


class SaleCheck(models.Model):
    """What suitability said at a sale (a manager's on the file or through the API), kept with the
    holding it made: the levels then, the warnings the manager acknowledged, the 双录 record's
    number, the second person who signed off, and for a private product the cooling-off period
    (the sale is final when it ends; a withdrawal in it closes the holding)."""

    holding = models.OneToOneField("holdings.Holding", on_delete=models.CASCADE, related_name="sale_check")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="sale_checks",
                                 db_index=False)
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    customer_level = models.CharField(_("customer risk level"), max_length=2, blank=True)
    product_level = models.CharField(_("product risk level"), max_length=2)
    #: The rules that applied, as answered then: [{"code", "blocking": false}] (only warnings reach
    #: a recorded sale), each acknowledged by `recorded_by`.
    rules = models.JSONField(_("rules that applied"), default=list, blank=True)
    dual_recording_ref = models.CharField(_("audio-video record number (双录)"), max_length=40, blank=True)
    signoff_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("second sign-off"))
    cooling_off_ends_at = models.DateTimeField(_("cooling-off ends"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("why withdrawn"), max_length=200, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=AssessmentSource.choices,
                              default=AssessmentSource.MANAGER)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sale suitability record")
        indexes = [models.Index(fields=["customer", "-recorded_at"], name="salecheck_customer")]


# ------------------------------------------------------------------ the wealth diagnosis (WEA-2)

#: The asset classes of a model portfolio and of the diagnosis, each the product types it counts.
ASSET_CLASSES: dict[str, tuple[str, ...]] = {
    "deposit": ("demand_deposit", "time_deposit"),
    "wealth": ("wealth",),
    "fund": ("fund",),
    "bond": ("bond",),
    "insurance": ("insurance",),
    "precious_metal": ("precious_metal",),
}


class AssetClass(models.TextChoices):
    DEPOSIT = "deposit", _("Deposits")
    WEALTH = "wealth", _("Wealth management products")
    FUND = "fund", _("Funds")
    BOND = "bond", _("Bonds")
    INSURANCE = "insurance", _("Insurance")
    PRECIOUS_METAL = "precious_metal", _("Precious metals")


def _risk_targets_within_level() -> models.Q:
    """A model may not aim at products above its level (C2 holds nothing above R2): the
    diagnosis would otherwise advise what suitability forbids."""
    allowed = models.Q()
    for n in range(1, 6):
        above = {f"r{k}_pct": 0 for k in range(n + 1, 6)}
        allowed |= models.Q(risk_level=f"C{n}", **above)
    return allowed


class ModelPortfolio(models.Model):
    """模型组合: the bank's target allocation for customers of one risk level (C1–C5), by product
    risk level and by asset class, in whole percents each summing to 100, and the liquidity rule
    (keep `liquid_months_min`–`liquid_months_max` months of spending in demand deposits and T+0
    products). One row per level; the defaults ship in a migration, the bank edits them."""

    risk_level = models.CharField(_("customer risk level"), max_length=2, choices=RiskLevel.choices, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    r1_pct = models.PositiveSmallIntegerField(_("R1 %"), default=0)
    r2_pct = models.PositiveSmallIntegerField(_("R2 %"), default=0)
    r3_pct = models.PositiveSmallIntegerField(_("R3 %"), default=0)
    r4_pct = models.PositiveSmallIntegerField(_("R4 %"), default=0)
    r5_pct = models.PositiveSmallIntegerField(_("R5 %"), default=0)
    deposit_pct = models.PositiveSmallIntegerField(_("deposits %"), default=0)
    wealth_pct = models.PositiveSmallIntegerField(_("wealth products %"), default=0)
    fund_pct = models.PositiveSmallIntegerField(_("funds %"), default=0)
    bond_pct = models.PositiveSmallIntegerField(_("bonds %"), default=0)
    insurance_pct = models.PositiveSmallIntegerField(_("insurance %"), default=0)
    precious_metal_pct = models.PositiveSmallIntegerField(_("precious metals %"), default=0)
    liquid_months_min = models.PositiveSmallIntegerField(_("months of spending kept liquid, at least"), default=3)
    liquid_months_max = models.PositiveSmallIntegerField(_("months of spending kept liquid, at most"), default=6)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["risk_level"]
        verbose_name = _("model portfolio")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(r1_pct=100 - models.F("r2_pct") - models.F("r3_pct") - models.F("r4_pct")
                                   - models.F("r5_pct")),
                name="model_portfolio_risk_sums_to_100"),
            models.CheckConstraint(
                condition=models.Q(deposit_pct=100 - models.F("wealth_pct") - models.F("fund_pct")
                                   - models.F("bond_pct") - models.F("insurance_pct")
                                   - models.F("precious_metal_pct")),
                name="model_portfolio_classes_sum_to_100"),
            models.CheckConstraint(condition=_risk_targets_within_level(), name="model_portfolio_within_level"),
            models.CheckConstraint(condition=models.Q(liquid_months_min__lte=models.F("liquid_months_max")),
                                   name="model_portfolio_liquidity_band"),
        ]

    def __str__(self) -> str:
        return f"{self.risk_level} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the English one when there is one)."""
        from django.utils.translation import get_language

        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name

    def risk_target(self, level: str) -> int:
        """The target percent of product risk level R1–R5."""
        return getattr(self, f"{level.lower()}_pct")

    def class_target(self, asset_class: str) -> int:
        return getattr(self, f"{asset_class}_pct")


class CustomerSpending(models.Model):
    """客户月支出: what the customer spends in a month, as the manager learnt it from the customer.
    Core banking does not know it, and the profile holds no income to estimate it from; the
    diagnosis's liquidity rule (three to six months of spending kept liquid) reads it here."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="spending")
    monthly = models.DecimalField(_("monthly spending"), max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("monthly spending")
        constraints = [models.CheckConstraint(condition=models.Q(monthly__gt=0), name="spending_positive")]


class BatchStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("batch", "Queued")
    RUNNING = "running", pgettext_lazy("batch", "Running")
    DONE = "done", pgettext_lazy("batch", "Done")
    FAILED = "failed", pgettext_lazy("batch", "Failed")


class DiagnosisBatch(models.Model):
    """The diagnosis PDFs of a manager's priority customers, made in the background into one ZIP
    (banyan.wealth.tasks). `customer_ids` are fixed when it is queued (the customers the manager
    could see then); `done` counts the PDFs made, for the page's progress bar."""

    # no index of its own: diagbatch_owner (owner, -created_at) serves every lookup by owner
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              db_index=False, verbose_name=_("made by"))
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    customer_ids = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(_("customers"), default=0)
    done = models.PositiveIntegerField(_("PDFs made"), default=0)
    #: Relative to VAR_DIR, like a feed's stored file.
    file = models.CharField(_("file"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("diagnosis batch")
        indexes = [models.Index(fields=["owner", "-created_at"], name="diagbatch_owner")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.as_of} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == BatchStatus.DONE else 0)
