"""Plausible new powers made from the real service items: bench.search_engine tops its
catalogue up with them (generate()), bench.spreadsheet_import writes them as spreadsheet rows.

Each generated power takes the subject of a real item's name (河道采砂 from 河道采砂许可)
and gives it another action of its type (许可证延续, 备案（变更）, 信息查询…), sometimes with
a word taken from another real name of the same department (临时, 农村, 城市…) and a
qualifier (（县级）, （承诺件）…); penalties, inspections and coercive measures are phrased
the way the real ones are (对未取得…擅自从事…的行政处罚). The generated power stays in the real
item's department. About a third cite one or two real laws of the library with real article
numbers; about two in five have acceptance conditions, materials and a few steps. A few are
suspended or cancelled.

Everything is drawn from a seeded random generator: the same real catalogue and seed give the
same powers. Codes start with the real item's type prefix followed by 8 (e.g. 511A8…), a
pattern the real catalogue does not use.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Endings of real names, longest first: what is left before them is the subject.
ACTIONS = sorted(
    """许可证核发 许可证变更 许可证延续 许可证注销 许可证补办 许可证换发 经营许可 执业许可 设立登记
    变更登记 注销登记 首次申报 新办审批 延续审批 变更审批 审批 许可 核发 登记 备案 认定 确认 申领
    申请 发放 查询 咨询 办理 证明 给付 裁决 奖励 验收 审查 审核 核准 签发 换发 补办 注销 变更 延续
    补贴 审定 鉴定 报告""".split(),
    key=len,
    reverse=True,
)
QUALIFIER_RE = re.compile(r"[（(][^（）()]*[）)]")
NEW_ACTIONS = {
    "01": ["许可", "许可证核发", "许可证变更", "许可证延续", "许可证注销", "许可证遗失补办", "审批",
           "变更审批", "延续审批", "新办审批"],
    "05": ["补贴发放", "补助金申领", "救助资金给付"],
    "07": ["登记", "认定", "确认", "变更登记", "注销登记", "资格认定"],
    "08": ["先进集体和先进个人表彰奖励"],
    "09": ["纠纷裁决"],
    "10": ["备案", "备案（变更）", "备案（注销）", "核准", "年度审验", "情况报告"],
    "20": ["信息查询", "政策咨询", "办理", "申请", "预约办理", "证明开具", "补领"],
}  # fmt: skip
QUALIFIERS = ["", "", "", "", "（县级）", "（乡镇级）", "（承诺件）", "（即办件）", "（新办）",
              "（变更）"]  # fmt: skip
TYPE_SHARES = [("01", 44), ("20", 24), ("10", 12), ("07", 6), ("02", 6), ("06", 3), ("05", 2),
               ("03", 1), ("04", 1), ("08", 0.5), ("09", 0.5)]  # fmt: skip
TYPE_PREFIX = {"01": "511A", "02": "511B", "03": "511C", "04": "511D", "05": "511G", "06": "511I",
               "07": "511F", "08": "511H", "09": "511J", "10": "511Z", "20": "512B"}  # fmt: skip
SUBJECTS = ["申请人", "企业", "经营单位", "个人", "单位", "机构"]
POSTS = [("受理", "窗口受理岗"), ("审查", "业务审核岗"), ("决定", "分管负责人"),
         ("送达", "窗口发证岗")]  # fmt: skip
SUPERVISION = "全程在一体化政务服务平台登记、留痕；电子监察系统对临近时限、超时办件自动预警。"


@dataclass
class RealItem:
    code: str
    title: str
    power_type: str
    department_code: str


def split_name(title: str) -> tuple[str, str]:
    """(subject, action): 河道采砂许可 → (河道采砂, 许可); 许可证变更审批 → (…, 许可证变更审批).
    The subject is '' when too little or too much is left."""
    name = QUALIFIER_RE.sub("", title).replace("《", "").replace("》", "").strip()
    action = ""
    for _ in range(2):
        for ending in ACTIONS:
            if name.endswith(ending) and len(name) > len(ending) + 1:
                name, action = name[: -len(ending)], ending + action
                break
    if name.startswith("对") or name.endswith(("进行", "的")):  # 对…进行备案: no subject to reuse
        return "", action
    return (name, action) if 2 <= len(name) <= 24 and action else ("", action)


# Which real items a generated power of each type borrows its subject from.
SOURCE_TYPES = {"01": {"01", "07", "10"}, "05": {"05", "20"}, "07": {"07", "01", "10"},
                "10": {"10", "01"}, "20": {"20", "05"}, "08": {"01", "10", "20"},
                "09": {"01", "10", "20"}, "04": {"01"}}  # fmt: skip
# Penalties, inspections and coercive measures concern licensed activities.
ACTIVITY_TYPES = {"02", "03", "04", "06"}
# Words of real names that combine with other subjects.
MODIFIERS = ["临时", "农村", "城市", "城镇", "普通", "民办", "内资", "特殊", "一般", "小型", "大型",
             "集体", "公共", "新建", "异地"]  # fmt: skip
# A law every power of the type may cite, besides a law of the library chosen at random.
TYPE_LAW = {"01": "中华人民共和国行政许可法", "02": "中华人民共和国行政处罚法",
            "03": "中华人民共和国行政强制法"}  # fmt: skip


def _name(rng, power_type, subject, modifier):
    if power_type == "02":
        return rng.choice(
            [
                f"对未取得{subject}许可擅自从事{subject}活动的行政处罚",
                f"对{rng.choice(SUBJECTS)}未按照规定办理{subject}手续的行政处罚",
                f"对以欺骗、贿赂等不正当手段取得{subject}许可的行政处罚",
            ]
        )
    if power_type == "06":
        return f"对{modifier}{subject}活动的监督检查"
    if power_type == "03":
        return f"对未经许可从事{subject}活动的场所、设施、财物的查封、扣押"
    if power_type == "04":
        return f"{subject}相关费用征收"
    if power_type == "08":
        return f"对{subject}工作中做出突出贡献的单位和个人进行奖励"
    if power_type == "09":
        return f"{subject}纠纷裁决"
    action = rng.choice(NEW_ACTIONS[power_type])
    qualifier = "" if "（" in action else rng.choice(QUALIFIERS)
    return f"{modifier}{subject}{action}{qualifier}"


def _conditions(rng, subject):
    lines = [
        f"{rng.choice(SUBJECTS)}为依法设立或者具有完全民事行为能力，能够独立承担法律责任；",
        f"具有与{subject}相适应的场所、设施设备和专业技术人员；",
        "有健全的安全管理、质量管理等规章制度；",
        "申请材料齐全、符合法定形式；",
        "法律、法规规定的其他条件。",
    ]
    return "\n".join(lines[: rng.randint(2, 5)])


def _materials(rng, name, subject):
    items = [
        {"name": f"{name}申请表", "form": "original", "copies": 1, "required": True, "note": ""},
        {"name": "申请人身份证明（法定代表人身份证明、经办人身份证明和授权委托书）",
         "form": "both", "copies": 1, "required": True, "note": "现场核验原件，留存复印件"},
        {"name": f"与{subject}相关的场所、设施证明材料", "form": "copy", "copies": 1,
         "required": True, "note": ""},
        {"name": "安全管理制度文本", "form": "original", "copies": 1, "required": False,
         "note": "按需提交"},
    ]  # fmt: skip
    return items[: rng.randint(2, 4)]


def _steps(rng, subject):
    descriptions = {
        "受理": "核验申请人身份和申请材料；材料齐全、符合法定形式的予以受理并出具受理通知书。",
        "审查": f"审查申请材料，必要时对{subject}相关场所、设施进行现场核查并制作核查记录。",
        "决定": "作出准予或者不予的决定；不予的书面说明理由并告知复议、诉讼权利。",
        "送达": "制作并送达决定文书、证件，办结后开展“好差评”回访。",
    }
    chosen = POSTS[: rng.randint(2, 4)]
    return [
        {
            "name": step,
            "post": post,
            "description": descriptions[step],
            "time_limit": rng.randint(1, 5),
            "supervision": SUPERVISION,
        }
        for step, post in chosen
    ]


class PowerNames:
    """Draws a new power's type, the real item it is made from, that item's subject, and its
    name. Every type is drawn with its share of TYPE_SHARES, among the types that have real
    items to borrow a subject from."""

    def __init__(self, real_items: list[RealItem]):
        split = [(item, *split_name(item.title)) for item in real_items]
        self.pools: dict[str, list[tuple[RealItem, str]]] = {}
        for power_type, _share in TYPE_SHARES:
            if power_type in ACTIVITY_TYPES:
                pool = [(i, s) for i, s, a in split if s and i.power_type == "01" and "许可" in a]
            else:
                sources = SOURCE_TYPES[power_type]
                pool = [(i, s) for i, s, a in split if s and i.power_type in sources]
            if pool:
                self.pools[power_type] = pool
        shares = [(t, w) for t, w in TYPE_SHARES if t in self.pools]
        self.types, self.weights = zip(*shares, strict=True)

    def draw(self, rng: random.Random) -> tuple[str, RealItem, str, str]:
        """(power type, real item, subject, name)."""
        power_type = rng.choices(self.types, self.weights)[0]
        source, subject = rng.choice(self.pools[power_type])
        modifier = ""
        if rng.random() < 0.15:
            word = rng.choice(MODIFIERS)
            if word not in subject:
                modifier = word
        return power_type, source, subject, _name(rng, power_type, subject, modifier)


def generate(count, real_items, laws, *, seed=20240611):
    """`count` PowerData for new powers made from `real_items` (RealItem list); `laws` is a list
    of (law title, [article numbers such as 第十二条]) to cite from."""
    from catalogue.services import CitationData, PowerData

    rng = random.Random(seed)
    names = PowerNames(real_items)
    law_articles = dict(laws)
    taken = {(item.department_code, item.title) for item in real_items}
    real_codes = {item.code for item in real_items}
    powers, number = [], 0
    while len(powers) < count:
        power_type, source, subject, name = names.draw(rng)
        if (source.department_code, name) in taken or len(name) > 200:
            continue
        taken.add((source.department_code, name))
        number += 1
        code = f"{TYPE_PREFIX[power_type]}8{number:07d}-511602000000-000-{source.department_code}"
        code += "-1-00"
        if code in real_codes:  # never overwrite a real power
            continue
        data = PowerData(
            code=code,
            department_code=source.department_code,
            title=name,
            power_type=power_type,
            item_group=QUALIFIER_RE.sub("", source.title) if rng.random() < 0.3 else "",
            status=rng.choices(["in_force", "suspended", "cancelled"], [95, 4, 1])[0],
            fee_free=True,
            fee_standard="不收费",
        )
        if rng.random() < 0.35 and laws:
            cited = [title for title, _articles in rng.sample(laws, k=rng.randint(1, 2))]
            if power_type in TYPE_LAW and TYPE_LAW[power_type] in law_articles:
                cited = [TYPE_LAW[power_type], *cited[:1]]
            citations = []
            for title in dict.fromkeys(cited):
                articles = law_articles[title]
                picked = sorted(rng.sample(articles, k=min(len(articles), rng.randint(1, 3))),
                                key=articles.index)  # fmt: skip
                citations.append(CitationData(law_title=title, articles="、".join(picked)))
            data.citations = citations
        if rng.random() < 0.4:
            data.acceptance_conditions = _conditions(rng, subject)
            data.materials = _materials(rng, name, subject)
            data.steps = _steps(rng, subject)
            data.legal_time_limit = rng.choice([20, 30, 60])
            data.promised_time_limit = rng.randint(1, data.legal_time_limit // 2)
            data.handling_agency = "区政务服务中心综合窗口"
            data.service_mode = rng.choice(["窗口办理", "窗口办理、网上办理（四川政务服务网）"])
        powers.append(data)
    return powers
