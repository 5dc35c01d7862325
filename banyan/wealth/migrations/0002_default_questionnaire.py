"""The default risk questionnaire (个人客户风险承受能力评估问卷, version 1) and suitability policy, as
the product ships them; the bank edits a new version on the settings page.

Eleven questions after Chinese banks' usual questionnaire: age, income and its stability, the share
of assets to invest, what the customer holds now, experience, knowledge, horizon, loss tolerance,
purpose and liquidity needs. Scores run 19–110; bands: below 30 C1 (谨慎型), 30–49 C2 (稳健型),
50–69 C3 (平衡型), 70–89 C4 (进取型), 90 or more C5 (激进型). Each option's `meaning` feeds the
inconsistency rules (banyan.wealth.services.INCONSISTENCIES). Frozen here: later changes to the
questionnaire are new versions, never an edit of this one."""

from django.db import migrations

QUESTIONS = [
    ("age", "您的年龄是？", "How old are you?", [
        ("A", "18–30 岁", "18–30", 8, "age:young"),
        ("B", "31–50 岁", "31–50", 10, ""),
        ("C", "51–64 岁", "51–64", 6, ""),
        ("D", "65 岁及以上", "65 or older", 2, "age:elderly"),
    ]),
    ("income", "您的家庭年收入大约是？", "What is your household's yearly income?", [
        ("A", "10 万元以下", "Below 100,000 yuan", 2, "income:low"),
        ("B", "10 万–50 万元", "100,000–500,000 yuan", 4, ""),
        ("C", "50 万–100 万元", "500,000–1 million yuan", 7, ""),
        ("D", "100 万元以上", "Above 1 million yuan", 10, "income:high"),
    ]),
    ("income_stability", "您的收入来源及其稳定性是？", "Where does your income come from, and how steady is it?", [
        ("A", "无固定收入（如退休无养老金、待业）", "No regular income (e.g. retired without a pension, between jobs)", 2,
         "income:none"),
        ("B", "收入不稳定（如个体经营、佣金）", "Irregular (e.g. self-employed, commissions)", 4, ""),
        ("C", "工资或养老金收入，比较稳定", "Salary or pension, fairly steady", 7, ""),
        ("D", "工资及投资收入，非常稳定", "Salary and investment income, very steady", 10, ""),
    ]),
    ("invest_share", "您计划用于投资的资金占家庭金融资产的比例是？",
     "What share of your household's financial assets do you plan to invest?", [
        ("A", "70% 以上", "More than 70%", 2, "share:most"),
        ("B", "50%–70%", "50%–70%", 4, ""),
        ("C", "20%–50%", "20%–50%", 7, ""),
        ("D", "20% 以下", "Less than 20%", 10, ""),
    ]),
    ("holdings", "您目前的金融资产主要配置在？", "Where are your financial assets mostly held today?", [
        ("A", "银行存款、国债", "Bank deposits, treasury bonds", 2, "holding:deposit"),
        ("B", "银行理财、债券基金", "Bank wealth products, bond funds", 5, "holding:fixed_income"),
        ("C", "股票、股票型或混合型基金", "Shares, equity or mixed funds", 8, "holding:equity"),
        ("D", "期货、期权、私募基金等", "Futures, options, private funds", 10, "holding:derivative"),
    ]),
    ("experience", "您投资股票、基金、理财等风险类产品有多少年的经验？",
     "How many years have you invested in shares, funds, wealth products or other risk products?", [
        ("A", "没有经验", "None", 1, "experience:none"),
        ("B", "1 年以下", "Less than a year", 3, ""),
        ("C", "1–5 年", "1–5 years", 6, ""),
        ("D", "5 年以上", "More than 5 years", 10, "experience:long"),
    ]),
    ("knowledge", "您对金融投资产品的了解程度是？", "How well do you know financial investment products?", [
        ("A", "几乎不了解", "Hardly at all", 1, "knowledge:none"),
        ("B", "了解一些，能看懂产品说明书", "Somewhat: I can read a product's prospectus", 4, ""),
        ("C", "比较了解，清楚不同产品的风险差异", "Fairly well: I know how their risks differ", 7, ""),
        ("D", "非常了解，有金融专业背景或从业经历", "Very well: I studied or work in finance", 10, "knowledge:expert"),
    ]),
    ("horizon", "您计划的投资期限是？", "How long do you plan to keep the money invested?", [
        ("A", "1 年以内", "Less than a year", 2, "horizon:short"),
        ("B", "1–3 年", "1–3 years", 5, ""),
        ("C", "3–5 年", "3–5 years", 8, ""),
        ("D", "5 年以上", "More than 5 years", 10, "horizon:long"),
    ]),
    ("loss_tolerance", "您能承受的最大投资本金损失是？", "What is the largest loss of the money invested you could bear?", [
        ("A", "不能承受任何本金损失", "No loss of the money invested at all", 1, "loss:none"),
        ("B", "10% 以内", "Up to 10%", 4, ""),
        ("C", "10%–30%", "10%–30%", 7, ""),
        ("D", "30% 以上", "More than 30%", 10, "loss:large"),
    ]),
    ("purpose", "您投资的主要目的是？", "What is the main purpose of your investment?", [
        ("A", "保本保值，资金安全最重要", "Keep the capital safe above all", 2, "purpose:preserve"),
        ("B", "获取稳定收益，略高于存款", "A steady return, a little above deposits", 5, ""),
        ("C", "资产稳健增值，可接受一定波动", "Steady growth, accepting some ups and downs", 8, ""),
        ("D", "追求长期高收益，可承受较大波动", "High long-term growth, accepting large swings", 10, "purpose:growth"),
    ]),
    ("liquidity", "未来一年内，您需要动用这笔投资资金的可能性是？",
     "How likely are you to need this money within the next year?", [
        ("A", "随时可能需要", "I may need it at any time", 2, "liquidity:high"),
        ("B", "可能需要部分支取", "I may need part of it", 5, ""),
        ("C", "基本不需要", "Hardly", 8, ""),
        ("D", "完全不需要，是闲置资金", "Not at all: it is spare money", 10, "liquidity:none"),
    ]),
]


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("wealth", "Questionnaire")
    Question = apps.get_model("wealth", "Question")
    Option = apps.get_model("wealth", "Option")
    SuitabilityPolicy = apps.get_model("wealth", "SuitabilityPolicy")
    if not Questionnaire.objects.exists():
        q = Questionnaire.objects.create(
            version=1, status="published", title="个人客户风险承受能力评估问卷",
            title_en="Personal investor risk tolerance questionnaire", valid_days=365, daily_limit=2,
            c2_min=30, c3_min=50, c4_min=70, c5_min=90, note="默认版本")
        for position, (code, text, text_en, options) in enumerate(QUESTIONS, start=1):
            question = Question.objects.create(questionnaire=q, position=position, code=code, text=text,
                                               text_en=text_en)
            Option.objects.bulk_create([
                Option(question=question, position=i, code=oc, text=ot, text_en=oe, score=score, meaning=meaning)
                for i, (oc, ot, oe, score, meaning) in enumerate(options, start=1)])
    if not SuitabilityPolicy.objects.exists():
        # 双录: wealth products, funds and insurance sold to customers of 65 or more, and every
        # private product's sale (a bank that records every such sale sets the age to 0).
        SuitabilityPolicy.objects.create(dual_recording_types=["wealth", "fund", "insurance"])


def unseed(apps, schema_editor):
    apps.get_model("wealth", "SuitabilityPolicy").objects.all().delete()
    apps.get_model("wealth", "Questionnaire").objects.filter(version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("wealth", "0001_questionnaire_assessments_sale_checks")]

    operations = [migrations.RunPython(seed, unseed)]
