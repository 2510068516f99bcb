from django.utils.translation import gettext_lazy as _

from campaigndesk.core.navigation import MenuEntry

MENU = [
    MenuEntry(_("Hot topics"), "triage_topics:list", "triage.view", "/desk/triage/topics/"),
    MenuEntry(_("Routing model"), "triage:models", "triage.view", "/desk/triage/$"),
]
