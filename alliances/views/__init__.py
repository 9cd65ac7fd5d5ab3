"""HTTP views of the alliances stage, one module per concept; `alliances/urls.py` maps them."""
