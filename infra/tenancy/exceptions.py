"""Errors of departments and their quotas, with the facts a page needs to say them."""

from __future__ import annotations

from infra.errors import Conflict, says
from infra.labels import N_

NO_SUCH_DEPARTMENT = says("no_such_department", N_("There is no department %(department_id)s."))
ZONE_NOT_SHARED = says(
    "zone_not_shared", N_("The classified e-government intranet never hosts shared-cloud capacity.")
)


class QuotaExists(Conflict):
    """A department has one quota per resource class and zone: the second is refused."""

    code = says(
        "quota_exists",
        N_("The department already has a quota for %(resource)s in %(zone)s: edit that one."),
    )
