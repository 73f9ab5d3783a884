"""gunicorn settings for disclosure.wsgi (read by deploy/systemd/disclosure-web.service).

Every value can be changed in /etc/disclosure/disclosure.env without editing this file:

  GUNICORN_BIND        where gunicorn listens (default 127.0.0.1:8000; nginx proxies to it)
  WEB_CONCURRENCY      worker processes (default 2 × CPUs + 1, at most 12)
  GUNICORN_TIMEOUT     seconds a request may take before its worker is restarted (default 120;
                       keep nginx's proxy_read_timeout a little above it)
  FORWARDED_ALLOW_IPS  read by gunicorn itself: the proxies it trusts (default 127.0.0.1,::1)

Sync workers: nginx buffers requests and responses, so a slow client never holds a worker.
Each worker keeps its own page cache (CACHES["pages"]), which is why workers are recycled only
rarely (max_requests).
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


wsgi_app = "disclosure.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
        if address.strip()]  # fmt: skip
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cpus() + 1, 12))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
backlog = 2048

# systemd gives the unit a runtime directory (/run/disclosure-web, on tmpfs): the workers'
# heartbeat files and gunicorn's control socket go there, not into a home directory (the unit
# runs with ProtectSystem=strict and ProtectHome=yes).
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime:
    worker_tmp_dir = _runtime
    control_socket = os.path.join(_runtime, "gunicorn.ctl")
    control_socket_mode = 0o600
else:
    control_socket_disable = True

# nginx writes the access log; gunicorn logs errors to the journal (stderr).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = True
proc_name = "disclosure-web"
