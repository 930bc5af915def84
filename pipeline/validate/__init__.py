"""Validate room: Great Expectations suites on every raw table; failing rows go to quarantine.*."""
