"""`python -m tools.demonstration_data [--out DIR] [--seed N]`: write the demonstration data."""

from tools.demonstration_data import main

main()
