"""The terms of a record's sign-off and of each activity's review (issue 16 §4), as IRIs.

The record is a ``dpv:ROPA`` node. Its version is ``owl:versionInfo`` (a literal, as DPV and this
project's ontology version themselves; ``dct:hasVersion`` links to another resource, not a version
number), its last change ``dct:modified``, its owner ``dpv:hasResponsibleEntity``, who approved it
``ropa:approvedBy`` and when ``dct:dateAccepted``, how often its activities are reviewed
``ropa:reviewPeriod`` (an ``xsd:duration`` in years and months, :data:`DEFAULT_REVIEW_PERIOD` when not
stated). An activity carries its last review date (``ropa:reviewed``, an ``xsd:date``) and its reviewer
(``ropa:reviewedBy``). ``ontology/ropa.ttl`` defines the ``ropa:`` terms; ROPA-REVIEW-OVERDUE
(``shapes/review.ttl``) reads the review dates.
"""

from __future__ import annotations

from rdflib.namespace import DCTERMS, OWL

from ropa_kg.core.namespaces import DPV, ROPA

#: The class of the record itself.
ROPA_RECORD = DPV.ROPA
#: The record's version (a literal such as "2.1").
ROPA_VERSION = OWL.versionInfo
#: The date the record was last changed (``xsd:date``).
ROPA_MODIFIED = DCTERMS.modified
#: The record's owner, the entity responsible for keeping it (DPV's ``hasResponsibleEntity``).
ROPA_OWNER = DPV.hasResponsibleEntity
#: Who approved the record (an entity with ``dpv:hasName``, or a name or e-mail as a literal).
ROPA_APPROVER = ROPA.approvedBy
#: The date the record was approved (``xsd:date``; DCMI's date of acceptance).
ROPA_APPROVED = DCTERMS.dateAccepted
#: How often each activity is reviewed (``xsd:duration``, whole years and months).
ROPA_REVIEW_PERIOD = ROPA.reviewPeriod
#: The review period of a record that states none.
DEFAULT_REVIEW_PERIOD = "P12M"
#: On an activity: who reviewed it last.
REVIEWER = ROPA.reviewedBy
#: On an activity: the date of a review (``xsd:date``; the latest counts).
REVIEWED = ROPA.reviewed

__all__ = [
    "DEFAULT_REVIEW_PERIOD",
    "REVIEWED",
    "REVIEWER",
    "ROPA_APPROVED",
    "ROPA_APPROVER",
    "ROPA_MODIFIED",
    "ROPA_OWNER",
    "ROPA_RECORD",
    "ROPA_REVIEW_PERIOD",
    "ROPA_VERSION",
]
