"""Model → API dict, for the response schemas in api/schemas.py. Everything here reads what the
public pages read (catalogue, laws, review and feedback selectors), with a fixed number of
queries per response whatever the number of items, citations or steps."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from catalogue.blocks import DiscretionBlock, MaterialBlock, StepBlock
from catalogue.choices import ExerciseLevel, PowerSource, PowerStatus, PowerType
from catalogue.models import DepartmentPage, PowerPage
from catalogue.selectors import power_detail as power_page_context
from feedback.models import Kind, Rating
from feedback.selectors import published_comments, rating_summary
from laws.models import LawLevel, LawStatus
from review.selectors import power_history

API = "/api/v3"


def _choice(enum, value):
    if value in (None, ""):
        return None
    try:
        return {"code": str(value), "label": str(enum(value).label)}
    except ValueError:
        return {"code": str(value), "label": str(value)}


def _block_choices(block_class, name):
    return dict(block_class.base_blocks[name].field.choices)


MATERIAL_FORMS = _block_choices(MaterialBlock, "form")
DISCRETION_TIERS = _block_choices(DiscretionBlock, "tier")
STEP_OUTCOMES = _block_choices(StepBlock, "outcomes")


def power_api_url(code: str) -> str:
    return f"{API}/powers/{quote(code, safe='')}/"


def department_api_url(code: str) -> str:
    return f"{API}/departments/{quote(code, safe='')}/"


def department_ref(department: DepartmentPage | None):
    if department is None:
        return None
    return {"code": department.code, "name": department.title,
            "short_name": department.short_name,
            "api_url": department_api_url(department.code)}  # fmt: skip


def power_summary(power: PowerPage, department, request) -> dict:
    return {
        "code": power.code,
        "title": power.title,
        "type": _choice(PowerType, power.power_type),
        "status": _choice(PowerStatus, power.status),
        "department": department_ref(department),
        "promised_time_limit": power.promised_time_limit,
        "legal_time_limit": power.legal_time_limit,
        "last_published_at": power.last_published_at,
        "url": power.get_url(request=request) or "",
        "api_url": power_api_url(power.code),
    }


def law_ref(law):
    return {
        "id": law.pk,
        "title": law.title,
        "short_title": law.short_title,
        "status": _choice(LawStatus, law.status),
        "url": f"/laws/{law.pk}/",
        "api_url": f"{API}/laws/{law.pk}/",
    }


def law_summary(law, article_count: int) -> dict:
    return {
        **law_ref(law),
        "level": _choice(LawLevel, law.level),
        "issuing_authority": law.issuing_authority,
        "promulgation_date": law.promulgation_date,
        "effective_date": law.effective_date,
        "articles": article_count,
    }


def rating(figures) -> dict:
    return {"ratings": figures.ratings, "satisfied": figures.satisfied,
            "satisfaction_rate": figures.rate, "levels": dict(figures.levels)}  # fmt: skip


def comments(scope) -> list[dict]:
    """The moderated comments and replies a power's or department's page shows (nothing that
    names the citizen: feedback.selectors.PUBLIC_FIELDS)."""
    return [
        {"kind": _choice(Kind, item.kind), "rating": _choice(Rating, item.rating),
         "comment": item.comment, "created_at": item.created_at, "reply": item.reply,
         "replied_at": item.replied_at}
        for item in published_comments(**scope)
    ]  # fmt: skip


def _stream(stream):
    return [child.value for child in stream]


def flowchart(image) -> dict | None:
    if image is None:
        return None
    renditions = []
    for rendition in image.get_renditions("width-640", "width-1200").values():
        renditions.append({"width": rendition.width, "height": rendition.height,
                           "url": rendition.url})  # fmt: skip
    return {"title": image.title, "width": image.width, "height": image.height,
            "original_url": image.file.url, "renditions": renditions}  # fmt: skip


def generated_flowchart(power: PowerPage) -> dict | None:
    """The addresses of the chart the hall draws from the power's steps (None without steps)."""
    if not power.steps:
        return None
    return {
        "svg": reverse("power_flowchart_svg", kwargs={"code": power.code}),
        "png": reverse("power_flowchart_png", kwargs={"code": power.code}),
    }


def power_detail(power: PowerPage, request) -> dict:
    """Everything the power page shows (catalogue.selectors.power_detail and the page)."""
    context = power_page_context(power)
    department = context["department"]
    citations = [
        {
            "law_title": citation.title,
            "articles": citation.articles,
            "quote": citation.quote,
            "law": law_ref(citation.law) if citation.law else None,
            "cited_articles": [
                {"number": a.number, "text": a.text} for a in citation.cited_articles
            ],  # fmt: skip
        }
        for citation in context["citations"]
    ]
    staff = [{"post": s["post"], "name": s["name"] or "", "phone": s["phone"] or ""}
             for s in _stream(power.staff)]  # fmt: skip
    materials = [
        {"name": m["name"], "form": {"code": m["form"] or "",
                                     "label": str(MATERIAL_FORMS.get(m["form"], m["form"] or ""))},
         "copies": m["copies"], "required": bool(m["required"]), "note": m["note"] or ""}
        for m in _stream(power.materials)
    ]  # fmt: skip
    steps = [{"name": s["name"], "post": s["post"] or "", "description": s["description"] or "",
              "time_limit": s["time_limit"], "supervision": s["supervision"] or "",
              "outcomes": [{"code": code, "label": str(STEP_OUTCOMES.get(code, code))}
                           for code in s["outcomes"] or []]}
             for s in _stream(power.steps)]  # fmt: skip
    discretion = [
        {"violation": d["violation"], "circumstance": d["circumstance"],
         "tier": {"code": d["tier"] or "",
                  "label": str(DISCRETION_TIERS.get(d["tier"], d["tier"] or ""))},
         "standard": d["standard"]}
        for d in _stream(power.discretion)
    ]  # fmt: skip
    history = [
        {"published_at": r.published_at, "submitted_at": r.submitted_at,
         "is_creation": r.is_creation, "changed_fields": list(r.changed_fields or []),
         "note": r.note}
        for r in power_history(power)
    ]  # fmt: skip
    return {
        **power_summary(power, department, request),
        "item_group": power.item_group,
        "exercise_level": _choice(ExerciseLevel, power.exercise_level),
        "power_source": _choice(PowerSource, power.power_source),
        "handling_agency": power.handling_agency,
        "staff": staff,
        "legal_bases": citations,
        "acceptance_conditions": power.acceptance_conditions,
        "materials": materials,
        "steps": steps,
        "fees": {
            "free": power.fee_free,
            "standard": power.fee_standard,
            "basis": power.fee_basis,
        },  # fmt: skip
        "service_mode": power.service_mode,
        "online_depth": power.online_depth,
        "result_name": power.result_name,
        "rights": {
            "state": power.right_to_state,
            "hearing": power.right_to_hearing,
            "review": power.right_to_review,
            "litigate": power.right_to_litigate,
            "note": power.rights_note,
        },  # fmt: skip
        "discretion": discretion,
        "complaint_channel": context["complaint_channel"],
        "consultation_phone": department.consultation_phone if department else "",
        "flowchart": flowchart(power.flowchart),
        "generated_flowchart": generated_flowchart(power),
        "tags": [tag.name for tag in context["tags"]],
        "effective_date": power.effective_date,
        "first_published_at": power.first_published_at,
        "history": history,
        "rating": rating(rating_summary(power=power)),
        "comments": comments({"power": power}),
    }
