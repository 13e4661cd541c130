from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from tests import factories


def test_health(client: TestClient, backend_name: str) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": backend_name}


def test_operator_creates_quota(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    response = client.post(
        "/api/v1/quotas",
        json={"department_id": w.own.id, "resource": "vcpu", "zone": "extranet", "limit": 64},
        headers=w.headers[Role.OPERATOR],
    )
    assert response.status_code == 201, response.text
    listed = client.get("/api/v1/quotas", headers=w.headers[Role.DEPARTMENT_USER]).json()
    assert [q["limit"] for q in listed["items"]] == [64]


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    from portal_api.routes_index import api_routes

    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    documented = {
        (method.upper(), path)
        for path, operations in schema.json()["paths"].items()
        for method in operations
    }
    served = {(r.method, r.path) for r in api_routes(client.app)}  # type: ignore[arg-type]
    assert served == documented
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
