"""数据完整度 on the public pages: a department's figure, every department's, and what is counted
(catalogue.completeness). The figures come from the cached summary; the pages are cached too."""

from django import template

from ..completeness import department_completeness, departments_completeness, requirements_table
from ..selectors import DEPARTMENT_LIST_FIELDS, live_departments

register = template.Library()


@register.simple_tag
def completeness_of(department):
    """One department's figure (DepartmentCompleteness)."""
    return department_completeness(department)


@register.simple_tag
def completeness_by_department(catalogue):
    """[(department, figure)] of the catalogue's live departments with counted powers, in the
    catalogue's order: one query for the departments, the figures from the cache."""
    figures = departments_completeness()
    departments = (
        live_departments().descendant_of(catalogue).only(*DEPARTMENT_LIST_FIELDS).order_by("path")
    )
    return [(d, figures[d.pk]) for d in departments if d.pk in figures]


@register.simple_tag
def completeness_requirements():
    """[(type labels, elements)]: what each type of power must publish."""
    return requirements_table()
