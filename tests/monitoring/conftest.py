from tests.portal_api.conftest import api_app, app  # noqa: F401  (the API's fixtures)
