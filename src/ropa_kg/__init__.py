"""ropa-kg: a GDPR Record of Processing Activities as a DPV 2.3 knowledge graph."""

__version__ = "0.1.0"
