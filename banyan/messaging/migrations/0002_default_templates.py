"""The bank-wide default templates, in Chinese: short, polite, signed with the branch and the
manager's name. SMS and WeChat texts stay within one 70-character SMS for usual names; the
platform adds the bank's 【signature】. A branch rewrites a template by adding its own row."""

from django.db import migrations

SIGN = "{branch}客户经理{manager}"

SHORT = {
    "birthday": "{title}您好！今天是您的生日，" + SIGN + "祝您生日快乐、身体健康、万事如意！",
    "festival": "{title}您好！{detail}将至，" + SIGN + "祝您和家人节日快乐、阖家安康！",
    "maturity": "{title}您好！您在我行的{product}将于{date}到期，如需续存或调整安排，欢迎联系我。" + SIGN,
    "invitation": "{title}您好！我行将于{date}举办{detail}，诚邀您拨冗光临，盼复。" + SIGN,
    "appointment_confirmation": "{title}您好，已为您预约{date}在{branch}面谈，届时恭候。如有变动请随时联系我。"
                                "客户经理{manager}",
}

EMAIL_SIGN = "\n\n{branch} 客户经理 {manager}"

EMAIL = {
    "birthday": (
        "生日快乐！来自{branch}的祝福",
        "尊敬的{title}：\n\n您好！今天是您的生日，{branch}全体同事和我衷心祝您生日快乐、身体健康、阖家幸福、"
        "万事如意！\n\n感谢您一直以来对我行的信任与支持。如有任何需要，欢迎随时与我联系。" + EMAIL_SIGN,
    ),
    "festival": (
        "{detail}快乐！来自{branch}的节日问候",
        "尊敬的{title}：\n\n您好！{detail}将至，{branch}全体同事和我祝您和家人节日快乐、阖家安康！\n\n"
        "感谢您一直以来的信任与支持，我们将继续用心为您服务。" + EMAIL_SIGN,
    ),
    "maturity": (
        "到期提醒：您的{product}将于{date}到期",
        "尊敬的{title}：\n\n您好！温馨提示：您在我行的{product}将于{date}到期。\n\n如需续存，或希望结合当前市场"
        "情况调整资产配置，我很乐意为您提供专人咨询。欢迎回复此邮件或来电，约个方便的时间到{branch}面谈。"
        + EMAIL_SIGN,
    ),
    "invitation": (
        "诚邀您参加{detail}",
        "尊敬的{title}：\n\n您好！我行将于{date}举办{detail}，届时将与您分享市场观点和理财知识，诚挚邀请您拨冗"
        "光临。\n\n如您方便参加，请回复此邮件或与我联系，我会为您预留席位。" + EMAIL_SIGN,
    ),
    "appointment_confirmation": (
        "预约确认：{date}在{branch}面谈",
        "尊敬的{title}：\n\n您好！已为您预约{date}在{branch}面谈，届时我将在网点恭候您的光临。\n\n"
        "如时间有变动，请随时回复此邮件或与我联系。" + EMAIL_SIGN,
    ),
}


def seed(apps, schema_editor):
    template = apps.get_model("messaging", "MessageTemplate")
    rows = []
    for code, body in SHORT.items():
        rows.append(template(code=code, channel="sms", body=body))
        rows.append(template(code=code, channel="wechat", body=body))
    for code, (subject, body) in EMAIL.items():
        rows.append(template(code=code, channel="email", subject=subject, body=body))
    template.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("messaging", "MessageTemplate").objects.filter(branch__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
