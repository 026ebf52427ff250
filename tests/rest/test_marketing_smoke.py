from __future__ import annotations

from gateway.rest.marketing.routes import ROUTES
from tests.utils.builders import World


async def test_every_route_answers(api, upload) -> None:
    await World().build().load(upload)
    for route in ROUTES:
        if route.method != "GET":
            continue
        response = await api.get(route.path)
        assert response.status_code == 200, (route.path, response.text)
        assert response.json()["success"] is True
