"""Reads of the catalogue for the public hall. Everything here reads live, public pages only."""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Length, Substr

from common.pagecache import current_generation
from common.text import clean_public_text
from laws.models import LawArticle
from laws.numerals import article_numbers

from .choices import PowerStatus, PowerType
from .models import DepartmentPage, PowerPage

PAGE_SIZE = 20
MAX_PARAM_LENGTH = 100
# The columns a list of powers or departments needs (title, link, badges): nothing heavier.
POWER_LIST_FIELDS = ("id", "path", "depth", "title", "code", "power_type", "status", "url_path")
DEPARTMENT_LIST_FIELDS = ("id", "path", "depth", "title", "short_name", "code", "url_path")


def restricted_paths() -> list[str]:
    """The tree paths of the private sections (pages with a view restriction): usually none.
    Read in two small queries: Wagtail's join of the restrictions with the page table has
    SQLite scan every page, 10–30 ms at 100,000 powers, on every public read."""
    from wagtail.models import Page, PageViewRestriction

    restricted = list(PageViewRestriction.objects.values_list("page_id", flat=True))
    if not restricted:
        return []
    return list(Page.objects.filter(pk__in=restricted).values_list("path", flat=True))


def public(pages):
    """Wagtail's `public()`: pages outside every private section (see restricted_paths)."""
    private = Q()
    for path in restricted_paths():
        private |= Q(path__startswith=path)
    return pages.exclude(private) if private else pages


def live_powers():
    return public(PowerPage.objects.live())


def live_departments():
    return public(DepartmentPage.objects.live())


def live_powers_filtered(*, power_type=None, status=None, department=None, tag=None, words=()):
    """Live, public powers of a type and status, under a (live) department, with a tag, whose
    name or code contains every one of `words`; an argument left empty does not filter."""
    powers = live_powers()
    if power_type:
        powers = powers.filter(power_type=power_type)
    if status:
        powers = powers.filter(status=status)
    if department is not None:
        powers = powers.child_of(department)
    if tag:
        powers = powers.filter(tagged_items__tag__name=tag)
    for word in words:
        powers = powers.filter(Q(title__icontains=word) | Q(code__icontains=word))
    return powers


def department_for_path(departments, power):
    """The department of a power, from a list of departments, without a query."""
    return departments.get(power.path[: -PowerPage.steplen])


def with_departments(powers) -> list:
    """[(power, department)] for a list of powers, with one query for all their departments."""
    powers = list(powers)
    parents = {power.path[: -PowerPage.steplen] for power in powers}
    departments = {
        dept.path: dept
        for dept in DepartmentPage.objects.filter(path__in=parents).only(*DEPARTMENT_LIST_FIELDS)
    }
    return [(power, department_for_path(departments, power)) for power in powers]


@dataclass
class Facet:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class CatalogueListing:
    page: PaginatorPage
    total: int
    type_facets: list[Facet]
    department_facets: list[Facet]
    status_facets: list[Facet]
    selected: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    rows: list = field(default_factory=list)

    def query_for(self, **changes):
        """The query string of this listing with some filters changed (None removes one)."""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        values = {**self.selected, **changes}
        for key in ("type", "dept", "status"):
            if values.get(key):
                query[key] = values[key]
        return query.urlencode()


def _clean_param(params, name):
    return clean_public_text(params.get(name, ""), MAX_PARAM_LENGTH)


def catalogue_listing(*, catalogue, params) -> CatalogueListing:
    """Filter the live powers by type, department and status, with a count for every choice.

    Unknown filter values are ignored (and reported), so a stale bookmark still shows a page.
    """
    departments = OrderedDict(
        (dept.path, dept)
        for dept in live_departments()
        .descendant_of(catalogue)
        .only(*DEPARTMENT_LIST_FIELDS)
        .order_by("path")
    )
    by_code = {dept.code: dept for dept in departments.values()}

    selected, ignored = {}, []
    type_value = _clean_param(params, "type")
    if type_value:
        try:
            selected["type"] = PowerType.parse(type_value).value
        except ValueError:
            ignored.append(f"事项类型“{type_value}”")
    dept_value = _clean_param(params, "dept")
    if dept_value:
        if dept_value in by_code:
            selected["dept"] = dept_value
        else:
            ignored.append(f"部门“{dept_value}”")
    status_value = _clean_param(params, "status")
    if status_value:
        if status_value in PowerStatus.values:
            selected["status"] = status_value
        else:
            ignored.append(f"状态“{status_value}”")

    base = live_powers().descendant_of(catalogue)
    type_q = Q(power_type=selected["type"]) if "type" in selected else Q()
    status_q = Q(status=selected["status"]) if "status" in selected else Q()
    dept_q = Q()
    if "dept" in selected:
        dept_q = Q(path__startswith=by_code[selected["dept"]].path)

    type_counts = dict(
        base.filter(dept_q, status_q).order_by().values_list("power_type").annotate(n=Count("id"))
    )
    status_counts = dict(
        base.filter(dept_q, type_q).order_by().values_list("status").annotate(n=Count("id"))
    )
    dept_counts = power_counts_by_department(base.filter(type_q, status_q))

    matching = (
        base.filter(type_q, status_q, dept_q)
        .order_by("power_type", "path")
        .only(*POWER_LIST_FIELDS)
    )
    paginator = Paginator(matching, PAGE_SIZE)
    if "type" in selected:
        total = type_counts.get(selected["type"], 0)
    else:
        total = sum(type_counts.values())
    paginator.count = total  # known from the facet counts: saves a COUNT query
    page = paginator.get_page(params.get("page"))
    rows = [(power, department_for_path(departments, power)) for power in page.object_list]

    return CatalogueListing(
        page=page,
        total=total,
        type_facets=[
            Facet(
                member.value,
                member.label,
                type_counts.get(member.value, 0),
                selected.get("type") == member.value,
            )
            for member in PowerType
        ],  # fmt: skip
        department_facets=[
            Facet(
                dept.code,
                dept.short_name or dept.title,
                dept_counts.get(dept.path, 0),
                selected.get("dept") == dept.code,
            )
            for dept in departments.values()
        ],  # fmt: skip
        status_facets=[
            Facet(
                member.value,
                member.label,
                status_counts.get(member.value, 0),
                selected.get("status") == member.value,
            )
            for member in PowerStatus
        ],  # fmt: skip
        selected=selected,
        ignored=ignored,
        rows=rows,
    )


def power_counts_by_department(queryset) -> dict[str, int]:
    """{department path: number of the powers in `queryset`}, counted in SQL by the tree path of
    each power's parent (its own path without the last step): one query."""
    parent = Substr("path", 1, Length("path") - PowerPage.steplen)
    return dict(
        queryset.order_by().annotate(parent=parent).values_list("parent").annotate(n=Count("id"))
    )


def hall_overview(recent=8):
    """What the home page shows: counts by type and department, and recently adjusted powers."""
    powers = live_powers()
    type_counts = dict(powers.order_by().values_list("power_type").annotate(n=Count("id")))
    departments = OrderedDict(
        (dept.path, dept)
        for dept in live_departments().only(*DEPARTMENT_LIST_FIELDS).order_by("path")
    )
    dept_counts = power_counts_by_department(powers)
    recent_powers = list(
        powers.exclude(last_published_at=None)
        .order_by("-last_published_at", "-id")
        .only(*POWER_LIST_FIELDS, "last_published_at")[:recent]
    )
    return {
        "type_counts": [(member, type_counts.get(member.value, 0)) for member in PowerType],
        "department_counts": [
            (dept, dept_counts.get(dept.path, 0)) for dept in departments.values()
        ],
        "recent_powers": [(p, department_for_path(departments, p)) for p in recent_powers],
        "power_total": sum(type_counts.values()),
    }


def department_powers_by_type(department):
    """A department's live powers, grouped by type in national-code order."""
    powers = (
        live_powers().child_of(department).order_by("power_type", "path").only(*POWER_LIST_FIELDS)
    )
    grouped = OrderedDict()
    for power in powers:
        grouped.setdefault(PowerType(power.power_type), []).append(power)
    return list(grouped.items())


def department_overview(department):
    groups = department_powers_by_type(department)
    return {"powers_by_type": groups, "power_total": sum(len(powers) for _t, powers in groups)}


@dataclass
class Citation:
    """A legal-basis citation as the power page shows it, with the cited articles' text."""

    title: str
    articles: str
    law: object
    quote: str
    cited_articles: list


def power_citations(power) -> list[Citation]:
    """The power's citations with the text of each cited article: two queries, however many."""
    bases = list(power.legal_bases.all().select_related("law"))
    wanted = Q()
    for basis in bases:
        numbers = article_numbers(basis.articles)
        if basis.law_id and numbers:
            wanted |= Q(law_id=basis.law_id, ordinal__in=numbers)
    texts = {}
    if wanted:
        for article in LawArticle.objects.filter(wanted).only(
            "law_id", "ordinal", "number", "text"
        ):
            texts[(article.law_id, article.ordinal)] = article
    citations = []
    for basis in bases:
        cited = [
            texts[(basis.law_id, number)]
            for number in article_numbers(basis.articles)
            if (basis.law_id, number) in texts
        ]
        citations.append(
            Citation(
                title=basis.display_title,
                articles=basis.articles,
                law=basis.law,
                quote=basis.quote,
                cited_articles=cited,
            )
        )
    return citations


def power_detail(power):
    department = (
        DepartmentPage.objects.filter(path=power.path[: -PowerPage.steplen]).first()
        if power.path
        else None
    )
    return {
        "department": department,
        "citations": power_citations(power),
        "tags": list(power.tags.all()),
        "complaint_channel": power.complaint_channel
        or (department.complaint_channel if department else ""),
    }


# ----------------------------------------------------------------------------- flowcharts

# Part of every chart's cache key: bump it when the drawing changes.
FLOWCHART_VERSION = 1
PNG_TIMEOUT = 30 * 24 * 3600


def flowchart_tag(revision_id) -> str:
    """What a chart of a live revision depends on: the drawing's version, the revision, and the
    published content around it (the department's name and channels): the files' cache key and
    ETag."""
    return f"{FLOWCHART_VERSION}-{revision_id}-{current_generation()}"


def power_flowchart(power, variant, *, revision_id=None, marks=None, department=None, ident="fc"):
    """The generated flowchart of `power` (a live page or a revision's object) as SVG markup,
    or "" when it has no steps. Kept per revision when `revision_id` is given and nothing is
    marked on it (a revision never changes)."""
    from django.core.cache import caches

    from . import flowchart

    if not power.steps:
        return ""
    key = None
    if revision_id and not marks:
        # With the generation: the chart also shows the department (name, complaint channel).
        key = f"fc:{FLOWCHART_VERSION}:{current_generation()}:{revision_id}:{variant}:{ident}"
        svg = caches["flowcharts"].get(key)
        if svg is not None:
            return svg
    chart = flowchart.layout(flowchart.flow_of(power, department=department), variant, marks)
    svg = flowchart.to_svg(chart, ident=ident)
    if key:
        caches["flowcharts"].set(key, svg)
    return svg


def power_flowchart_file(power, *, kind, revision_id):
    """The standalone chart of a live power: ("svg", text) or ("png", bytes), kept per revision
    (the PNG in the shared cache: it costs about a hundred milliseconds to draw)."""
    from django.core.cache import cache, caches

    from . import flowchart

    key = f"fc-file:{flowchart_tag(revision_id)}:{kind}"
    store = cache if kind == "png" else caches["flowcharts"]
    content = store.get(key)
    if content is None:
        chart = flowchart.layout(flowchart.flow_of(power), flowchart.WIDE)
        if kind == "png":
            content = flowchart.to_png(chart)
            store.set(key, content, PNG_TIMEOUT)
        else:
            content = flowchart.to_svg(chart, ident="flowchart", standalone=True)
            store.set(key, content)
    return content


def step_changes(live, revised):
    """How the steps of a revision under review differ from the live ones, matched by name:
    {"marks": {index in revised: "added" | "changed"}, "added": [names], "changed": [(name,
    [field labels])], "removed": [names], "moved": bool}."""
    from .blocks import StepBlock

    labels = {name: str(block.label) for name, block in StepBlock().child_blocks.items()}
    live_steps = [dict(block.value) for block in live.steps]
    new_steps = [dict(block.value) for block in revised.steps]
    # A step is known by its name and how many steps of that name came before it (two 审核
    # steps are 审核#0 and 审核#1).
    live_keys = _occurrence_keys(live_steps)
    live_pairs = list(zip(live_keys, live_steps, strict=True))
    by_key = {key: (index, step) for index, (key, step) in enumerate(live_pairs)}
    result = {"marks": {}, "added": [], "changed": [], "removed": [], "moved": False}
    seen, order = set(), []
    for index, (key, step) in enumerate(zip(_occurrence_keys(new_steps), new_steps, strict=True)):
        name = step.get("name")
        if key not in by_key:
            result["marks"][index] = "added"
            result["added"].append(name)
            continue
        seen.add(key)
        old_index, old = by_key[key]
        fields = [
            labels[field]
            for field in labels
            if field != "name" and _step_value(old.get(field)) != _step_value(step.get(field))
        ]
        if fields:
            result["marks"][index] = "changed"
            result["changed"].append((name, fields))
        order.append(old_index)
    # Moved: the steps both versions have no longer come in the same order (a step added or
    # removed between them shifts the numbers but moves nothing).
    result["moved"] = order != sorted(order)
    result["removed"] = [step.get("name") for key, step in live_pairs if key not in seen]
    return result


def _occurrence_keys(steps):
    counts = {}
    keys = []
    for step in steps:
        name = step.get("name")
        keys.append((name, counts.get(name, 0)))
        counts[name] = counts.get(name, 0) + 1
    return keys


def _step_value(value):
    """Empty alike: a step stored before a field existed (None) equals one saved with it empty."""
    if isinstance(value, (list, tuple)):
        return sorted(set(value)) or None
    return value if value not in (None, "") else None


def revision_flowchart(revision_id, variant, *, marks=None, ident="fc"):
    """The chart of a power's revision (the one a case follows), with `marks` laid over it;
    the revision's Flow is kept per revision. "" when the revision has no steps."""
    from django.core.cache import caches
    from wagtail.models import Revision

    from . import flowchart

    key = f"fc-flow:{FLOWCHART_VERSION}:{current_generation()}:{revision_id}"
    flow = caches["flowcharts"].get(key)
    if flow is None:
        revision = Revision.objects.filter(pk=revision_id).first()
        power = revision.as_object() if revision is not None else None
        flow = flowchart.flow_of(power) if power is not None and power.steps else False
        caches["flowcharts"].set(key, flow)
    if not flow:
        return ""
    return flowchart.to_svg(flowchart.layout(flow, variant, marks), ident=ident)
