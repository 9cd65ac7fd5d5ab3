"""Views of the decision stage, one module per concept: the ministry's decisions (`decide`), the dashboard with
its exports (`dashboard`) and the alliance's own released decisions (`alliance`)."""
