"""An Open311 GeoReport v2 client for gridloop: create a request, list requests, follow one until it closes.

    python docs/examples/open311_client.py --base http://127.0.0.1:8000/open311/v2 --key KEY create \
        --service 市容环卫 --lat 31.2304 --long 121.4737 --description "路灯不亮"
    python docs/examples/open311_client.py --base … list --status open --format xml
    python docs/examples/open311_client.py --base … follow SH2026112600001

Keys come from an administrator: `gridloop open311 key create --name my-app`.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any
from xml.etree import ElementTree as ET

import httpx


def _items(response: httpx.Response, fmt: str) -> list[dict[str, Any]]:
    """The list in a response (JSON or XML alike); raises with the spec's error descriptions on failure."""
    if fmt == "xml":
        root = ET.fromstring(response.content)
        rows = [{child.tag: child.text for child in item} for item in root]
    else:
        rows = response.json()
    if response.status_code >= 400:
        raise RuntimeError(f"HTTP {response.status_code}: " + "; ".join(str(r.get("description")) for r in rows))
    return rows


def services(client: httpx.Client, *, fmt: str = "json") -> list[dict[str, Any]]:
    """The service list."""
    return _items(client.get(f"services.{fmt}"), fmt)


def create(client: httpx.Client, *, key: str, service_code: str, fmt: str = "json", **fields: str) -> str:
    """POST a request; returns its service_request_id (or, for a batch service, resolves the token first)."""
    response = client.post(f"requests.{fmt}", data={"api_key": key, "service_code": service_code, **fields})
    made = _items(response, fmt)[0]
    if made.get("service_request_id"):
        return str(made["service_request_id"])
    token = made.get("token") or response.headers.get("X-Open311-Token")
    return str(_items(client.get(f"tokens/{token}.{fmt}"), fmt)[0]["service_request_id"])


def requests(client: httpx.Client, *, fmt: str = "json", **filters: str) -> list[dict[str, Any]]:
    """GET requests with any of the spec's filters (service_request_id, service_code, start_date, end_date,
    status) and the extensions (page, page_size, updated_after, updated_before, extensions)."""
    return _items(client.get(f"requests.{fmt}", params=filters), fmt)


def follow(
    client: httpx.Client, number: str, *, fmt: str = "json", every: float = 60, times: int = 1
) -> dict[str, Any]:
    """Poll one request until it is closed (or `times` polls); returns its last state."""
    for attempt in range(times):
        request = _items(client.get(f"requests/{number}.{fmt}"), fmt)[0]
        print(f"{request['service_request_id']}: {request['status']} — {request.get('status_notes') or ''}")
        if request["status"] == "closed" or attempt == times - 1:
            return request
        time.sleep(every)
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000/open311/v2")
    parser.add_argument("--key", default="")
    parser.add_argument("--format", choices=["json", "xml"], default="json")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("services")
    made = sub.add_parser("create")
    made.add_argument("--service", required=True)
    made.add_argument("--lat")
    made.add_argument("--long")
    made.add_argument("--address")
    made.add_argument("--description", default="")
    listing = sub.add_parser("list")
    for name in ("service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size",
                 "updated_after", "updated_before"):  # fmt: skip
        listing.add_argument(f"--{name}")
    following = sub.add_parser("follow")
    following.add_argument("number")
    following.add_argument("--every", type=float, default=60)
    following.add_argument("--times", type=int, default=1)
    args = parser.parse_args(argv)
    base = args.base.rstrip("/") + "/"
    with httpx.Client(base_url=base, timeout=30) as client:
        if args.command == "services":
            for s in services(client, fmt=args.format):
                print(s["service_code"], s["service_name"])
        elif args.command == "create":
            fields = {k: v for k, v in (("lat", args.lat), ("long", args.long), ("address_string", args.address),
                                         ("description", args.description)) if v}  # fmt: skip
            print(create(client, key=args.key, service_code=args.service, fmt=args.format, **fields))
        elif args.command == "list":
            filters = {k: v for k, v in vars(args).items() if k not in {"base", "key", "format", "command"} and v}
            for r in requests(client, fmt=args.format, **filters):
                print(r["service_request_id"], r["status"], r["service_code"], r["requested_datetime"])
        else:
            follow(client, args.number, fmt=args.format, every=args.every, times=args.times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
