"""Errors of departments and their quotas, with the facts a page needs to say them."""

from __future__ import annotations

from infra.errors import Conflict, says
from infra.labels import N_

NO_SUCH_DEPARTMENT = says("no_such_department", N_("There is no department %(department_id)s."))
# errors2: the department tree and accounts (params: enum members, said by their labels).
HAS_NO_PARENT = says("has_no_parent", N_("A %(kind)s has no parent department."))
NEEDS_PARENT = says("needs_parent", N_("A %(kind)s needs a parent %(wanted)s."))
PARENT_KIND = says(
    "parent_kind",
    N_("A %(kind)s's parent must be a %(wanted)s; department %(parent_id)s is a %(actual)s."),
)
ROLE_NEEDS_DEPARTMENT = says("role_needs_department", N_("A %(role)s must belong to a department."))
ROLE_WITHOUT_DEPARTMENT = says(
    "role_without_department", N_("A %(role)s works for the cloud office, not one department.")
)
ROLE_NEEDS_PROVIDER = says("role_needs_provider", N_("A %(role)s must belong to a provider."))
ROLE_WITHOUT_PROVIDER = says(
    "role_without_provider",
    N_("Only a provider representative belongs to a provider, not a %(role)s."),
)
ZONE_NOT_SHARED = says(
    "zone_not_shared", N_("The classified e-government intranet never hosts shared-cloud capacity.")
)


class QuotaExists(Conflict):
    """A department has one quota per resource class and zone: the second is refused."""

    code = says(
        "quota_exists",
        N_("The department already has a quota for %(resource)s in %(zone)s: edit that one."),
    )
