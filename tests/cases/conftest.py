import pytest

from access.posts import posts_assign
from catalogue.models import DepartmentPage
from tests.factories import make_user, publish_power, road_transport_licence


def holder(username, *posts, department="TRANSPORT", heads=()):
    """A member of staff holding posts (承办岗位) of a department."""
    user = make_user(username)
    department_id = DepartmentPage.objects.get(code=department).pk
    posts_assign(user, department_id, posts, head_posts=heads)
    return user


@pytest.fixture
def licence(db):
    """The transport bureau's road freight licence, published: 受理 (窗口受理岗) → 审查 (审核岗) →
    决定 (分管领导), promised in 5 working days, online application allowed."""
    return publish_power(road_transport_licence(online_depth=4))


@pytest.fixture
def window(db):
    return holder("window", "窗口受理岗")


@pytest.fixture
def reviewer(db):
    return holder("reviewer", "审核岗")


@pytest.fixture
def head(db):
    return holder("head", "分管领导", heads=("分管领导",))
