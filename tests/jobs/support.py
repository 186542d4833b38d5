"""Helpers for the jobs tests: a small network (a job type, a partner, two areas, contractors) made
through the API as the owner, and a New Job body to start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import sign_in_api
from tests.network.support import area, contractor, job_type


@dataclass
class Network:
    job_type: int
    other_type: int
    partner: int
    house: int  # a partner keeping 100 % (FIN-5)
    area: dict[str, Any]
    far_area: dict[str, Any]
    mike: dict[str, Any]  # covers `area`, does `job_type`, 40 % / 55 % secondary for ZIP 33010
    joe: dict[str, Any]  # covers `area`, does `job_type`, 30 %
    far: dict[str, Any]  # covers only `far_area`


async def make_network(client: httpx.AsyncClient, bindings: Any, owner: Any) -> Network:
    await sign_in_api(client, bindings, owner)
    kind = await job_type(client, "Garage Door")
    other = await job_type(client, "Locksmith")
    partner = await client.post("/api/job-partners", json={"name": "GDQ"})
    house = await client.post("/api/job-partners", json={"name": "House Brand", "keep_rate_percent": 100})
    await client.post("/api/cancel-reasons", json={"label": "Customer changed mind"})
    near = await area(client, "Hialeah", "33010", area_code="305", office_address="1 Office Way")
    far = await area(client, "Orlando", "32801")
    mike = await contractor(
        client,
        "Mike Hernandez",
        [kind],
        area_ids=[near["id"]],
        profit_share_percent=40,
        secondary_share_percent=55,
        secondary_zips=["33010"],
        phone="305-794-2213",
        email="mike@acme.test",
    )
    joe = await contractor(client, "Joe Smith", [kind], area_ids=[near["id"]], profit_share_percent=30)
    far_one = await contractor(client, "Far Away", [kind], area_ids=[far["id"]], profit_share_percent=20)
    return Network(kind, other, partner.json()["id"], house.json()["id"], near, far, mike, joe, far_one)


def job_body(net: Network, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Emily",
        "last_name": "Harrison",
        "phone": "305-794-2213",
        "address": "1379 Algiers St",
        "city": "Hialeah",
        "state": "FL",
        "postal_code": "33012",
        "service_area_id": net.area["id"],
        "job_type_id": net.job_type,
        "partner_id": net.partner,
        "date_start": "2026-11-24",
        "time_start": "09:00",
    }
    return body | overrides


async def new_job(client: httpx.AsyncClient, net: Network, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/jobs", json=job_body(net, **overrides))
    assert response.status_code == 201, response.text
    return response.json()
