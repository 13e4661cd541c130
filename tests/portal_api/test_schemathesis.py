"""The API against its own OpenAPI document, fuzzed by schemathesis with every check.

Every operation the document declares, for the cloud office's operator and a department admin,
on SQLite and PostgreSQL, a bounded number of examples each (positive and negative data, and
schemathesis's own probes: undeclared methods want a 405 with a correct ``Allow``, missing
headers, responses against their declared schemas, status codes and content types).  Zero
server errors, zero failed checks.

One check is told more than the schema can say: schema-valid data may still break a business
rule (a reference to a row that does not exist, ``ends_on`` before ``starts_on``, a well-known
password), so ``positive_data_acceptance`` also accepts 422 — every 422 names its field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from infra.tenancy.enums import Role
from tests.portal_api.conftest import SharedWorld

load_all_checks()
EXAMPLES = 5
ROLES = (Role.OPERATOR, Role.DEPARTMENT_ADMIN)
# Stateful checks need the stateful runner; everything else runs on every response.
CHECKED = [
    c
    for c in CHECKS.get_all()
    if c.__name__ not in ("use_after_free", "ensure_resource_availability")
]


class _CurrentApp:
    """The ASGI app schemathesis talks to: the run's shared app once ``module_world`` has
    built it (one per backend), before that one without a database that only serves the
    OpenAPI document (schemathesis loads the schema when this module is imported)."""

    def __init__(self) -> None:
        self.app: Any = None
        self._document_only: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # the apps' own lifespans run elsewhere (or never)
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if self.app is None and self._document_only is None:
            from portal_api.app import create_app

            self._document_only = create_app(with_pages=False)
        await (self.app or self._document_only)(scope, receive, send)


CURRENT = _CurrentApp()
CONFIG = SchemathesisConfig.from_dict(
    {
        # The coverage phase enumerates every boundary case of every operation (thousands,
        # minutes of work); fuzzing with a bounded example count keeps this to minutes.
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
            # An over-long body may be refused by size (413, the guard's byte limit, naming it)
            # before its field's length is read (422): both are refusals naming the limit.
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "413",
                    "415",
                    "422",
                    "428",
                    "429",
                ]
            },
        },
    }
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", CURRENT, config=CONFIG)


@pytest.fixture
def current_app(module_world: SharedWorld) -> Iterator[SharedWorld]:
    CURRENT.app = module_world.client.app
    try:
        yield module_world
    finally:
        CURRENT.app = None


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    derandomize=True,
)
def test_the_api_keeps_its_contract(case: Any, current_app: SharedWorld) -> None:
    for role in ROLES:  # each example as both callers
        headers = current_app.world.headers[role]
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKED, headers=headers)
