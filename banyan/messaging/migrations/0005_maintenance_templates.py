"""The bank-wide templates of sales maintenance (销售维护, WEA-3), in Chinese and English: a holding
at the customer's own take-profit or stop-loss line, or its product's NAV moving sharply.

Wording a regulator accepts: the facts only ({product} and {detail}: the move, the customer's own
line, the date — filled from the holding), no promised return, no advice to buy or sell, the decision
left to the customer, an invitation to talk, and the risk notice. banyan/messaging/tests/
test_maintenance_messages.py holds every template to that (no 保本, 保证收益, 稳赚, 无风险 …).
A branch rewrites a template by adding its own row; these rows are seeded once and never overwrite
an edit."""

from django.db import migrations

SIGN = "{branch}客户经理{manager}"
NOTICE = "投资有风险，过往业绩不代表未来表现。"
NOTICE_EN = "Investments carry risk; past performance does not guarantee future results."
SIGN_EN = " {manager}, {branch}"

SHORT = {
    "take_profit": (
        "{title}您好！您持有的{product}，{detail}。是否调整由您根据自身情况决定，如想了解产品近况，欢迎联系我。"
        + NOTICE + SIGN,
        "Dear {name}, {product}: {detail}. Whether to change anything is your decision; if you would like to hear "
        "how the product is doing, I am glad to talk. " + NOTICE_EN + SIGN_EN,
    ),
    "stop_loss": (
        "{title}您好！您持有的{product}，{detail}。市场波动是投资的常态，是否调整由您根据自身情况决定。我可以为您介绍"
        "产品的运作情况，供您参考，欢迎来电或约时间面谈。" + NOTICE + SIGN,
        "Dear {name}, {product}: {detail}. Markets move, and whether to change anything is your decision. I can "
        "explain how the product is doing, for your reference: call me, or let us meet. " + NOTICE_EN + SIGN_EN,
    ),
    "nav_move": (
        "{title}您好！您持有的{product}，{detail}。如想了解波动的原因和产品的运作情况，欢迎联系我。" + NOTICE + SIGN,
        "Dear {name}, {product}: {detail}. If you would like to know why, and how the product is doing, I am glad "
        "to talk. " + NOTICE_EN + SIGN_EN,
    ),
}

EMAIL_SIGN = "\n\n{branch} 客户经理 {manager}"
EMAIL_SIGN_EN = "\n\n{manager}\nRelationship manager, {branch}"
EMAIL_BODY = (
    "尊敬的{title}：\n\n您好！您持有的{product}，{detail}。\n\n{what}是否调整、如何调整，由您根据自身的资金安排和风险"
    "承受能力决定。如您希望了解产品的运作情况和市场变化，我很乐意为您详细介绍，供您参考。欢迎回复此邮件或来电，约个"
    "方便的时间到{branch}面谈。\n\n风险提示：" + NOTICE + "产品净值会随市场波动。" + EMAIL_SIGN
)
EMAIL_BODY_EN = (
    "Dear {name},\n\n{product}: {detail}.\n\n{what}Whether and how to change anything is your decision, according "
    "to your plans for the money and the risk you are ready to bear. If you would like to know how the product is "
    "doing and how the markets have moved, I will gladly go through it with you, for your reference. Reply to this "
    "email or call me, and we can meet at {branch} at a time that suits you.\n\nRisk notice: " + NOTICE_EN
    + " A product's NAV moves with the markets." + EMAIL_SIGN_EN
)
EMAIL = {
    "take_profit": ("{product}已达到您设定的止盈目标", "Your take-profit target for {product} has been reached",
                    "", ""),
    "stop_loss": ("{product}已触及您设定的止损线", "The stop-loss line you set for {product} has been reached",
                  "市场波动是投资的常态。", "Markets move: that is part of investing. "),
    "nav_move": ("{product}净值波动提示", "{product}: a notable NAV move", "", ""),
}


def seed(apps, schema_editor):
    template = apps.get_model("messaging", "MessageTemplate")
    rows = []
    for code, (body, body_en) in SHORT.items():
        for channel in ("sms", "wechat"):
            rows.append(template(code=code, channel=channel, body=body, body_en=body_en))
    for code, (subject, subject_en, what, what_en) in EMAIL.items():
        rows.append(template(code=code, channel="email", subject=subject, subject_en=subject_en,
                             body=EMAIL_BODY.replace("{what}", what), body_en=EMAIL_BODY_EN.replace("{what}", what_en)))
    template.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("messaging", "MessageTemplate").objects.filter(branch__isnull=True, code__in=list(SHORT)).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_template_english_and_maintenance_kinds")]

    operations = [migrations.RunPython(seed, unseed)]
