"""Forms of the review stage: the expert's (`expert`) and the programme office's (`office`)."""
