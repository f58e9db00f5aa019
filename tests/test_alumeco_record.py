"""The Alumeco graph contains what the policy says, and every fact points to the sentence it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, XSD

from ropa_kg.core.namespaces import ALU, DPV, EU_GDPR, LOC, PD, ROPA, TECH

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "alumeco"
ONTOLOGY = Graph().parse(REPO / "ontology" / "ropa.ttl", format="turtle")
LABEL_PREDICATES = {
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
}


def objects(graph: Graph, subject: URIRef, predicate: URIRef) -> set[object]:
    return set(graph.objects(subject, predicate))


def test_ten_activities_one_per_described_activity(alumeco_graph: Graph) -> None:
    activities = set(alumeco_graph.subjects(RDF.type, DPV.Process))
    assert activities == {
        ALU.CustomerRelations,
        ALU.Website,
        ALU.VisitorIdentification,
        ALU.Chat,
        ALU.WebShop,
        ALU.SocialMediaYouTube,
        ALU.SocialMediaLinkedIn,
        ALU.SocialMediaFacebook,
        ALU.SocialMediaInstagram,
        ALU.RightsRequests,
    }
    for activity in activities:
        assert objects(alumeco_graph, activity, DPV.hasDataController) == {ALU.Alumeco}


def test_controller_is_the_group_with_its_contact(alumeco_graph: Graph) -> None:
    assert (ALU.Alumeco, RDF.type, DPV.DataController) in alumeco_graph
    assert objects(alumeco_graph, ALU.Alumeco, DPV.hasContact) == {Literal("GDPR@alumeco.dk")}
    assert objects(alumeco_graph, ALU.Alumeco, DPV.hasPolicy) == {ALU.InformationSecurityPolicy}
    assert (ALU.InformationSecurityPolicy, RDF.type, DPV.InformationSecurityPolicy) in alumeco_graph
    # The policy names no DPO, and says nothing about one: the record stays silent.
    assert not list(alumeco_graph.objects(ALU.Alumeco, DPV.hasDataProtectionOfficer))
    assert not list(alumeco_graph.objects(ALU.Alumeco, ROPA.noDataProtectionOfficer))


def test_rights_the_policy_lists(alumeco_graph: Graph) -> None:
    rights = objects(alumeco_graph, ALU.PrivacyPolicy, DPV.hasRight)
    assert rights == {
        ROPA.RightToCheckCollectedData,  # "oikeus tarkistaa, mitä tietoja ... kerännyt": narrower than A15
        EU_GDPR["A16"],
        EU_GDPR["A17"],
        EU_GDPR["A18"],
        EU_GDPR["A21"],
        EU_GDPR["A7-3"],
    }
    # Not listed by the policy: portability and the right to complain; Art. 15 only in part.
    assert EU_GDPR["A20"] not in rights and EU_GDPR["A77"] not in rights and EU_GDPR["A15"] not in rights


def test_customers_contract_where_one_exists_otherwise_legitimate_interest(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    bases = objects(g, ALU.CustomerRelations, DPV.hasLegalBasis)
    assert bases == {ALU.CustomerBasisContract, ALU.CustomerBasisLegitimateInterest}
    assert (ALU.CustomerBasisContract, RDF.type, EU_GDPR["A6-1-b"]) in g
    assert (ALU.CustomerBasisLegitimateInterest, RDF.type, EU_GDPR["A6-1-f-controller"]) in g
    for basis in bases:
        assert g.value(basis, ROPA.condition) is not None


def test_customers_purposes_each_listed_separately(alumeco_graph: Graph) -> None:
    purposes = objects(alumeco_graph, ALU.CustomerRelations, DPV.hasPurpose)
    assert purposes == {
        DPV.ServiceProvision,
        DPV.Marketing,
        DPV.SellProducts,
        DPV.VendorManagement,
        ROPA.Manufacturing,
        DPV.DeliveryOfGoods,
        ROPA.MarketResearch,
        ROPA.ProductDevelopment,
        ROPA.BusinessDevelopment,
        ROPA.Statistics,
    }


def test_customers_subjects_data_and_retention(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    assert objects(g, ALU.CustomerRelations, DPV.hasDataSubject) == {
        DPV.Customer,
        ROPA.ProspectiveCustomer,
        ROPA.Subcontractor,
        ROPA.BusinessPartner,
        ROPA.ContactPerson,
    }
    assert {PD.Name, PD.EmailAddress, PD.TelephoneNumber} <= objects(
        g, ALU.CustomerRelations, DPV.hasPersonalData
    )
    conditions = objects(g, ALU.CustomerRelations, DPV.hasStorageCondition)
    (retention,) = {c for c in conditions if (c, RDF.type, DPV.StorageDuration) in g}
    assert g.value(g.value(retention, DPV.hasDuration), RDF.value) == Literal("P5Y", datatype=XSD.duration)
    assert g.value(retention, ROPA.hedge) == Literal("pääsääntöisesti", lang="fi")
    criteria = {c for c in conditions if (c, RDF.type, DPV.StorageCondition) in g}
    assert criteria == {ALU.CustomerRetentionPurpose, ALU.CustomerRetentionLegal}


def test_retention_only_where_the_policy_states_it(alumeco_graph: Graph) -> None:
    with_retention = {
        a
        for a in alumeco_graph.subjects(RDF.type, DPV.Process)
        for c in alumeco_graph.objects(a, DPV.hasStorageCondition)
        if (c, RDF.type, DPV.StorageDuration) in alumeco_graph
    }
    assert with_retention == {ALU.CustomerRelations}


def test_chat_personal_data_and_recipient(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    assert objects(g, ALU.Chat, DPV.hasPersonalData) == {PD.Name, PD.TelephoneNumber, PD.EmailAddress}
    assert objects(g, ALU.Chat, DPV.hasRecipient) == {ALU.Netop}
    assert g.value(ALU.Netop, DPV.hasName) == Literal("Netop Business Solutions A/S")
    assert objects(g, ALU.Chat, DPV.hasLegalBasis) == {EU_GDPR["A6-1-f-controller"]}
    assert g.value(ALU.Chat, ROPA.storedLocally) == Literal(False)


def test_website_cookies_google_on_legitimate_interest(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    assert ALU.WebsiteCookies in objects(g, ALU.Website, DPV.isImplementedUsingTechnology)
    assert (ALU.WebsiteCookies, SKOS.broader, TECH.Cookie) in g
    assert objects(g, ALU.Website, DPV.hasLegalBasis) == {EU_GDPR["A6-1-f-controller"]}
    assert objects(g, ALU.Website, DPV.hasRecipient) == {ALU.Google}
    # No transfer mechanism is named for Google: none is recorded.
    assert not list(g.objects(ALU.Google, ROPA.hasTransferMechanism))


def test_leadfeeder_identifies_visitors_with_cookies(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    tech = objects(g, ALU.VisitorIdentification, DPV.isImplementedUsingTechnology)
    assert {ALU.Leadfeeder, ALU.WebsiteCookies, ALU.GoogleAnalytics} <= tech
    assert (
        g.value(ALU.Leadfeeder, URIRef("http://www.w3.org/2004/02/skos/core#broader"))
        == ROPA.VisitorIdentification
    )
    assert {PD.BrowsingBehaviour, PD.Identifying} <= objects(
        g, ALU.VisitorIdentification, DPV.hasPersonalData
    )
    # The policy does not declare profiling: the record does not either.
    assert DPV.Profiling not in objects(g, ALU.VisitorIdentification, DPV.hasProcessing)


def test_webshop_erp_tls_and_no_transfer(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    # "tavanomaisia henkilötietoja ..., kuten nimen ja sähköpostiosoitteen": vague category and examples
    assert objects(g, ALU.WebShop, DPV.hasPersonalData) == {
        ROPA.OrdinaryPersonalData,
        PD.Name,
        PD.EmailAddress,
    }
    assert DPV.EncryptionInTransfer in objects(g, ALU.WebShop, DPV.hasTechnicalOrganisationalMeasure)
    assert ALU.ERP in objects(g, ALU.WebShop, DPV.isImplementedUsingTechnology)
    assert g.value(ALU.WebShop, ROPA.noRecipients) == Literal(True)
    assert not list(g.objects(ALU.WebShop, DPV.hasRecipient))


@pytest.mark.parametrize(
    ("activity", "provider", "tool", "kind"),
    [
        (ALU.SocialMediaYouTube, ALU.Google, ALU.YouTubeAnalytics, ROPA.YouTubeChannelAnalytics),
        (ALU.SocialMediaLinkedIn, ALU.LinkedIn, ALU.LinkedInPageAnalytics, ROPA.LinkedInPageAnalytics),
        (ALU.SocialMediaFacebook, ALU.Meta, ALU.FacebookInsights, ROPA.FacebookPageInsights),
        (ALU.SocialMediaInstagram, ALU.Meta, ALU.InstagramInsights, ROPA.FacebookPageInsights),
    ],
)
def test_social_media_one_activity_per_platform(
    alumeco_graph: Graph, activity: URIRef, provider: URIRef, tool: URIRef, kind: URIRef
) -> None:
    g = alumeco_graph
    # Line 151 says the platforms store the data: not a list of recipients.
    assert objects(g, activity, DPV.hasRecipient) == set()
    assert tool in objects(g, activity, DPV.isImplementedUsingTechnology)
    assert (tool, SKOS.broader, kind) in g
    assert (kind, SKOS.broader, ROPA.SocialMediaPageInsights) in ONTOLOGY
    assert g.value(tool, TECH.hasProvider) == provider  # an external fact (external.ttl)
    assert objects(g, activity, DPV.hasLegalBasis) == {EU_GDPR["A6-1-f-controller"]}


def test_external_facts_locations_and_joint_controllership(alumeco_graph: Graph) -> None:
    g = alumeco_graph
    assert g.value(ALU.Google, DPV.hasCountry) == LOC.IE  # Google Ireland Limited, the EEA entity
    assert g.value(ALU.GoogleLLC, DPV.hasCountry) == LOC.US
    assert g.value(ALU.Netop, DPV.hasCountry) == LOC.DK
    assert g.value(ALU.LiidioOy, DPV.hasCountry) == LOC.FI
    (jc,) = objects(g, ALU.SocialMediaFacebook, DPV.hasJointDataControllers)
    assert objects(g, jc, DPV.hasDataController) == {ALU.Alumeco, ALU.Meta}


# ---------------------------------------------------------------- provenance


def _record_files() -> list[Path]:
    files = sorted(DATA.glob("*.ttl"))
    assert len(files) >= 9
    return files


def _fact_triples(graph: Graph) -> set[tuple[object, object, object]]:
    """Facts: triples about the record's own resources, except labels, comments and provenance nodes."""
    provenance = (
        set(graph.subjects(RDF.type, RDF.Statement))
        | set(graph.subjects(RDF.type, ROPA.SourceSentence))
        | set(graph.subjects(RDF.type, ROPA.ExternalSource))
        | set(graph.subjects(RDF.type, ROPA.Inference))
    )
    return {
        (s, p, o)
        for s, p, o in graph
        if str(s).startswith(str(ALU)) and s not in provenance and p not in LABEL_PREDICATES
    }


def _statements(graph: Graph) -> dict[tuple[object, object, object], set[object]]:
    sources: dict[tuple[object, object, object], set[object]] = {}
    for st in graph.subjects(RDF.type, RDF.Statement):
        key = (graph.value(st, RDF.subject), graph.value(st, RDF.predicate), graph.value(st, RDF.object))
        sources.setdefault(key, set()).update(graph.objects(st, ROPA.source))
    return sources


def test_every_fact_has_a_source_and_every_statement_is_a_fact() -> None:
    graph = Graph()
    for path in _record_files():
        graph.parse(path, format="turtle")
    facts = _fact_triples(graph)
    statements = _statements(graph)
    assert len(facts) > 250
    assert sorted(map(str, facts - statements.keys())) == []
    assert sorted(map(str, statements.keys() - facts)) == []
    for key, srcs in statements.items():
        assert srcs, key
        for src in srcs:
            assert (src, RDF.type, ROPA.SourceSentence) in graph or (
                src,
                RDF.type,
                ROPA.ExternalSource,
            ) in graph


def test_quotes_are_verbatim_sentences_of_the_policy(seed_text: str, alumeco_graph: Graph) -> None:
    sentences = set(alumeco_graph.subjects(RDF.type, ROPA.SourceSentence))
    assert len(sentences) > 60
    lines = seed_text.splitlines()
    for sentence in sentences:
        quote = str(alumeco_graph.value(sentence, ROPA.quote))
        line = int(alumeco_graph.value(sentence, ROPA.line))  # type: ignore[arg-type]
        assert quote in lines[line - 1], (sentence, line)


def test_policy_facts_and_external_facts_are_kept_apart() -> None:
    for path in _record_files():
        graph = Graph().parse(path, format="turtle")
        cited = {o for o in graph.objects(None, ROPA.source)}
        assert cited, path
        external = {c for c in cited if str(c).startswith((str(ALU) + "x-", str(ALU) + "i-"))}
        if path.name == "external.ttl":
            assert external == cited
            for src in cited:
                assert (src, RDF.type, ROPA.ExternalSource) in graph
                assert (src, ROPA.assertedBy, ROPA.Modeller) in graph
                if (src, RDF.type, ROPA.Inference) in graph:
                    # an inference says what it is inferred from (PROV-O) and why
                    assert graph.value(src, PROV.wasDerivedFrom) is not None
                    assert (
                        graph.value(src, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")) is not None
                    )
                else:
                    assert graph.value(src, URIRef("http://purl.org/dc/terms/source")) is not None
        else:
            assert external == set(), path.name
