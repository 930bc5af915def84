"""Public-health statistical methods (pure, vectorised), matching PHEindicatormethods 2.1.0.

Every function takes arrays or DataFrames and returns new ones; none reads or writes files.
The specification each follows is ../shared/design/methods.md (section numbers cited per method).
"""
