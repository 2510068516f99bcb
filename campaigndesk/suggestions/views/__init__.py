"""The staff screens for suggestions: triage queue, suggestion page, unit inbox, overdue
answers, publication and figures. One module per screen family."""
