"""HTTP authentication for SPARQL stores: basic or digest, whichever the server asks for, sent with the
first real request.

A store that wants credentials answers ``401`` with a ``WWW-Authenticate`` challenge. Letting urllib answer
that challenge means sending every request twice, and a store that answers before it reads the body
(Virtuoso 7.2's ``/sparql-graph-crud-auth`` does) breaks the pipe of a large upload. So
:func:`authorization` first asks the server with a cheap ``HEAD`` (no body, no credentials) what it wants,
then computes the ``Authorization`` header for the real request (RFC 7617 basic, or RFC 7616 digest with
``qop=auth`` as urllib's :class:`urllib.request.HTTPDigestAuthHandler` computes it): the body goes out
once, already authenticated. A server that does not answer ``HEAD`` with ``401`` gets no credentials.

Passwords never appear in a ``repr`` or an error message.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from ropa_kg.core.errors import RopaUsageError

#: The environment variable ``ropa load``, ``ropa query`` and ``ropa validate`` read the password from.
PASSWORD_VARIABLE = "ROPA_ENDPOINT_PASSWORD"  # noqa: S105 - a variable name, not a password


@dataclass(frozen=True)
class Credentials:
    """A user name and password for a store (the password is left out of the ``repr``)."""

    user: str
    password: str = field(repr=False)


def _challenges(headers: list[str]) -> dict[str, str]:
    """The schemes of ``WWW-Authenticate`` header values (lower case) and their parameters' text."""
    found: dict[str, str] = {}
    for value in headers:
        scheme, _, params = value.strip().partition(" ")
        found.setdefault(scheme.lower(), params)
    return found


def _probe(url: str, *, timeout: float, headers: dict[str, str] | None = None) -> list[str] | None:
    """The ``WWW-Authenticate`` values of the server's answer to ``HEAD url`` (sent with ``headers``) when
    it answers 401 (an empty list if it names no scheme); None when it answers anything else (it wants no
    other credentials for that address) or cannot be reached (the real request reports that)."""
    request = urllib.request.Request(url, method="HEAD", headers=headers or {})  # noqa: S310 - http(s)
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - http(s) only
            return None
    except urllib.error.HTTPError as exc:
        with exc:  # the answer's socket is closed here
            return list(exc.headers.get_all("WWW-Authenticate") or []) if exc.code == 401 else None
    except (urllib.error.URLError, OSError):
        return None


def asks_for_credentials(url: str, *, timeout: float = 30.0) -> bool:
    """True when the server answers ``HEAD url`` (no credentials) with 401."""
    return _probe(url, timeout=timeout) is not None


def header_for(
    challenge: list[str], requests: list[urllib.request.Request], credentials: Credentials
) -> list[str]:
    """The ``Authorization`` values answering ``challenge`` (``WWW-Authenticate`` values) for each of
    ``requests`` in turn (their method and address enter a digest; one digest session, so the nonce count
    goes up from request to request): digest when offered, else basic.

    Raises:
        RopaUsageError: the server offers neither scheme, or a digest algorithm urllib cannot compute.
    """
    schemes = _challenges(challenge)
    if "digest" in schemes:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, requests[0].full_url, credentials.user, credentials.password)
        handler = urllib.request.HTTPDigestAuthHandler(passwords)
        params = urllib.request.parse_keqv_list(
            [item for item in urllib.request.parse_http_list(schemes["digest"]) if item]
        )
        answers = [handler.get_authorization(request, params) for request in requests]
        if None in answers:
            raise RopaUsageError(
                f"{requests[0].full_url} asks for a digest this client cannot compute: {challenge}"
            )
        return [f"Digest {answer}" for answer in answers]
    if "basic" in schemes:
        pair = f"{credentials.user}:{credentials.password}".encode()
        return [f"Basic {base64.b64encode(pair).decode('ascii')}"] * len(requests)
    raise RopaUsageError(
        f"{requests[0].full_url} asks for an authentication this client does not speak: {challenge}"
    )


def authorization(
    url: str, method: str, credentials: Credentials | None, *, timeout: float = 30.0, verify: bool = False
) -> dict[str, str]:
    """The headers that authenticate a ``method`` request to ``url`` as ``credentials``: ``{}`` without
    credentials or when the server's answer to ``HEAD url`` asks for none, else ``{"Authorization": ...}``
    (see the module docstring). With ``verify``, a second ``HEAD`` with the credentials makes sure the
    server takes them, before a large body is sent.

    Raises:
        RopaUsageError: the server asks for a scheme other than basic or digest, or (``verify``) refuses
            the credentials.
    """
    if credentials is None:
        return {}
    challenge = _probe(url, timeout=timeout)
    if challenge is None:
        return {}
    request = urllib.request.Request(url, method=method)  # noqa: S310 - callers check http(s)
    if not verify:
        return {"Authorization": header_for(challenge, [request], credentials)[0]}
    head = urllib.request.Request(url, method="HEAD")  # noqa: S310 - callers check http(s)
    check, real = header_for(challenge, [head, request], credentials)
    if _probe(url, timeout=timeout, headers={"Authorization": check}) is not None:
        raise RopaUsageError(refused_credentials(url, credentials))
    return {"Authorization": real}


def refused_credentials(url: str, credentials: Credentials | None) -> str:
    """The message for a ``401`` answer from ``url``: which user was refused, or how to give one."""
    if credentials is None:
        return (
            f"{url} asks for credentials (401): give --user NAME and the password in the environment "
            f"variable {PASSWORD_VARIABLE} or a file named by --password-file"
        )
    return f"{url} refused the credentials of user {credentials.user!r} (401): check the user and password"


__all__ = [
    "PASSWORD_VARIABLE",
    "Credentials",
    "asks_for_credentials",
    "authorization",
    "header_for",
    "refused_credentials",
]
