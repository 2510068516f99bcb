from django.utils.translation import gettext_lazy as _

from campaigndesk.core.navigation import MenuEntry

MENU = [
    MenuEntry(
        _("Suggestions"), "suggestions:queue", "suggestions.triage", "/desk/suggestions/queue/"
    ),
    MenuEntry(
        _("Suggestions to answer"),
        "suggestions:mine",
        "suggestions.answer_inbox",
        "/desk/suggestions/mine/",
    ),
    MenuEntry(
        _("Suggestion figures"),
        "suggestions:stats",
        "suggestions.view_figures",
        "/desk/suggestions/figures/",
    ),
]
