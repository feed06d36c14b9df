"""No lost updates: a change to an existing record names the version the caller saw.

Single records are served with ``ETag: W/"<version>"`` (their ``version`` column). A state
change accepts that ETag in ``If-Match`` or the number in the body's ``version``; with neither
it is refused with 428. A stale ``If-Match`` answers 412 (HTTP's precondition); a stale body
``version`` answers 409 ``version-conflict``, which the services raise themselves — they also
catch the race between two requests that both read the current version.
"""

from __future__ import annotations

from flask import request

from api.errors import Problem

ETAG_HEADER = {"description": '레코드의 버전: W/"<version>". 바꿀 때 If-Match로 보냅니다.',
               "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "새로 만든 레코드의 주소", "schema": {"type": "string"}}
CREATED_HEADERS = {"ETag": ETAG_HEADER, "Location": LOCATION_HEADER}
IF_MATCH = {
    "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
    "description": 'GET에서 받은 ETag(W/"3"). 본문의 version 대신 쓸 수 있습니다. '
                   "둘 다 없으면 428, 맞지 않으면 412.",
}


def etag(version: int) -> str:
    return f'W/"{version}"'


def etag_headers(record) -> dict[str, str]:
    return {"ETag": etag(record.version)}


def _tags(header: str) -> list[str]:
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        tags.append(part.strip('"'))
    return tags


def expected_version(record, body_version: int | None) -> int:
    """The version the caller saw, for the service to check against the record.

    :raise 412: ``If-Match`` names another version. :raise 428: no version given at all.
    """
    header = request.headers.get("If-Match")
    if header is not None:
        tags = _tags(header)
        if "*" not in tags and str(record.version) not in tags:
            raise Problem("precondition-failed", headers={"ETag": etag(record.version)})
        return record.version if body_version is None else body_version
    if body_version is None:
        raise Problem("precondition-required")
    return body_version
