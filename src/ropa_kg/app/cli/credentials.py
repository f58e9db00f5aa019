"""``--user`` and ``--password-file``: the credentials ``ropa load``, ``ropa query --endpoint`` and
``ropa validate --endpoint`` send to a store that asks for them.

The password never goes on the command line (where ``ps`` and shell histories show it): it is read from
the environment variable ``ROPA_ENDPOINT_PASSWORD``, or from the file ``--password-file`` names (its first
line, without the line end). A command decorated with :func:`credential_options` receives one keyword
argument ``credentials`` (:class:`~ropa_kg.query.http_auth.Credentials` or ``None``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from ropa_kg.app.cli.app import F, input_errors_exit_2
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.query.http_auth import PASSWORD_VARIABLE, Credentials


def _read_password(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RopaInputError(f"cannot read the password file: {exc}", path) from exc
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise RopaInputError("the password file's first line is empty", path)
    return lines[0]


def credentials_from(
    user: str | None, password_file: Path | None, *, environ: Mapping[str, str] | None = None
) -> Credentials | None:
    """The credentials for ``user``: ``None`` without a user; the password from ``password_file``, else
    from ``ROPA_ENDPOINT_PASSWORD`` in ``environ`` (default: the process environment).

    Raises:
        RopaUsageError: ``--password-file`` without ``--user``, or a user without a password.
        RopaInputError: the password file cannot be read, or its first line is empty.
    """
    if user is None:
        if password_file is not None:
            raise RopaUsageError("--password-file needs --user NAME")
        return None
    if password_file is not None:
        return Credentials(user, _read_password(password_file))
    password = (os.environ if environ is None else environ).get(PASSWORD_VARIABLE)
    if not password:
        raise RopaUsageError(
            f"--user {user} needs a password: set the environment variable {PASSWORD_VARIABLE} "
            "or give --password-file FILE"
        )
    return Credentials(user, password)


def credential_options(func: F) -> F:
    """Add ``--user`` and ``--password-file`` to a click command; it receives ``credentials`` instead
    (a bad password file or a user without password: one line on stderr, exit 2)."""

    @functools.wraps(func)
    @input_errors_exit_2
    def wrapper(*args: Any, user: str | None, password_file: Path | None, **kwargs: Any) -> Any:
        return func(*args, credentials=credentials_from(user, password_file), **kwargs)

    with_file = click.option(
        "--password-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"With --user: read the password from this file's first line (else from ${PASSWORD_VARIABLE}).",
    )(wrapper)
    return click.option(  # type: ignore[return-value]  # functools.wraps loses the precise type
        "--user",
        metavar="NAME",
        default=None,
        help=f"Log in to the store as NAME (basic or digest, as it asks); password in ${PASSWORD_VARIABLE}.",
    )(with_file)


__all__ = ["credential_options", "credentials_from"]
