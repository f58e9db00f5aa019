"""Issue 15, item 4: each fact the review found invented, missed or wrong, as the record now states it, with
the sentence (line) or the external source / inference it is cited to, and without the old form."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ropa_kg.core.namespaces import ALU, DPV, EU_GDPR, LOC, PD, ROPA, TECH

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology" / "ropa.ttl"
SOCIAL = (ALU.SocialMediaYouTube, ALU.SocialMediaLinkedIn, ALU.SocialMediaFacebook, ALU.SocialMediaInstagram)
LI_ACTIVITIES = (ALU.Website, ALU.Chat, ALU.WebShop, *SOCIAL)


@pytest.fixture(scope="module")
def g(alumeco_graph: Graph) -> Graph:
    return alumeco_graph


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def sources(g: Graph, s: object, p: object, o: object) -> set[object]:
    """The sources the record cites for the triple (s, p, o)."""
    assert (s, p, o) in g, (s, p, o)
    return {
        src
        for st in g.subjects(RDF.subject, s)
        if (st, RDF.predicate, p) in g and (st, RDF.object, o) in g
        for src in g.objects(st, ROPA.source)
    }


def lines(g: Graph, s: object, p: object, o: object) -> set[int]:
    """The policy lines the triple is cited to (external sources have none)."""
    return {
        int(g.value(src, ROPA.line)) for src in sources(g, s, p, o) if g.value(src, ROPA.line) is not None
    }


def is_external(g: Graph, s: object, p: object, o: object) -> bool:
    srcs = sources(g, s, p, o)
    return bool(srcs) and all((src, RDF.type, ROPA.ExternalSource) in g for src in srcs)


def is_inference(g: Graph, s: object, p: object, o: object) -> bool:
    srcs = sources(g, s, p, o)
    return bool(srcs) and all((src, RDF.type, ROPA.Inference) in g for src in srcs)


# ---------------------------------------------------------------- invented


@pytest.mark.parametrize(
    ("thing", "company"),
    [
        (ALU.YouTubePlatform, ALU.Google),
        (ALU.YouTubeAnalytics, ALU.Google),
        (ALU.FacebookPlatform, ALU.Meta),
        (ALU.InstagramPlatform, ALU.Meta),
        (ALU.FacebookInsights, ALU.Meta),
        (ALU.InstagramInsights, ALU.Meta),
        (ALU.LinkedInPlatform, ALU.LinkedIn),
        (ALU.LinkedInPageAnalytics, ALU.LinkedIn),
    ],
)
def test_who_runs_a_platform_is_an_external_fact(g: Graph, thing: URIRef, company: URIRef) -> None:
    assert is_external(g, thing, TECH.hasProvider, company)
    assert lines(g, thing, TECH.hasProvider, company) == set()


def test_no_statistics_module_is_cited_to_the_channel_or_job_vacancy_sentences(g: Graph) -> None:
    wrong = {ALU["s-so-youtube"], ALU["s-so-linkedin"], ALU["s-so-meta"]}
    for st in g.subjects(RDF.predicate, TECH.hasProvider):
        assert not set(g.objects(st, ROPA.source)) & wrong, st


def test_balancing_sentences_are_statements_not_assessments(g: Graph) -> None:
    assert not list(g.subjects(RDF.type, DPV.LegitimateInterestAssessment))
    statements = set(g.subjects(RDF.type, ROPA.BalancingStatement))
    # one per section that publishes the sentence: customers, website, chat, web shop, social media
    assert statements == {
        ALU["Balancing-customers"],
        ALU["Balancing-website"],
        ALU["Balancing-chat"],
        ALU["Balancing-webshop"],
        ALU["Balancing-social-media"],
    }
    for st in statements:
        assert str(g.value(st, DCTERMS.description)).startswith("Punnittaessa toisilleen vastakkaisia etuja")
        assert g.value(st, DPV.hasOutcome) == ROPA.ControllerInterestPrevails
    assert lines(g, ALU.CustomerRelations, ROPA.hasBalancingStatement, ALU["Balancing-customers"]) == {32}
    assert lines(g, ALU.Website, ROPA.hasBalancingStatement, ALU["Balancing-website"]) == {66}
    assert lines(g, ALU.Chat, ROPA.hasBalancingStatement, ALU["Balancing-chat"]) == {91}
    assert lines(g, ALU.WebShop, ROPA.hasBalancingStatement, ALU["Balancing-webshop"]) == {113}
    for activity in SOCIAL:
        assert lines(g, activity, ROPA.hasBalancingStatement, ALU["Balancing-social-media"]) == {139}


def test_leadfeeder_has_no_balancing_statement(g: Graph) -> None:
    assert not list(g.objects(ALU.VisitorIdentification, ROPA.hasBalancingStatement))
    assert not list(g.objects(ALU.VisitorIdentification, DPV.hasAssessment))
    assert lines(g, ALU.VisitorIdentification, DPV.hasLegalBasis, EU_GDPR["A6-1-f"]) == {66}


def test_right_to_check_collected_data_is_narrower_than_art_15(g: Graph, onto: Graph) -> None:
    assert lines(g, ALU.PrivacyPolicy, DPV.hasRight, ROPA.RightToCheckCollectedData) == {156}
    assert (ALU.PrivacyPolicy, DPV.hasRight, EU_GDPR.A15) not in g
    assert (ROPA.RightToCheckCollectedData, RDF.type, ROPA.PartialRight) in onto
    assert (ROPA.RightToCheckCollectedData, SKOS.broader, EU_GDPR.A15) in onto


def test_rights_request_email_is_an_inference(g: Graph) -> None:
    assert is_inference(g, ALU.RightsRequests, DPV.hasPersonalData, PD.EmailAddress)
    assert is_inference(g, ALU.RightsRequests, DPV.hasProcessing, DPV.Collect)
    (inference,) = sources(g, ALU.RightsRequests, DPV.hasPersonalData, PD.EmailAddress)
    assert set(g.objects(inference, PROV.wasDerivedFrom)) == {
        ALU["s-right-erase-restrict-object"],
        ALU["s-right-withdraw-how"],
    }
    assert g.value(inference, RDFS.comment) is not None


# ---------------------------------------------------------------- missed


def test_line_11_group_joint_data_responsibility(g: Graph) -> None:
    group = ALU.AlumecoGroupJointControllers
    assert lines(g, ALU.Alumeco, DPV.hasJointDataControllers, group) == {11}
    assert (group, RDF.type, DPV.JointDataControllers) in g
    assert not list(g.objects(group, DPV.hasDataController))  # the policy names no members
    assert lines(g, ALU.Alumeco, RDF.type, ROPA.GroupOfUndertakings) == {7, 11}


def test_line_36_strict_confidentiality(g: Graph) -> None:
    m = ALU.StrictConfidentiality
    assert lines(g, ALU.CustomerRelations, DPV.hasTechnicalOrganisationalMeasure, m) == {36}
    assert (m, RDF.type, DPV.OrganisationalMeasure) in g


def test_lines_39_40_retention_criteria_and_hedged_five_years(g: Graph) -> None:
    a = ALU.CustomerRelations
    assert lines(g, a, DPV.hasStorageCondition, ALU.CustomerRetentionPurpose) == {39}
    assert lines(g, a, DPV.hasStorageCondition, ALU.CustomerRetentionLegal) == {40}
    for criterion in (ALU.CustomerRetentionPurpose, ALU.CustomerRetentionLegal):
        assert (criterion, RDF.type, DPV.StorageCondition) in g
        assert g.value(criterion, DCTERMS.description) is not None
        assert g.value(criterion, DPV.hasDuration) is None  # a criterion, not a period
    retention = ALU.CustomerRetention
    assert lines(g, retention, ROPA.hedge, Literal("pääsääntöisesti", lang="fi")) == {40}
    limit = g.value(retention, DPV.hasDuration)
    assert (limit, RDF.type, DPV.TemporalDuration) in g
    assert g.value(limit, RDF.value) == Literal("P5Y", datatype=XSD.duration)
    # as written, no firm P5Y on the condition itself (the loader reads the duration's value onto it)
    written = Graph().parse(REPO / "data" / "alumeco" / "customers.ttl", format="turtle")
    assert written.value(retention, RDF.value) is None


def test_line_47_processors_duty_and_supervision_duty(g: Graph) -> None:
    clause = ALU.ProcessorSecurityClause
    assert lines(g, ALU.ProcessorAgreements, DPV.hasContractualClause, clause) == {47}
    assert (clause, RDF.type, DPV.ContractualClause) in g
    duty = ALU.ProcessorSupervisionDuty
    assert lines(g, ALU.Alumeco, DPV.hasObligation, duty) == {47}
    assert g.value(duty, DPV.hasScope) == ALU.CustomerDataProcessors


def test_line_48_consent_only_clause_and_court_order(g: Graph) -> None:
    a = ALU.CustomerRelations
    assert lines(g, a, ROPA.noDisclosureWithoutConsent, Literal(True)) == {48}
    assert lines(g, a, ROPA.exceptDisclosureTo, ALU.PublicAuthorities) == {48}
    assert lines(g, a, ROPA.exceptDisclosureTo, ALU.CourtOrderedDisclosure) == {48}


def test_line_53_second_website_purpose(g: Graph, onto: Graph) -> None:
    assert lines(g, ALU.Website, DPV.hasPurpose, ROPA.TechnicalInformationAndGuidance) == {53}
    assert (ROPA.TechnicalInformationAndGuidance, SKOS.broader, DPV.CustomerCare) in onto


def test_line_60_cookie_purposes_not_typed_strictly_necessary(g: Graph) -> None:
    cookies = ALU.WebsiteCookies
    assert lines(g, cookies, DPV.hasPurpose, DPV.TechnicalServiceProvision) == {60}
    assert lines(g, cookies, DPV.hasPersonalData, PD.DeviceBased) == {60}
    assert lines(g, cookies, DPV.hasPersonalData, PD.BrowsingBehaviour) == {60}
    assert (cookies, SKOS.broader, ROPA.StrictlyNecessaryCookie) not in g
    assert (cookies, RDF.type, ROPA.StrictlyNecessaryCookie) not in g


def test_line_72_anonymous_claim_as_data(g: Graph) -> None:
    data = ALU.AnonymousVisitData
    assert lines(g, ALU.VisitorIdentification, DPV.hasData, data) == {72}
    assert (data, RDF.type, DPV.AnonymisedData) in g


def test_line_113_web_shop_visitors(g: Graph) -> None:
    assert lines(g, ALU.WebShop, DPV.hasDataSubject, ROPA.WebShopVisitor) == {113}


@pytest.mark.parametrize(
    ("activity", "line"),
    [(ALU.SocialMediaLinkedIn, 145), (ALU.SocialMediaFacebook, 147), (ALU.SocialMediaInstagram, 147)],
)
def test_lines_145_147_job_advertisements(g: Graph, activity: URIRef, line: int) -> None:
    assert lines(g, activity, DPV.hasPurpose, DPV.RecruitmentAdvertising) == {line}
    assert (ALU.SocialMediaYouTube, DPV.hasPurpose, DPV.RecruitmentAdvertising) not in g


def test_line_164_yearly_security_policy_update(g: Graph) -> None:
    update = ALU.InformationSecurityPolicyUpdate
    assert lines(g, ALU.Alumeco, DPV.hasOrganisationalMeasure, update) == {164}
    assert g.value(update, DPV.hasScope) == ALU.InformationSecurityPolicy
    assert g.value(g.value(update, DPV.hasFrequency), RDF.value) == Literal("P1Y", datatype=XSD.duration)


def test_line_166_unilateral_changes(g: Graph) -> None:
    assert lines(g, ALU.PrivacyPolicy, ROPA.mayChangeUnilaterally, Literal(True)) == {166}


def test_line_167_legal_department(g: Graph) -> None:
    dept = ALU.LegalDepartment
    assert lines(g, ALU.Alumeco, DPV.hasOrganisationalUnit, dept) == {167}
    assert (dept, RDF.type, DPV.OrganisationalUnit) in g


def test_line_87_ordinary_data_not_special_category(g: Graph) -> None:
    assert lines(g, ALU.Chat, ROPA.noSpecialCategoryData, Literal(True)) == {87}


@pytest.mark.parametrize(
    ("activity", "category", "line"),
    [
        (ALU.CustomerRelations, ROPA.OrdinaryPersonalData, 26),
        (ALU.Website, ROPA.OrdinaryPersonalData, 57),
        (ALU.WebShop, ROPA.OrdinaryPersonalData, 109),
        *[(a, ROPA.OrdinaryPersonalData, 135) for a in SOCIAL],
        *[(a, ROPA.UserData, 135) for a in SOCIAL],
    ],
)
def test_vague_categories_beside_the_specific_ones(
    g: Graph, onto: Graph, activity: URIRef, category: URIRef, line: int
) -> None:
    assert lines(g, activity, DPV.hasPersonalData, category) == {line}
    assert (category, RDF.type, ROPA.VagueDataCategory) in onto
    specific = {d for d in g.objects(activity, DPV.hasPersonalData) if str(d).startswith(str(PD))}
    assert specific, activity


@pytest.mark.parametrize(
    ("tool", "kind"),
    [
        (ALU.FacebookInsights, ROPA.FacebookPageInsights),
        (ALU.InstagramInsights, ROPA.FacebookPageInsights),
        (ALU.LinkedInPageAnalytics, ROPA.LinkedInPageAnalytics),
        (ALU.YouTubeAnalytics, ROPA.YouTubeChannelAnalytics),
    ],
)
def test_page_insights_per_platform(g: Graph, onto: Graph, tool: URIRef, kind: URIRef) -> None:
    assert (tool, SKOS.broader, kind) in g
    assert (tool, SKOS.broader, ROPA.SocialMediaPageInsights) not in g
    assert (kind, SKOS.broader, ROPA.SocialMediaPageInsights) in onto


def test_chat_stores_but_not_locally(g: Graph) -> None:
    assert lines(g, ALU.Chat, DPV.hasProcessing, DPV.Store) == {87}
    assert lines(g, ALU.Chat, ROPA.storedLocally, Literal(False)) == {95}


# ---------------------------------------------------------------- wrong


def test_contract_otherwise_legitimate_interest_is_a_conditional_pair(g: Graph) -> None:
    a = ALU.CustomerRelations
    assert (a, DPV.hasLegalBasis, EU_GDPR["A6-1-b"]) not in g
    assert (a, DPV.hasLegalBasis, EU_GDPR["A6-1-f"]) not in g
    assert lines(g, a, DPV.hasLegalBasis, ALU.CustomerBasisContract) == {30}
    assert lines(g, ALU.CustomerBasisContract, RDF.type, EU_GDPR["A6-1-b"]) == {30}
    assert lines(g, ALU.CustomerBasisLegitimateInterest, RDF.type, EU_GDPR["A6-1-f-controller"]) == {30, 32}
    assert g.value(ALU.CustomerBasisContract, ROPA.condition) == Literal(
        "mikäli sellainen on syntynyt", lang="fi"
    )
    assert g.value(ALU.CustomerBasisLegitimateInterest, ROPA.condition) == Literal(
        "Mikäli henkilötietojen käsittely ei johdu sopimuksesta", lang="fi"
    )


@pytest.mark.parametrize("activity", LI_ACTIVITIES)
def test_legitimate_interest_of_the_controller(g: Graph, activity: URIRef) -> None:
    # "Alumecon etu": the balancing sentence names whose interest it is
    assert (activity, DPV.hasLegalBasis, EU_GDPR["A6-1-f"]) not in g
    srcs = sources(g, activity, DPV.hasLegalBasis, EU_GDPR["A6-1-f-controller"])
    assert len(srcs) == 2 and any("balancing" in str(s) for s in srcs), srcs


@pytest.mark.parametrize(
    ("company", "name", "importer", "activities"),
    [
        (ALU.Google, "Google Ireland Limited", ALU.GoogleLLC, {ALU.Website, ALU.SocialMediaYouTube}),
        (
            ALU.Meta,
            "Meta Platforms Ireland Limited",
            ALU.MetaInc,
            {ALU.SocialMediaFacebook, ALU.SocialMediaInstagram},
        ),
        (
            ALU.LinkedIn,
            "LinkedIn Ireland Unlimited Company",
            ALU.LinkedInCorporation,
            {ALU.SocialMediaLinkedIn},
        ),
    ],
)
def test_eea_entities_with_onward_us_transfer(
    g: Graph, company: URIRef, name: str, importer: URIRef, activities: set[URIRef]
) -> None:
    assert is_external(g, company, DPV.hasName, Literal(name))
    assert is_external(g, company, DPV.hasCountry, LOC.IE)
    assert g.value(importer, DPV.hasCountry) == LOC.US
    (transfer,) = set(g.subjects(DPV.hasDataImporter, importer))
    assert (transfer, RDF.type, DPV.CrossBorderTransfer) in g
    assert g.value(transfer, DPV.hasDataExporter) == company
    assert is_external(g, transfer, DPV.hasThirdCountry, LOC.US)
    assert set(g.subjects(DPV.hasProcessing, transfer)) == activities
    for activity in activities:
        assert is_external(g, activity, DPV.hasProcessing, transfer)
    assert not list(g.objects(company, ROPA.hasTransferMechanism))


def test_leadfeeder_operator_is_liidio_oy(g: Graph) -> None:
    assert (ALU.LeadfeederOy, None, None) not in g
    assert is_external(g, ALU.LiidioOy, DPV.hasName, Literal("Liidio Oy"))
    assert is_external(g, ALU.Leadfeeder, TECH.hasProvider, ALU.LiidioOy)
    (src,) = sources(g, ALU.LiidioOy, DPV.hasName, Literal("Liidio Oy"))
    assert g.value(src, DCTERMS.source) == URIRef("https://www.leadfeeder.com/privacy/")


@pytest.mark.parametrize(
    ("activity", "processor"), [(ALU.Chat, ALU.Netop), (ALU.VisitorIdentification, ALU.LiidioOy)]
)
def test_processor_roles_are_inferences(g: Graph, activity: URIRef, processor: URIRef) -> None:
    assert is_inference(g, activity, DPV.hasDataProcessor, processor)
    assert is_inference(g, processor, RDF.type, DPV.DataProcessor)
    (inference,) = sources(g, activity, DPV.hasDataProcessor, processor)
    assert list(g.objects(inference, PROV.wasDerivedFrom))


@pytest.mark.parametrize("activity", SOCIAL)
def test_line_151_platforms_store_the_data_not_recipients(g: Graph, activity: URIRef) -> None:
    assert not list(g.objects(activity, DPV.hasRecipient))
    (storage,) = g.objects(activity, DPV.hasStorageCondition)
    assert lines(g, activity, DPV.hasStorageCondition, storage) == {151}
    assert (storage, RDF.type, DPV.StorageLocation) in g
    platform = g.value(storage, DPV.hasLocation)
    assert platform in set(g.objects(activity, DPV.isImplementedUsingTechnology))
    # the data come from the platform (Art. 14 source); who runs it is external
    (source,) = g.objects(activity, DPV.hasDataSource)
    assert 151 in lines(g, activity, DPV.hasDataSource, source)
    assert (source, RDF.type, DPV.ThirdPartyDataSource) in g
    company = g.value(source, DPV.hasEntity)
    assert is_external(g, source, DPV.hasEntity, company)


def test_customer_service_development_is_not_internal_crm(g: Graph, onto: Graph) -> None:
    a = ALU.VisitorIdentification
    assert (a, DPV.hasPurpose, DPV.ImproveInternalCRMProcesses) not in g
    assert lines(g, a, DPV.hasPurpose, ROPA.CustomerServiceDevelopment) == {72}
    assert {DPV.CustomerCare, DPV.ImproveExistingProductsAndServices} <= set(
        onto.objects(ROPA.CustomerServiceDevelopment, SKOS.broader)
    )


def test_procurement_is_dpv_vendor_management(g: Graph, onto: Graph) -> None:
    assert lines(g, ALU.CustomerRelations, DPV.hasPurpose, DPV.VendorManagement) == {22}
    assert not list(g.subjects(None, ROPA.Procurement))
    assert onto.value(ROPA.Procurement, DCTERMS.isReplacedBy) == DPV.VendorManagement


# ---------------------------------------------------------------- the DPV way


def test_the_record_is_a_dpv_ropa_with_its_date(g: Graph) -> None:
    (record,) = g.subjects(RDF.type, DPV.ROPA)
    modified = g.value(record, DCTERMS.modified)
    assert modified is not None and modified.datatype == XSD.date
    assert g.value(record, PROV.hadPrimarySource) == ALU.PrivacyPolicy
    assert is_external(g, record, RDF.type, DPV.ROPA)


def test_provenance_terms_are_prov_o(onto: Graph) -> None:
    assert (ROPA.source, RDFS.subPropertyOf, PROV.wasDerivedFrom) in onto
    assert (ROPA.Inference, RDFS.subClassOf, ROPA.ExternalSource) in onto
    assert (ROPA.SourceSentence, RDFS.subClassOf, PROV.Entity) in onto
