"""The ``ropa`` command group and what every verb shares: exit codes and error handling.

Exit codes: 0 ok; 1 findings (validate: at or above ``--fail-on``); 2 bad input or usage.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ropa_kg import __version__
from ropa_kg.core.errors import RopaInputError, RopaUsageError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ropa")
def main() -> None:
    """ropa-kg: a GDPR Record of Processing Activities as a DPV knowledge graph.

    Exit codes: 0 ok, 1 findings, 2 bad input or usage.
    """


def input_errors_exit_2(func: F) -> F:
    """Turn ``RopaInputError``/``RopaUsageError`` into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (RopaInputError, RopaUsageError) as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_INPUT) from exc

    return wrapper  # type: ignore[return-value]  # functools.wraps loses the precise signature type


paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=str))


def timeout_option(*, default: float | None, help: str) -> Callable[[F], F]:
    """The ``--timeout SECONDS`` option of the verbs that wait for something (a positive number;
    ``default`` shown in the help unless None)."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=default,
        show_default=default is not None,
        help=help,
    )


__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "F",
    "input_errors_exit_2",
    "main",
    "paths_argument",
    "timeout_option",
]
