"""Admin wiring of access: who may grant roles, the rights site administrators may grant, and
the audit log's name for a look at personal data."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from wagtail import hooks

from . import personal_data, roles


@hooks.register("before_create_user")
def refuse_privileged_user_creation(request):
    return _refuse_privileges(request, None)


@hooks.register("before_edit_user")
def refuse_privileged_user_edits(request, user):
    return _refuse_privileges(request, user)


def _refuse_privileges(request, target):
    data = request.POST if request.method == "POST" else QueryDict()
    problem = roles.privilege_problem(request.user, target, data)
    if problem:
        messages.error(request, problem)
        return redirect("wagtailusers_users:index")
    return None


@hooks.register("register_permissions")
def register_access_permissions():
    """Granted to groups in 设置 → 用户组: the unmasked personal data of citizens (every look
    logged). Publishing powers without review is not offered there: a site administrator who
    edits groups must not be able to hand it to themselves (a superuser grants it)."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="access",
        codename="view_personal_data",
    )


@hooks.register("register_log_actions")
def register_access_log_actions(actions):
    actions.register_action(personal_data.LOG_ACTION, "查看个人信息", "查看了公众的个人信息")
