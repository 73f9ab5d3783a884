"""StreamField blocks of a power: staff, materials, process steps and discretion standards.

They live in the page's own row (one column each), so a power page renders them without extra
queries however many steps it has.
"""

from django import forms
from wagtail import blocks


class StaffBlock(blocks.StructBlock):
    post = blocks.CharBlock(label="岗位", max_length=100)
    name = blocks.CharBlock(label="姓名", max_length=50, required=False)
    phone = blocks.CharBlock(label="联系电话", max_length=50, required=False)

    class Meta:
        label = "承办岗位/人员"
        icon = "user"


class MaterialBlock(blocks.StructBlock):
    name = blocks.CharBlock(label="材料名称", max_length=300)
    form = blocks.ChoiceBlock(
        label="材料形式",
        choices=[
            ("original", "原件"),
            ("copy", "复印件"),
            ("both", "原件和复印件"),
            ("electronic", "电子材料"),
        ],  # fmt: skip
        default="original",
    )
    copies = blocks.IntegerBlock(label="份数", min_value=0, max_value=99, default=1)
    required = blocks.BooleanBlock(label="必须提交", required=False, default=True)
    note = blocks.CharBlock(label="说明", max_length=500, required=False)

    class Meta:
        label = "申请材料"
        icon = "doc-full"


# A process longer than this is a pasted text, not a process (and its chart unreadable).
MAX_STEPS = 50

# The decisions a step may take, as the generated flowchart draws them (catalogue.flowchart).
STEP_OUTCOMES = [
    ("approve", "准予"),
    ("refuse", "不予"),
    ("correction", "补正"),
]


class StepBlock(blocks.StructBlock):
    name = blocks.CharBlock(
        label="环节名称", max_length=100, help_text="如：受理、审查、决定、送达"
    )
    post = blocks.CharBlock(label="承办岗位", max_length=100, required=False)
    description = blocks.TextBlock(label="办理内容及标准", max_length=2000, required=False)
    time_limit = blocks.IntegerBlock(
        label="时限（工作日）", min_value=0, max_value=365, required=False
    )
    supervision = blocks.TextBlock(
        label="监督制约环节", max_length=1000, required=False, help_text="本环节的监督制约措施"
    )
    outcomes = blocks.MultipleChoiceBlock(
        label="本环节的决定分支",
        choices=STEP_OUTCOMES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="本环节可能作出的决定：准予则进入下一环节；不予则办结并书面告知理由和权利；"
        "补正则退回申请人补正材料。流程图按此绘制分支。",
    )

    class Meta:
        label = "办理环节"
        icon = "list-ol"


class DiscretionBlock(blocks.StructBlock):
    violation = blocks.TextBlock(label="违法行为", max_length=1000)
    circumstance = blocks.TextBlock(label="情节", max_length=1000)
    tier = blocks.ChoiceBlock(
        label="裁量阶次",
        choices=[
            ("none", "不予处罚"),
            ("lighter", "从轻处罚"),
            ("general", "一般处罚"),
            ("heavier", "从重处罚"),
        ],  # fmt: skip
    )
    standard = blocks.TextBlock(label="处罚标准", max_length=1000)

    class Meta:
        label = "裁量基准"
        icon = "table"
