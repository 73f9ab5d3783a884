"""Department staff on a government intranet: nothing in the admin's menus leads to a site
outside the platform (Wagtail's help menu linked to its English guide and release notes)."""

import json
import re

import pytest
from django.urls import reverse

from tests.factories import department_editor, make_user

pytestmark = pytest.mark.django_db


def menu_links(client, user):
    client.force_login(user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
                      html, re.S)  # fmt: skip
    assert props, "the admin's sidebar is rendered from its JSON props"
    return re.findall(r'"url": "([^"]*)"', json.dumps(json.loads(props.group(1))))


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_the_admin_menus_link_only_inside_the_platform(client, who):
    user = department_editor() if who == "editor" else make_user("root", superuser=True)
    links = menu_links(client, user)
    assert "/admin/pages/" in " ".join(links)  # the menus are there
    outside = [url for url in links if re.match(r"(https?:)?//", url)]
    assert outside == []
