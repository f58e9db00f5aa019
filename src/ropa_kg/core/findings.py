"""The typed result of validation, shared by both engines, the reports, the queries and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """SHACL severities, ordered so that ``max()`` is the most severe."""

    INFO = 1
    WARNING = 2
    VIOLATION = 3

    @property
    def iri(self) -> str:
        return "http://www.w3.org/ns/shacl#" + self.name.capitalize()

    @classmethod
    def from_iri(cls, iri: str) -> Severity:
        """Map ``sh:Info``/``sh:Warning``/``sh:Violation`` to a Severity; raises ValueError otherwise."""
        name = iri.rsplit("#", 1)[-1].upper()
        try:
            return cls[name]
        except KeyError as exc:
            raise ValueError(f"not a SHACL severity: {iri}") from exc

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``violation``/``warning``/``info`` (any case); raises ValueError otherwise."""
        return cls[text.strip().upper()]


@dataclass(frozen=True, order=True)
class Finding:
    """One rule result. Identity (for diffs between engines and for waivers) is ``key``."""

    rule_id: str
    focus_node: str
    severity: Severity
    path: str | None = None
    message: str = field(default="", compare=False)
    source_shape: str = field(default="", compare=False)
    value: str | None = field(default=None, compare=False)
    legal_reference: str | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, int, str]:
        """(rule id, focus node, severity, path): what two engines must agree on."""
        return (self.rule_id, self.focus_node, int(self.severity), self.path or "")


__all__ = [
    "Finding",
    "Severity",
]
