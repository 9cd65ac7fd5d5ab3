"""HTTP views of the review stage, one module per concept: the expert's pages (`expert`) and the programme
office's (`assignments`, `progress`, `votum`, `setup`)."""
