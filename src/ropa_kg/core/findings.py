"""The typed result of validation, shared by both engines, the reports, the queries and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import TypeVar

from ropa_kg.core.namespaces import ROPA

_Term = TypeVar("_Term", bound=Enum)


def _from_iri(kind: type[_Term], iri: str, what: str) -> _Term:
    """The member of ``kind`` whose ``iri`` is ``iri``; raises ValueError naming ``what`` and the choices."""
    for member in kind:
        if member.iri == iri:  # type: ignore[attr-defined]  # Family and Scope have it
            return member
    choices = ", ".join("ropa:" + m.iri.removeprefix(str(ROPA)) for m in kind)  # type: ignore[attr-defined]
    raise ValueError(f"not {what}: <{iri}> (expected one of {choices})")


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


class Family(Enum):
    """The family of findings a rule belongs to (``ropa:family``), in report order.

    ``record``: Art. 30(1)/(2), is the register complete and true? ``notice``: Art. 12-14, does what data
    subjects are told cover what the record says? ``lawfulness``: Art. 5, 6, 9, 10, 26, 28, 44-49 and
    ePrivacy checks that the record reveals.
    """

    RECORD = "record"
    NOTICE = "notice"
    LAWFULNESS = "lawfulness"

    @property
    def iri(self) -> str:
        """``ropa:RecordFamily``, ``ropa:NoticeFamily`` or ``ropa:LawfulnessFamily`` as a full IRI."""
        return f"{ROPA}{self.name.capitalize()}Family"

    @property
    def label(self) -> str:
        """How reports name the family: "the record (Art. 30)", "the notice (Art. 12-14)", "lawfulness"."""
        return _FAMILY_LABELS[self]

    @property
    def title(self) -> str:
        """The label as a heading: "The record (Art. 30)", "The notice (Art. 12-14)", "Lawfulness"."""
        return self.label[:1].upper() + self.label[1:]

    @property
    def rank(self) -> int:
        """The family's place in reports (record 0, notice 1, lawfulness 2)."""
        return list(Family).index(self)

    @classmethod
    def from_iri(cls, iri: str) -> Family:
        """The family of ``ropa:RecordFamily`` etc.; raises ValueError for any other IRI."""
        return _from_iri(cls, iri, "a family of findings")


_FAMILY_LABELS = {
    Family.RECORD: "the record (Art. 30)",
    Family.NOTICE: "the notice (Art. 12-14)",
    Family.LAWFULNESS: "lawfulness",
}


class Scope(Enum):
    """Whose duty a rule checks (``ropa:scope``, default activity).

    With the notice or controller scope the focus node is the notice or controller and each SHACL
    result's value an affected activity: the results of one rule on one focus node are one finding.
    """

    ACTIVITY = "activity"
    NOTICE = "notice"
    CONTROLLER = "controller"

    @property
    def iri(self) -> str:
        """``ropa:ActivityScope``, ``ropa:NoticeScope`` or ``ropa:ControllerScope`` as a full IRI."""
        return f"{ROPA}{self.name.capitalize()}Scope"

    @property
    def merges(self) -> bool:
        """True when a focus node's results merge into one finding (notice and controller scope)."""
        return self is not Scope.ACTIVITY

    @classmethod
    def from_iri(cls, iri: str) -> Scope:
        """The scope of ``ropa:ActivityScope`` etc.; raises ValueError for any other IRI."""
        return _from_iri(cls, iri, "a rule scope")


@dataclass(frozen=True, order=True)
class Finding:
    """One rule result. Identity (for diffs between engines and for waivers) is ``key``.

    ``family`` is the rule's family. ``affects`` are the activities a notice- or controller-scope finding
    concerns (the values of the SHACL results merged into it, sorted, distinct; its ``value`` is then
    None); empty for an activity-scope rule. Neither takes part in comparisons.
    """

    rule_id: str
    focus_node: str
    severity: Severity
    path: str | None = None
    message: str = field(default="", compare=False)
    source_shape: str = field(default="", compare=False)
    value: str | None = field(default=None, compare=False)
    legal_reference: str | None = field(default=None, compare=False)
    family: Family = field(default=Family.RECORD, compare=False)
    affects: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[str, str, int, str]:
        """(rule id, focus node, severity, path): what two engines must agree on."""
        return (self.rule_id, self.focus_node, int(self.severity), self.path or "")


__all__ = [
    "Family",
    "Finding",
    "Scope",
    "Severity",
]
