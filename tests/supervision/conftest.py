from tests.cases.conftest import head, holder, licence, reviewer, window  # noqa: F401
