"""The customer file (客户信息档案): profile, relations, consent (ARC-1, ARC-6, ARC-8)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    RESIDENT = "resident", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU = "hk_macau", _("HK/Macau travel permit")
    TAIWAN = "taiwan", _("Taiwan travel permit")
    FOREIGN_PR = "foreign_pr", _("Foreign permanent resident ID")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    BELOW_HIGH_SCHOOL = "below_hs", _("Below high school")
    HIGH_SCHOOL = "high_school", _("High school / vocational")
    COLLEGE = "college", _("College (大专)")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctorate")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    BRANCH = "branch", _("At the branch")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    EVENT = "event", _("Event")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    NEW_CARD = "new_card", _("New card")
    PAYROLL = "payroll", _("Payroll")
    CAMPAIGN = "campaign", _("Campaign")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    C1 = "C1", _("C1 Conservative")
    C2 = "C2", _("C2 Cautious")
    C3 = "C3", _("C3 Balanced")
    C4 = "C4", _("C4 Growth")
    C5 = "C5", _("C5 Aggressive")


class Orientation(models.TextChoices):
    RELATIONSHIP = "relationship", _("Relationship-oriented")
    VALUE = "value", _("Value-oriented")
    SERVICE = "service", _("Service-oriented")


class Customer(models.Model):
    # Unique by a constraint, not `unique=True`: on PostgreSQL that also made a varchar_pattern_ops
    # index (for LIKE, which nothing asks of a customer number) — one more index to write per row of a feed.
    external_id = models.CharField(_("customer number"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    lunar_birthday = models.BooleanField(_("celebrates lunar birthday"), default=False)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    mobile2 = models.CharField(_("second mobile"), max_length=11, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True)
    spouse_name = models.CharField(_("spouse"), max_length=50, blank=True)
    children = models.CharField(_("children and schooling"), max_length=200, blank=True)
    interests = models.CharField(_("interests"), max_length=200, blank=True,
                                 help_text=_("Hobbies, pets, dining, sports — separated by 、"))
    wedding_anniversary = models.DateField(_("wedding anniversary"), null=True, blank=True)
    business_opened_on = models.DateField(_("business opening date"), null=True, blank=True)
    account_opened_on = models.DateField(_("account opened on"), null=True, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, choices=Channel.choices, blank=True)
    preferred_time = models.CharField(_("preferred contact time"), max_length=50, blank=True)
    transaction_habits = models.CharField(_("transaction habits"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    referrer = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="referred", verbose_name=_("referrer"))
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices, blank=True)
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    orientation = models.CharField(_("orientation"), max_length=12, choices=Orientation.choices, blank=True)
    other_bank_assets = models.DecimalField(_("assets at other banks (estimate)"), max_digits=16,
                                            decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # Marketing consent per channel and do-not-disturb (PIPL).
    consent_sms = models.BooleanField(_("SMS consent"), default=False)
    consent_phone = models.BooleanField(_("phone consent"), default=True)
    consent_email = models.BooleanField(_("email consent"), default=False)
    consent_wechat = models.BooleanField(_("WeChat consent"), default=False)
    do_not_disturb = models.BooleanField(_("do not disturb"), default=False)
    # A contact frequency agreed with the customer (seed 003: 维护频率取得客户认可): every N days
    # instead of the segment's cadence; or contact only before maturities (no cadence contact at
    # all — maturity reasons still come). Both unset: the segment's cadence.
    agreed_contact_days = models.PositiveSmallIntegerField(
        _("agreed contact frequency (days)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Agreed with the customer: contact every this many days (1–365), "
                    "instead of the segment's cadence."))
    contact_maturities_only = models.BooleanField(
        _("contact only before maturities"), default=False,
        help_text=_("Agreed with the customer: no regular contact, only before a maturity."))

    # The book: who keeps this customer.
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="customers", db_index=False)
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="book", verbose_name=_("relationship manager"), db_index=False)
    assistant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="assisted_customers", verbose_name=_("assistant"), db_index=False)

    # Kept in step by the services, so that a book of thousands sorts and searches by index.
    aum = models.DecimalField(_("AUM"), max_digits=16, decimal_places=2, default=0)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    completeness = models.PositiveSmallIntegerField(_("profile completeness"), default=0)
    name_pinyin = models.CharField(max_length=120, blank=True)
    name_initials = models.CharField(max_length=20, blank=True)
    mobile_tail = models.CharField(max_length=4, blank=True)
    id_tail = models.CharField(max_length=4, blank=True)
    # Birthday keys, so that one indexed query finds a date window's birthdays (WL-1): the solar
    # MMDD of the birth date, and for lunar celebrants the lunar month*100+day (a leap-month
    # birthday is celebrated in the ordinary month: see banyan.calendars.lunar).
    birthday_mmdd = models.PositiveSmallIntegerField(null=True, blank=True)
    lunar_birthday_key = models.PositiveSmallIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        indexes = [
            models.Index(fields=["rm", "-aum"], name="cust_rm_aum"),
            models.Index(fields=["rm", "last_contact_at"], name="cust_rm_lastcontact"),
            models.Index(fields=["branch", "-aum"], name="cust_branch_aum"),
            models.Index(fields=["assistant"], name="cust_assistant"),
            models.Index(fields=["name"], name="cust_name"),
            models.Index(fields=["name_pinyin"], name="cust_pinyin"),
            models.Index(fields=["name_initials"], name="cust_initials"),
            models.Index(fields=["mobile_tail"], name="cust_mobile_tail"),
            models.Index(fields=["id_tail"], name="cust_id_tail"),
            models.Index(fields=["mobile"], name="cust_mobile"),
            models.Index(fields=["mobile2"], name="cust_mobile2"),  # a full-mobile search asks both
            # the worklist's new-customer and risk-assessment triggers look up a window of dates
            models.Index(fields=["account_opened_on"], name="cust_opened"),
            models.Index(fields=["risk_assessed_on"], name="cust_risk_assessed"),
            models.Index(fields=["id_number"], name="cust_id_number"),
            models.Index(fields=["birthday_mmdd"], name="cust_birthday"),
            models.Index(fields=["lunar_birthday_key"], name="cust_lunar_birthday"),
            # the cadence trigger: the few distinct agreed frequencies (banyan.worklists.triggers)
            models.Index(fields=["agreed_contact_days"], name="cust_agreed_days",
                         condition=models.Q(agreed_contact_days__isnull=False)),
        ]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="customer_external_id_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def consent(self) -> dict[str, bool]:
        return {"sms": self.consent_sms, "phone": self.consent_phone,
                "email": self.consent_email, "wechat": self.consent_wechat}


class RelationKind(models.TextChoices):
    FAMILY = "family", _("Family")
    FRIEND = "friend", _("Friend")
    BUSINESS_PARTNER = "business_partner", _("Business partner")
    REFERRED_BY = "referred_by", _("Referred by")


class CustomerRelation(models.Model):
    """A link in the customer's social circle: `customer` is <kind> of/with `other`
    (for referred_by: `customer` was referred by `other`)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relations")
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="related_from")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)  # e.g. 配偶, 儿子, 大学同学

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "other", "kind"], name="uniq_customer_relation"),
            models.CheckConstraint(condition=~models.Q(customer=models.F("other")), name="relation_not_self"),
        ]
