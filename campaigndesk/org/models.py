"""Units (a tree), people and their role grants."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.core.bilingual import bilingual

PATH_STEP = 7  # digits per level in Unit.path; 9,999,999 units is plenty for a province.


class UnitKind(models.TextChoices):
    CITY = "city", _("City")
    LEADING_GROUP = "leading_group", _("Leading group")
    OFFICE = "office", _("Leading group office")
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County or county-level city")
    ZONE = "zone", _("Development zone")
    BUREAU = "bureau", _("Bureau or department")
    SUBUNIT = "subunit", _("Sub-unit")
    OTHER = "other", _("Other")


def subtree_q(field: str, path: str) -> models.Q:
    """Rows whose `field` (a unit path) lies at or below `path`.

    A range rather than LIKE 'path%': paths hold only digits and "/", so everything
    below "0000001/" sorts before "0000001" + "0", and a range uses the plain index
    on SQLite and PostgreSQL alike (LIKE needs special collations or operator classes).
    """
    return models.Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it (one indexed prefix scan)."""
        return self.filter(subtree_q("path", unit.path))

    def for_listing(self) -> UnitQuerySet:
        return self.select_related("parent").order_by("path")


class Unit(models.Model):
    """A body that answers for work: the city, a district, a bureau, a street office."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                _("Use letters, digits, dot, dash and underscore only."),
            )
        ],
        help_text=_("A short stable identifier, e.g. DL-GJZ."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name_zh = models.CharField(_("Chinese short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of zero-padded ids ("0000001/0000004/"): a subtree is one
    # prefix scan, so "my unit and everything below it" never walks the tree.
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    name = bilingual("name")

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_for(pk: int, parent_path: str = "") -> str:
        return f"{parent_path}{pk:0{PATH_STEP}d}/"

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_paths(self) -> list[str]:
        step = PATH_STEP + 1
        return [self.path[: i + step] for i in range(0, len(self.path), step)]


class User(AbstractUser):
    """A person who signs in. Citizens never have an account."""

    full_name = models.CharField(_("full name"), max_length=80, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    title = models.CharField(_("position"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class Role(models.TextChoices):
    LEADER = "leader", _("Leading group member")
    OFFICE = "office", _("Office supervisor")
    INSPECTOR = "inspector", _("Inspector")
    UNIT_HEAD = "unit_head", _("Unit head")
    LIAISON = "liaison", _("Unit liaison")
    VIEWER = "viewer", _("Viewer")


class RoleGrant(models.Model):
    """A role a person holds over a unit and everything below it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="grants", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_role_grant")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
