"""A production installation's first step after `migrate`: the site under its own address, the
hall's pages, the roles and the legal office's review workflow (idempotent: run it again after
each upgrade). The demo's `setup_demo` does the same for localhost, with demo data."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_domain_name
from django.db import transaction
from wagtail.models import Site

from home.services import site_structure_ensure
from review.setup import review_setup_ensure


class Command(BaseCommand):
    help = "建立或修复站点（域名）、网上政务大厅的页面、各角色与“法制办审核”流程（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--hostname", required=True, help="对外域名，如 quanli.example.gov.cn")
        parser.add_argument("--port", type=int, default=443, help="对外端口（默认 443）")

    def handle(self, *args, hostname, port, **options):
        hostname = hostname.strip().lower()
        try:
            validate_domain_name(hostname)
        except ValidationError as error:
            raise CommandError(f"域名格式不正确：{hostname}") from error
        if not 1 <= port <= 65535:
            raise CommandError(f"端口应在 1–65535 之间：{port}")
        with transaction.atomic():
            site_structure_ensure(hostname=hostname, port=port)
            # Wagtail's first migration made a site for localhost:80: it answers under the
            # platform's own address instead.
            Site.objects.filter(is_default_site=True).update(hostname=hostname, port=port)
            workflow = review_setup_ensure()
        self.stdout.write(f"站点已就绪：{hostname}:{port}")
        self.stdout.write(f"角色与审核流程已就绪：{workflow.name}（指定于职权目录）")
