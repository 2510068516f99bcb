from django.utils.translation import gettext_lazy as _

from campaigndesk.core.navigation import MenuEntry

MENU = [
    MenuEntry(_("Routing model"), "triage:models", "triage.view", "/desk/triage/"),
]
