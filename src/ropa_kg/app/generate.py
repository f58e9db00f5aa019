"""A synthetic but realistic DPV record of processing activities, streamed as Turtle or N-Triples.

The record follows ``docs/modelling.md``: one controller per organisation (name, contact, security policy,
DPO or a statement that none is designated, a privacy notice listing rights), activities with purposes,
Art. 6 bases (legitimate interest with its stated interest and assessment, consent with a withdrawal
method), Art. 9 conditions for special categories, data subjects, ``pd:`` categories, processors in EU and
third countries with Art. 28 contracts, transfer mechanisms and retention, joint controllers with Art. 26
arrangements, retention as ``xsd:duration``, cookies and social media page insights.

Faults (missing pieces a rule must catch) are injected independently, each at ``fault_rate`` on the
activities or entities it can apply to; :class:`GenerationSummary` counts what was injected. The output is
deterministic for a seed and written subject by subject: memory does not grow with the number of
activities. Every DPV term the generator can emit is listed once, in :data:`VOCABULARY`.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral
from typing import TextIO

#: Namespace of the generated record's own resources.
GEN = "https://w3id.org/ropa-kg/data/generated#"

PREFIXES: dict[str, str] = {
    "dpv": "https://w3id.org/dpv#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "pd": "https://w3id.org/dpv/pd#",
    "tech": "https://w3id.org/dpv/tech#",
    "loc": "https://w3id.org/dpv/loc#",
    "legal-eu": "https://w3id.org/dpv/legal/eu#",
    "ropa": "https://w3id.org/ropa-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gen": GEN,
}

OutputFormat = TypingLiteral["turtle", "ntriples"]

# --------------------------------------------------------------------------------------------------
# The vocabulary: every external term the generator emits, in one place (checked against DPV and the
# project ontology by tests/test_generate.py).
# --------------------------------------------------------------------------------------------------

#: Activity templates: (label, purposes, data subjects, personal data, processing, Art. 6 bases to draw from).
ACTIVITY_TEMPLATES: tuple[
    tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        "Customer register",
        ("dpv:CustomerManagement", "dpv:CustomerRelationshipManagement"),
        ("dpv:Customer",),
        ("pd:Name", "pd:EmailAddress", "pd:TelephoneNumber", "pd:PhysicalAddress"),
        ("dpv:Collect", "dpv:Store", "dpv:Use"),
        ("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-f"),
    ),
    (
        "Order delivery",
        ("dpv:DeliveryOfGoods", "dpv:SellProducts"),
        ("dpv:Customer",),
        ("pd:Name", "pd:PhysicalAddress", "pd:TelephoneNumber", "pd:Purchase"),
        ("dpv:Collect", "dpv:Store", "dpv:Share"),
        ("eu-gdpr:A6-1-b",),
    ),
    (
        "Invoicing and payments",
        ("dpv:PaymentManagement",),
        ("dpv:Customer", "dpv:Client"),
        ("pd:Name", "pd:BankAccount", "pd:Transaction", "pd:PhysicalAddress"),
        ("dpv:Collect", "dpv:Store", "dpv:Transfer"),
        ("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-c"),
    ),
    (
        "Newsletter",
        ("dpv:DirectMarketing",),
        ("dpv:Subscriber",),
        ("pd:Name", "pd:EmailAddress"),
        ("dpv:Collect", "dpv:Store", "dpv:Use"),
        ("eu-gdpr:A6-1-a",),
    ),
    (
        "Customer support chat",
        ("dpv:CustomerCare", "dpv:CommunicationManagement"),
        ("dpv:Customer", "dpv:User"),
        ("pd:Name", "pd:EmailAddress", "pd:TelephoneNumber", "pd:Communication"),
        ("dpv:Collect", "dpv:Store", "dpv:Consult"),
        ("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-f"),
    ),
    (
        "Recruitment",
        ("dpv:HumanResourceManagement",),
        ("dpv:JobApplicant",),
        ("pd:Name", "pd:EmailAddress", "pd:EmploymentHistory", "pd:Education", "pd:ProfessionalExperience"),
        ("dpv:Collect", "dpv:Store", "dpv:Consult"),
        ("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-a"),
    ),
    (
        "Personnel administration",
        ("dpv:PersonnelManagement",),
        ("dpv:Employee",),
        ("pd:Name", "pd:Salary", "pd:BankAccount", "pd:PhysicalAddress", "pd:Age"),
        ("dpv:Collect", "dpv:Store", "dpv:Transfer"),
        ("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-c"),
    ),
    (
        "Occupational health",
        ("dpv:HumanResourceManagement",),
        ("dpv:Employee",),
        ("pd:Name", "pd:HealthRecord"),
        ("dpv:Collect", "dpv:Store"),
        ("eu-gdpr:A6-1-c",),
    ),
    (
        "Trade union fees",
        ("dpv:PersonnelManagement",),
        ("dpv:Employee",),
        ("pd:Name", "pd:TradeUnionMembership", "pd:Salary"),
        ("dpv:Collect", "dpv:Transfer"),
        ("eu-gdpr:A6-1-c",),
    ),
    (
        "Supplier contacts",
        ("dpv:VendorManagement",),
        ("dpv:Client",),
        ("pd:Name", "pd:EmailAddress", "pd:TelephoneNumber"),
        ("dpv:Collect", "dpv:Store"),
        ("eu-gdpr:A6-1-f",),
    ),
    (
        "Website analytics",
        ("dpv:OptimiseUserInterface", "dpv:ImproveExistingProductsAndServices"),
        ("dpv:Visitor",),
        ("pd:IPAddress", "pd:BrowsingReferral", "pd:DeviceSoftware"),
        ("dpv:Collect", "dpv:Analyse"),
        ("eu-gdpr:A6-1-a", "eu-gdpr:A6-1-f"),
    ),
    (
        "Targeted advertising",
        ("dpv:Advertising", "dpv:Personalisation"),
        ("dpv:Visitor", "dpv:User"),
        ("pd:IPAddress", "pd:BrowsingReferral", "pd:Preference"),
        ("dpv:Collect", "dpv:Analyse", "dpv:Profiling"),
        ("eu-gdpr:A6-1-a",),
    ),
    (
        "Social media page",
        ("dpv:SocialMediaMarketing",),
        ("dpv:Visitor", "dpv:User"),
        ("pd:SocialMedia", "pd:Preference"),
        ("dpv:Collect", "dpv:Analyse"),
        ("eu-gdpr:A6-1-f",),
    ),
    (
        "Video surveillance",
        ("dpv:EnforceSecurity",),
        ("dpv:Visitor", "dpv:Employee"),
        ("pd:Picture",),
        ("dpv:Collect", "dpv:Store", "dpv:Monitor"),
        ("eu-gdpr:A6-1-f",),
    ),
    (
        "Credit checks",
        ("dpv:CustomerSolvencyMonitoring", "dpv:FraudPreventionAndDetection"),
        ("dpv:Customer",),
        ("pd:Name", "pd:Credit", "pd:Transaction"),
        ("dpv:Collect", "dpv:Analyse"),
        ("eu-gdpr:A6-1-f", "eu-gdpr:A6-1-b"),
    ),
    (
        "Bookkeeping",
        ("dpv:LegalCompliance", "dpv:RecordManagement"),
        ("dpv:Customer", "dpv:Employee"),
        ("pd:Name", "pd:Transaction", "pd:BankAccount"),
        ("dpv:Store", "dpv:Organise"),
        ("eu-gdpr:A6-1-c",),
    ),
)

SPECIAL_CATEGORIES: frozenset[str] = frozenset({"pd:HealthRecord", "pd:TradeUnionMembership"})
ART9_CONDITIONS: tuple[str, ...] = ("eu-gdpr:A9-2-b", "eu-gdpr:A9-2-h", "eu-gdpr:A9-2-a")
MEASURES: tuple[str, ...] = (
    "dpv:EncryptionAtRest",
    "dpv:EncryptionInTransfer",
    "dpv:AccessControlMethod",
    "dpv:StaffTraining",
    "dpv:MultiFactorAuthentication",
    "dpv:Pseudonymisation",
    "dpv:DataBackupProtocols",
)
NOTICE_RIGHTS: tuple[str, ...] = (
    "eu-gdpr:A15",
    "eu-gdpr:A16",
    "eu-gdpr:A17",
    "eu-gdpr:A18",
    "eu-gdpr:A21",
    "eu-gdpr:A77",
)
PORTABILITY = "eu-gdpr:A20"
WITHDRAW_RIGHT = "eu-gdpr:A7-3"
OBJECT_RIGHT = "eu-gdpr:A21"
COMPLAINT_RIGHT = "eu-gdpr:A77"
CONSENT = "eu-gdpr:A6-1-a"
CONTRACT = "eu-gdpr:A6-1-b"
LEGITIMATE_INTEREST = "eu-gdpr:A6-1-f"
RETENTIONS: tuple[str, ...] = ("P6M", "P1Y", "P2Y", "P3Y", "P5Y", "P6Y", "P10Y", "P30D", "P90D")

#: Country -> (in the EEA, transfer mechanisms that fit a recipient there).
COUNTRIES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "loc:FI": (True, ()),
    "loc:SE": (True, ()),
    "loc:DK": (True, ()),
    "loc:DE": (True, ()),
    "loc:IE": (True, ()),
    "loc:NL": (True, ()),
    "loc:EE": (True, ()),
    "loc:NO": (True, ()),
    "loc:US": (False, ("ropa:Adequacy-EU-US-DPF", "eu-gdpr:SCCByCommission", "eu-gdpr:A46-2-c")),
    "loc:GB": (False, ("legal-eu:Adequacy-EU-GB", "eu-gdpr:A45-3")),
    "loc:CH": (False, ("legal-eu:Adequacy-EU-CH",)),
    "loc:JP": (False, ("legal-eu:Adequacy-EU-JP",)),
    "loc:IN": (False, ("eu-gdpr:SCCByCommission", "eu-gdpr:BindingCorporateRules", "eu-gdpr:A46-2-c")),
    "loc:BR": (False, ("eu-gdpr:A46-2-c", "eu-gdpr:A49-1-a")),
}

#: Processor templates: (name, country, service).
VENDORS: tuple[tuple[str, str, str], ...] = (
    ("Pohjoinen Pilvi Oy", "loc:FI", "hosting"),
    ("Nordic Payroll AB", "loc:SE", "payroll"),
    ("Dansk Regnskab A/S", "loc:DK", "bookkeeping"),
    ("Rechenzentrum Süd GmbH", "loc:DE", "hosting"),
    ("Emerald Mail Ltd", "loc:IE", "e-mail"),
    ("Polder Logistics B.V.", "loc:NL", "delivery"),
    ("Baltic Support OÜ", "loc:EE", "support"),
    ("Fjord Backup AS", "loc:NO", "backup"),
    ("Cloudscale Inc.", "loc:US", "hosting"),
    ("Adtrack Corp.", "loc:US", "advertising"),
    ("Mailwave LLC", "loc:US", "newsletter"),
    ("Thames Analytics Ltd", "loc:GB", "analytics"),
    ("Alpine Secure AG", "loc:CH", "backup"),
    ("Sakura Systems K.K.", "loc:JP", "support"),
    ("Bengaluru Helpdesk Pvt Ltd", "loc:IN", "support"),
    ("Rio Dados Ltda", "loc:BR", "analytics"),
)

#: The social media platform that becomes a joint controller of page insights (CJEU C-210/16).
PLATFORM = ("Meta Platforms Ireland Ltd", "loc:IE")

#: Every non-``gen:`` term the generator can emit (predicates, classes and values).
VOCABULARY: frozenset[str] = frozenset(
    {
        "rdf:type",
        "rdf:value",
        "rdfs:label",
        "dpv:Process",
        "dpv:DataController",
        "dpv:Organisation",
        "dpv:DataProcessor",
        "dpv:Recipient",
        "dpv:DataProtectionOfficer",
        "dpv:InformationSecurityPolicy",
        "dpv:PrivacyNotice",
        "dpv:StorageDuration",
        "dpv:LegitimateInterestAssessment",
        "dpv:DataProcessingAgreement",
        "dpv:ControllerProcessorAgreement",
        "dpv:JointDataControllers",
        "dpv:JointDataControllersAgreement",
        "dpv:Technology",
        "dpv:hasName",
        "dpv:hasContact",
        "dpv:hasPolicy",
        "dpv:hasDataProtectionOfficer",
        "dpv:hasDataController",
        "dpv:hasPurpose",
        "dpv:hasLegalBasis",
        "dpv:hasDataSubject",
        "dpv:hasPersonalData",
        "dpv:hasProcessing",
        "dpv:hasRecipient",
        "dpv:hasDataProcessor",
        "dpv:hasJointDataControllers",
        "dpv:hasCountry",
        "dpv:hasStorageCondition",
        "dpv:hasTechnicalOrganisationalMeasure",
        "dpv:hasRight",
        "dpv:hasNotice",
        "dpv:isImplementedUsingTechnology",
        "dpv:hasAssessment",
        "dpv:hasLegalMeasure",
        "tech:Cookie",
        "tech:hasProvider",
        "ropa:noDataProtectionOfficer",
        "ropa:noRecipients",
        "ropa:hasTransferMechanism",
        "ropa:hasLegitimateInterest",
        "ropa:conclusion",
        "ropa:withdrawalMethod",
        "ropa:StrictlyNecessaryCookie",
        "ropa:SocialMediaPageInsights",
        "ropa:durationStartsAt",
        "xsd:duration",
        "xsd:boolean",
        CONSENT,
        CONTRACT,
        LEGITIMATE_INTEREST,
        PORTABILITY,
        WITHDRAW_RIGHT,
        *NOTICE_RIGHTS,
        *ART9_CONDITIONS,
        *MEASURES,
        *COUNTRIES,
        *(m for _, mechs in COUNTRIES.values() for m in mechs),
        *(t for tpl in ACTIVITY_TEMPLATES for group in tpl[1:] for t in group),
    }
)

FAULT_KINDS: tuple[str, ...] = (
    "controller_without_contact",
    "controller_without_dpo_statement",
    "controller_without_policy",
    "notice_without_complaint_right",
    "activity_without_purpose",
    "activity_without_legal_basis",
    "activity_without_data_subject",
    "activity_without_personal_data",
    "activity_without_recipients",
    "activity_without_retention",
    "activity_without_security",
    "legitimate_interest_without_interest",
    "legitimate_interest_without_assessment",
    "consent_without_withdrawal",
    "special_category_without_art9",
    "portability_missing",
    "cookie_without_consent",
    "insights_without_joint_controller",
    "joint_controllers_without_agreement",
    "processor_without_contract",
    "processor_without_retention",
    "transfer_without_mechanism",
)


@dataclass(frozen=True)
class GenerationSummary:
    """What a generated record holds: sizes and how many of each fault kind were injected."""

    organisations: int
    activities: int
    processors: int
    triples: int
    faults: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# Writing terms
# --------------------------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\r\t\b\f\x00-\x1f\x7f]')


def escape_string(text: str) -> str:
    """Escape ``text`` for a double-quoted Turtle / N-Triples string (``\\"``, ``\\\\``, controls)."""

    def one(match: re.Match[str]) -> str:
        ch = match.group(0)
        return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"

    return _NEEDS_ESCAPE.sub(one, text)


def expand(curie: str) -> str:
    """Expand ``prefix:local`` with :data:`PREFIXES`; raises KeyError for an unknown prefix."""
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


class _Writer:
    """Writes subjects with their (predicate, object) pairs; objects are CURIEs or :class:`Lit`."""

    def __init__(self, out: TextIO, fmt: OutputFormat) -> None:
        self.out = out
        self.fmt = fmt
        self.triples = 0
        self._iri: dict[str, str] = {}

    def header(self) -> None:
        if self.fmt == "turtle":
            for prefix, ns in PREFIXES.items():
                self.out.write(f"@prefix {prefix}: <{ns}> .\n")
            self.out.write("\n")

    def term(self, curie: str) -> str:
        cached = self._iri.get(curie)
        if cached is None:
            prefix, local = curie.split(":", 1)
            if self.fmt == "turtle" and _LOCAL.match(local) and not local.endswith("-"):
                cached = curie
            else:
                cached = f"<{PREFIXES[prefix] + local}>"
            self._iri[curie] = cached
        return cached

    def obj(self, value: str | Lit) -> str:
        if isinstance(value, Lit):
            return value.render(self)
        return self.term(value)

    def subject(self, subject: str, pairs: Sequence[tuple[str, str | Lit]]) -> None:
        if not pairs:
            return
        self.triples += len(pairs)
        s = self.term(subject)
        if self.fmt == "ntriples":
            self.out.write("".join(f"{s} {self.term(p)} {self.obj(o)} .\n" for p, o in pairs))
            return
        lines = [
            f"{s} {'a' if pairs[0][0] == 'rdf:type' else self.term(pairs[0][0])} {self.obj(pairs[0][1])}"
        ]
        lines.extend(f"    {'a' if p == 'rdf:type' else self.term(p)} {self.obj(o)}" for p, o in pairs[1:])
        self.out.write(" ;\n".join(lines) + " .\n\n")


@dataclass(frozen=True)
class Lit:
    """A literal: plain string, language-tagged, or typed (``datatype`` a CURIE)."""

    text: str
    datatype: str | None = None
    lang: str | None = None

    def render(self, writer: _Writer) -> str:
        body = f'"{escape_string(self.text)}"'
        if self.lang:
            return f"{body}@{self.lang}"
        if self.datatype:
            return f"{body}^^{writer.term(self.datatype)}"
        return body


TRUE = Lit("true", "xsd:boolean")

#: A subject's (predicate, object) pairs, as :meth:`_Writer.subject` takes them.
_Pairs = list[tuple[str, str | Lit]]


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------

_ORG_NAMES = ("Kone", "Metsä", "Järvi", "Tuuli", "Revontuli", "Saari", "Kallio", "Lumi", "Aalto", "Virta")
_ORG_FORMS = ("Oy", "Oyj", "Ab", "A/S", "AB", "GmbH")


@dataclass
class _Org:
    index: int
    iri: str
    has_policy: bool
    notice: str
    processors: list[tuple[str, str, str]]  # (iri, country, service)
    platform_jc: str | None = None
    group_jc: str | None = None


class RecordGenerator:
    """Generates one record; :meth:`write` streams it. Deterministic for ``seed``."""

    def __init__(
        self, *, activities: int, organisations: int | None = None, seed: int = 0, fault_rate: float = 0.1
    ) -> None:
        """Raises ValueError for a negative size or a fault rate outside [0, 1]."""
        if activities < 0:
            raise ValueError("activities must be >= 0")
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        orgs = organisations if organisations is not None else max(1, -(-activities // 25))
        if orgs < 1:
            raise ValueError("organisations must be >= 1")
        self.activities = activities
        self.organisations = orgs
        self.seed = seed
        self.fault_rate = fault_rate
        self._rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
        self._faults: Counter[str] = Counter()
        self._processors = 0

    def _fault(self, kind: str) -> bool:
        hit = self._rng.random() < self.fault_rate
        if hit:
            self._faults[kind] += 1
        return hit

    def write(self, out: TextIO, *, fmt: OutputFormat = "turtle") -> GenerationSummary:
        """Write the whole record to ``out`` and return what was written."""
        w = _Writer(out, fmt)
        w.header()
        platform = "gen:platform-meta"
        w.subject(
            platform,
            [
                ("rdf:type", "dpv:DataController"),
                ("rdf:type", "dpv:Organisation"),
                ("dpv:hasName", Lit(PLATFORM[0])),
                ("dpv:hasCountry", PLATFORM[1]),
            ],
        )
        w.subject(
            "gen:insights-tool",
            [
                ("rdf:type", "dpv:Technology"),
                ("rdfs:label", Lit("Page Insights", lang="en")),
                ("tech:hasProvider", platform),
            ],
        )
        per_org, extra = divmod(self.activities, self.organisations)
        counter = 0
        for m in range(self.organisations):
            org = self._write_organisation(w, m, platform)
            for _ in range(per_org + (1 if m < extra else 0)):
                counter += 1
                self._write_activity(w, org, counter)
        return GenerationSummary(
            organisations=self.organisations,
            activities=self.activities,
            processors=self._processors,
            triples=w.triples,
            faults={k: self._faults[k] for k in FAULT_KINDS},
        )

    # -- organisations ------------------------------------------------------------------------------
    def _write_organisation(self, w: _Writer, m: int, platform: str) -> _Org:
        rng = self._rng
        org = f"gen:org{m}"
        name = f"{_ORG_NAMES[m % len(_ORG_NAMES)]} {m} {_ORG_FORMS[m % len(_ORG_FORMS)]}"
        if m % 7 == 3:
            name = f'{name} "Group"'  # names with quotes exercise the escaping
        pairs: _Pairs = [
            ("rdf:type", "dpv:DataController"),
            ("rdf:type", "dpv:Organisation"),
            ("dpv:hasName", Lit(name, lang="fi")),
        ]
        if not self._fault("controller_without_contact"):
            pairs.append(("dpv:hasContact", Lit(f"tietosuoja@org{m}.example")))
        has_policy = not self._fault("controller_without_policy")
        if has_policy:
            pairs.append(("dpv:hasPolicy", f"{org}-isp"))
        if not self._fault("controller_without_dpo_statement"):
            if rng.random() < 0.6:
                pairs.append(("dpv:hasDataProtectionOfficer", f"{org}-dpo"))
                w.subject(
                    f"{org}-dpo",
                    [
                        ("rdf:type", "dpv:DataProtectionOfficer"),
                        ("dpv:hasContact", Lit(f"dpo@org{m}.example")),
                    ],
                )
            else:
                pairs.append(("ropa:noDataProtectionOfficer", TRUE))
        w.subject(org, pairs)
        if has_policy:
            w.subject(
                f"{org}-isp",
                [
                    ("rdf:type", "dpv:InformationSecurityPolicy"),
                    ("rdfs:label", Lit("Tietoturvapolitiikka", lang="fi")),
                ],
            )
        notice = f"{org}-notice"
        rights = [r for r in NOTICE_RIGHTS if r != COMPLAINT_RIGHT]
        if not self._fault("notice_without_complaint_right"):
            rights.append(COMPLAINT_RIGHT)
        w.subject(notice, [("rdf:type", "dpv:PrivacyNotice"), *(("dpv:hasRight", r) for r in rights)])

        processors: list[tuple[str, str, str]] = []
        for k, (vname, country, service) in enumerate(rng.sample(VENDORS, rng.randint(3, 6))):
            piri = f"{org}-p{k}"
            processors.append((piri, country, service))
            self._write_processor(w, org, piri, vname, country)
        result = _Org(m, org, has_policy, notice, processors)
        # joint controllers: the platform for page insights, and a group company for shared registers
        jc = f"{org}-jc-platform"
        jc_pairs: _Pairs = [
            ("rdf:type", "dpv:JointDataControllers"),
            ("dpv:hasDataController", org),
            ("dpv:hasDataController", platform),
        ]
        if not self._fault("joint_controllers_without_agreement"):
            jc_pairs.append(("dpv:hasLegalMeasure", f"{jc}-art26"))
            w.subject(f"{jc}-art26", [("rdf:type", "dpv:JointDataControllersAgreement")])
        w.subject(jc, jc_pairs)
        result.platform_jc = jc
        if m > 0:
            gjc = f"{org}-jc-group"
            g_pairs: _Pairs = [
                ("rdf:type", "dpv:JointDataControllers"),
                ("dpv:hasDataController", org),
                ("dpv:hasDataController", "gen:org0"),
            ]
            if not self._fault("joint_controllers_without_agreement"):
                g_pairs.append(("dpv:hasLegalMeasure", f"{gjc}-art26"))
                w.subject(f"{gjc}-art26", [("rdf:type", "dpv:JointDataControllersAgreement")])
            w.subject(gjc, g_pairs)
            result.group_jc = gjc
        return result

    def _write_processor(self, w: _Writer, org: str, piri: str, name: str, country: str) -> None:
        rng = self._rng
        self._processors += 1
        pairs: _Pairs = [
            ("rdf:type", "dpv:DataProcessor"),
            ("rdf:type", "dpv:Recipient"),
            ("rdf:type", "dpv:Organisation"),
            ("dpv:hasName", Lit(name)),
            ("dpv:hasCountry", country),
        ]
        in_eea, mechanisms = COUNTRIES[country]
        if not in_eea and not self._fault("transfer_without_mechanism"):
            pairs.append(("ropa:hasTransferMechanism", rng.choice(mechanisms)))
        if not self._fault("processor_without_contract"):
            dpa = f"{piri}-dpa"
            pairs.append(("dpv:hasLegalMeasure", dpa))
            kind = "dpv:DataProcessingAgreement" if rng.random() < 0.5 else "dpv:ControllerProcessorAgreement"
            w.subject(
                dpa, [("rdf:type", kind), ("dpv:hasDataProcessor", piri), ("dpv:hasDataController", org)]
            )
        if not self._fault("processor_without_retention"):
            ret = f"{piri}-retention"
            pairs.append(("dpv:hasStorageCondition", ret))
            w.subject(
                ret,
                [
                    ("rdf:type", "dpv:StorageDuration"),
                    ("rdf:value", Lit(rng.choice(RETENTIONS), "xsd:duration")),
                ],
            )
        w.subject(piri, pairs)

    # -- activities ---------------------------------------------------------------------------------
    # One activity is written in steps, each drawing from the random generator in the same order as
    # always (the record is pinned byte for byte by its seed): the template, the purposes, the Art. 6
    # basis and what hangs on it, data subjects and personal data (with an Art. 9 condition), processing,
    # recipients, retention, security and technologies. A step that needs a resource of its own (an
    # assessment, a retention) writes it before the activity.
    def _write_activity(self, w: _Writer, org: _Org, n: int) -> None:
        rng = self._rng
        label, purposes, subjects, data, processing, bases = ACTIVITY_TEMPLATES[
            rng.randrange(len(ACTIVITY_TEMPLATES))
        ]
        act = f"gen:a{n}"
        pairs: _Pairs = [
            ("rdf:type", "dpv:Process"),
            ("rdfs:label", Lit(f"{label} #{n}", lang="en")),
            ("dpv:hasDataController", org.iri),
            ("dpv:hasNotice", org.notice),
        ]
        if not self._fault("activity_without_purpose"):
            pairs.extend(("dpv:hasPurpose", p) for p in _some(rng, purposes))
        basis, uses_cookies = self._choose_basis(label, bases)
        if not self._fault("activity_without_legal_basis"):
            pairs.extend(self._legal_basis(w, act, label, basis))
        pairs.extend(self._subjects_and_data(subjects, data))
        pairs.extend(("dpv:hasProcessing", p) for p in processing)
        pairs.extend(self._recipients(org))
        pairs.extend(self._retention(w, act))
        pairs.extend(self._security(org))
        pairs.extend(self._technologies(org, label, uses_cookies))
        w.subject(act, pairs)

    def _choose_basis(self, label: str, bases: tuple[str, ...]) -> tuple[str, bool]:
        """The Art. 6 basis drawn from the template's, and whether the activity sets cookies (which
        then need consent: another basis is a ``cookie_without_consent`` fault)."""
        rng = self._rng
        basis = rng.choice(bases)
        uses_cookies = label in ("Website analytics", "Targeted advertising") or (
            label == "Customer register" and rng.random() < 0.2
        )
        if uses_cookies and basis != CONSENT and rng.random() >= self.fault_rate:
            basis = CONSENT
        if uses_cookies and basis != CONSENT:
            self._faults["cookie_without_consent"] += 1
        return basis, uses_cookies

    def _legal_basis(self, w: _Writer, act: str, label: str, basis: str) -> _Pairs:
        """The basis with what it brings: a stated interest and an assessment (legitimate interest), a
        withdrawal method (consent), the right to data portability (consent, contract)."""
        pairs: _Pairs = [("dpv:hasLegalBasis", basis)]
        if basis == LEGITIMATE_INTEREST:
            pairs.extend(self._legitimate_interest(w, act, label))
        if basis == CONSENT and not self._fault("consent_without_withdrawal"):
            if self._rng.random() < 0.5:
                pairs.append(
                    ("ropa:withdrawalMethod", Lit("Unsubscribe link or e-mail to privacy", lang="en"))
                )
            else:
                pairs.append(("dpv:hasRight", WITHDRAW_RIGHT))
        if basis in (CONSENT, CONTRACT) and not self._fault("portability_missing"):
            pairs.append(("dpv:hasRight", PORTABILITY))
        return pairs

    def _legitimate_interest(self, w: _Writer, act: str, label: str) -> _Pairs:
        """The interest pursued and the assessment behind it (written here)."""
        pairs: _Pairs = []
        if not self._fault("legitimate_interest_without_interest"):
            interest = Lit(f"The controller's interest in {label.lower()}", lang="en")
            pairs.append(("ropa:hasLegitimateInterest", interest))
        if not self._fault("legitimate_interest_without_assessment"):
            lia = f"{act}-lia"
            pairs.append(("dpv:hasAssessment", lia))
            w.subject(
                lia,
                [
                    ("rdf:type", "dpv:LegitimateInterestAssessment"),
                    ("ropa:conclusion", Lit("Interest not overridden", lang="en")),
                ],
            )
        return pairs

    def _subjects_and_data(self, subjects: tuple[str, ...], data: tuple[str, ...]) -> _Pairs:
        """Data subjects and personal data from the template's; an Art. 9 condition for special
        categories."""
        rng = self._rng
        pairs: _Pairs = []
        if not self._fault("activity_without_data_subject"):
            pairs.extend(("dpv:hasDataSubject", s) for s in _some(rng, subjects))
        if not self._fault("activity_without_personal_data"):
            chosen = _some(rng, data, at_least=2)
            pairs.extend(("dpv:hasPersonalData", d) for d in chosen)
            if SPECIAL_CATEGORIES.intersection(chosen) and not self._fault("special_category_without_art9"):
                pairs.append(("dpv:hasLegalBasis", rng.choice(ART9_CONDITIONS)))
        return pairs

    def _recipients(self, org: _Org) -> _Pairs:
        """One or two of the organisation's processors, or the statement that there are no recipients."""
        rng = self._rng
        if self._fault("activity_without_recipients"):
            return []
        if not (rng.random() < 0.8 and org.processors):
            return [("ropa:noRecipients", TRUE)]
        pairs: _Pairs = []
        for piri, _country, _service in rng.sample(
            org.processors, rng.randint(1, min(2, len(org.processors)))
        ):
            pairs.append(("dpv:hasDataProcessor", piri))
            pairs.append(("dpv:hasRecipient", piri))
        return pairs

    def _retention(self, w: _Writer, act: str) -> _Pairs:
        """A storage duration (written here), sometimes with the event it starts at."""
        rng = self._rng
        if self._fault("activity_without_retention"):
            return []
        ret = f"{act}-retention"
        rpairs: _Pairs = [
            ("rdf:type", "dpv:StorageDuration"),
            ("rdf:value", Lit(rng.choice(RETENTIONS), "xsd:duration")),
        ]
        if rng.random() < 0.3:
            rpairs.append(("ropa:durationStartsAt", Lit("end of the customer relationship", lang="en")))
        w.subject(ret, rpairs)
        return [("dpv:hasStorageCondition", ret)]

    def _security(self, org: _Org) -> _Pairs:
        """Measures on half the activities; without them and without a controller policy, a fault."""
        rng = self._rng
        if rng.random() < 0.5:
            return [("dpv:hasTechnicalOrganisationalMeasure", t) for t in _some(rng, MEASURES)]
        if not org.has_policy:
            self._faults["activity_without_security"] += 1
        return []

    def _technologies(self, org: _Org, label: str, uses_cookies: bool) -> _Pairs:
        """Cookies, page insights (with the platform as joint controller) and sometimes the group company
        as joint controller."""
        rng = self._rng
        pairs: _Pairs = []
        if uses_cookies:
            pairs.append(("dpv:isImplementedUsingTechnology", "tech:Cookie"))
        elif rng.random() < 0.1:
            pairs.append(("dpv:isImplementedUsingTechnology", "ropa:StrictlyNecessaryCookie"))
        if label == "Social media page":
            pairs.append(("dpv:isImplementedUsingTechnology", "ropa:SocialMediaPageInsights"))
            pairs.append(("dpv:isImplementedUsingTechnology", "gen:insights-tool"))
            if not self._fault("insights_without_joint_controller") and org.platform_jc:
                pairs.append(("dpv:hasJointDataControllers", org.platform_jc))
        elif org.group_jc and rng.random() < 0.05:
            pairs.append(("dpv:hasJointDataControllers", org.group_jc))
        return pairs


def _some(rng: random.Random, pool: Sequence[str], *, at_least: int = 1) -> list[str]:
    """A non-empty random subset of ``pool`` in pool order (at least ``at_least`` items when possible)."""
    low = min(at_least, len(pool))
    k = rng.randint(low, len(pool))
    picked = set(rng.sample(range(len(pool)), k))
    return [pool[i] for i in range(len(pool)) if i in picked]


def generate(
    out: TextIO,
    *,
    activities: int,
    organisations: int | None = None,
    seed: int = 0,
    fault_rate: float = 0.1,
    fmt: OutputFormat = "turtle",
) -> GenerationSummary:
    """Write a synthetic record to ``out`` (see the module docstring) and return its summary.

    Raises:
        ValueError: a negative size or a fault rate outside [0, 1].
    """
    gen = RecordGenerator(
        activities=activities, organisations=organisations, seed=seed, fault_rate=fault_rate
    )
    return gen.write(out, fmt=fmt)


def vocabulary_iris(terms: Iterable[str] = VOCABULARY) -> set[str]:
    """The full IRIs of ``terms`` (CURIEs with the prefixes of :data:`PREFIXES`)."""
    return {expand(t) for t in terms}
