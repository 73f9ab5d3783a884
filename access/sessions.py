"""Staff sessions end after a working day, and sooner when left idle: an official's browser
left open in a shared office does not stay signed in. Citizens never sign in."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode

STARTED, SEEN = "access_session_started", "access_session_seen"
# The last activity is written at most this often (a session write per request is wasteful).
SEEN_EVERY_SECONDS = 60
TOO_OLD = "登录已超过一个工作日，为安全起见请重新登录。"
IDLE = "您已 {minutes} 分钟没有操作，为安全起见已退出，请重新登录。"


def session_started(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[STARTED] = request.session[SEEN] = now


class StaffSessionMiddleware:
    """Signs out a session older than STAFF_SESSION_HOURS, or idle for STAFF_IDLE_MINUTES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(STARTED, now)
            seen = request.session.get(SEEN, now)
            too_old = now - started > settings.STAFF_SESSION_HOURS * 3600
            idle = now - seen > settings.STAFF_IDLE_MINUTES * 60
            if too_old or idle:
                logout(request)
                minutes = settings.STAFF_IDLE_MINUTES
                messages.info(request, TOO_OLD if too_old else IDLE.format(minutes=minutes))
                login = resolve_url(settings.LOGIN_URL)
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if now - seen >= SEEN_EVERY_SECONDS:
                request.session[SEEN] = now
        return self.get_response(request)
