from django.utils.translation import gettext_lazy as _

from campaigndesk.core.navigation import MenuEntry

MENU = [
    MenuEntry(_("My work"), "ledger:workspace", "ledger.view", "/desk/ledger/workspace/"),
    MenuEntry(_("Ledger"), "ledger:list", "ledger.view", "/desk/ledger/tasks/"),
    MenuEntry(_("Dashboard"), "ledger:dashboard", "ledger.view", "/desk/ledger/dashboard/"),
    MenuEntry(_("Work plans"), "ledger:plan_list", "plans.view", "/desk/ledger/plans/"),
    MenuEntry(_("Inbox"), "ledger:inbox", "ledger.view", "/desk/ledger/inbox/"),
]
