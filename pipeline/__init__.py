"""fsot: the outcomes-framework analytics pipeline for "A Fairer Stockton-on-Tees"."""

__version__ = "0.2.0"
