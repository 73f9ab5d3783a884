"""Page permission testers: the rules on pages that Wagtail's page permissions cannot express.

The page models return them from `permissions_for_user`, and every path asks them: the admin's
views and bulk actions, Wagtail's pages API (its actions check `can_delete`, `can_publish`, ...)
and the services. A rule that must hold on every path (delete, copy, move, publish) lives here.
"""

from django.utils.functional import cached_property
from wagtail.models import PagePermissionTester

from .roles import can_publish_directly, decides_publication


class ContainerPagePermissionTester(PagePermissionTester):
    """A page that holds others (the hall, the catalogue, a department) is never deleted while
    it holds any: deleting it would take every department or power below with it. Powers are
    moved to another department or cancelled (取消) first."""

    def can_delete(self, ignore_bulk=False):
        return self.page.numchild == 0 and super().can_delete(ignore_bulk)

    def can_copy(self):
        return False  # a copy would duplicate unique codes below it


class DepartmentPagePermissionTester(ContainerPagePermissionTester):
    """A department page itself is managed by those with rights on the hall above the catalogue
    (site administrators), not by the department's editors, whose rights start at the department,
    nor by the legal office, whose rights start at the catalogue."""

    def _manages_departments(self):
        if self.user.is_superuser:
            return True
        hall_path = self.page.path[: -2 * self.page.steplen]
        cache = getattr(self.user, "_access_manages", None)
        if cache is None:
            cache = self.user._access_manages = {}
        if hall_path not in cache:
            # Rights granted at the hall or above (the permission policy's cached rows).
            cache[hall_path] = any(
                hall_path.startswith(perm.page.path)
                and perm.permission.codename in ("change_page", "add_page")
                for perm in self.permission_policy.get_cached_permissions_for_user(self.user)
            )
        return cache[hall_path]

    def can_edit(self):
        return super().can_edit() and self._manages_departments()

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk) and self._manages_departments()

    def can_unpublish(self):
        return super().can_unpublish() and self._manages_departments()

    def can_move(self):
        return super().can_move() and self._manages_departments()

    def can_publish_subpage(self):
        # A new power under a department goes live through the legal office, like any change;
        # publishing it straight from the "add" form needs the explicit right.
        return can_publish_directly(self.user)


class PowerPagePermissionTester(PagePermissionTester):
    """A power goes live only by the legal office's decision in the 法制办审核 workflow (approving
    publishes, with four eyes: review.four_eyes), or by someone holding the explicit right to
    publish directly (每次记为单人决定). Reviewers do not publish directly: the publish button and
    the API's publish action are not theirs. Taking a power down is the legal office's call too.
    Page permissions alone are not enough."""

    @cached_property
    def _decides(self):
        return decides_publication(self.user)

    def can_publish(self):
        return not self.page_is_root and can_publish_directly(self.user)

    def can_unpublish(self):
        return self.page.live and not self.page_locked() and self._decides

    def can_delete(self, ignore_bulk=False):
        # A power is a leaf: Wagtail's rule reduces to this, without a query per explorer row.
        if not self.user.is_active:
            return False
        if self.user.is_superuser:
            return True
        if self.page.live:
            return False  # taking a public power down is unpublishing: the legal office's call
        return "change" in self.permissions or (
            "add" in self.permissions and self.page.owner_id == self.user.pk
        )

    def can_copy(self):
        return False  # a power's code is unique: a new power is created, not copied
