"""Organisation: area levels, unit kinds, roles and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass

from gridloop.kernel.labels import LabeledEnum


class Level(LabeledEnum):
    """The five area levels, top to bottom."""

    CITY = ("city", "市", "City")
    DISTRICT = ("district", "区", "District")
    STREET = ("street", "街镇", "Street/town")
    COMMUNITY = ("community", "村居", "Community")
    GRID = ("grid", "网格", "Grid")

    @property
    def depth(self) -> int:
        """0 for city … 4 for grid."""
        return list(Level).index(self)


class UnitKind(LabeledEnum):
    """What a unit is: an area's own office (operations centre), a functional department, or another body."""

    AREA = ("area", "属地", "Area office")
    DEPARTMENT = ("department", "职能部门", "Department")
    ENTERPRISE = ("enterprise", "公共服务企业", "Public-service enterprise")


class Role(LabeledEnum):
    """The roles a person can hold; each is bound to one unit."""

    OPERATOR = ("operator", "话务员", "Operator", "#0ea5e9")
    DISPATCHER = ("dispatcher", "派单员", "Dispatcher", "#6366f1")
    HANDLER = ("handler", "承办人", "Handler", "#10b981")
    GRID_WORKER = ("grid_worker", "网格员", "Grid worker", "#84cc16")
    SUPERVISOR = ("supervisor", "督办员", "Supervisor", "#f59e0b")
    ADMIN = ("admin", "管理员", "Administrator", "#ef4444")
    ANALYST = ("analyst", "分析员", "Analyst", "#8b5cf6")
    KB_EDITOR = ("kb_editor", "知识库编辑", "KB editor", "#0d9488")


class Permission(LabeledEnum):
    """Capabilities granted to roles (the table ROLE_PERMISSIONS below)."""

    VIEW_PERSONAL_DATA = ("view_personal_data", "查看个人信息", "View personal data")
    CREATE_CASE = ("create_case", "受理工单", "Create cases")
    MANAGE_ORG = ("manage_org", "管理组织与用户", "Manage organisation and users")
    VIEW_KPIS = ("view_kpis", "查看绩效", "View KPIs")
    EXPORT = ("export", "导出", "Export")
    MANAGE_CATALOGUE = ("manage_catalogue", "维护派单目录", "Manage dispatch catalogue")


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.VIEW_PERSONAL_DATA, Permission.CREATE_CASE, Permission.EXPORT}),
    Role.DISPATCHER: frozenset(
        {
            Permission.VIEW_PERSONAL_DATA,
            Permission.CREATE_CASE,
            Permission.EXPORT,
            Permission.MANAGE_CATALOGUE,
        }
    ),
    # Handling units contact the citizen (先行联系), so they see the phone number of their own cases.
    Role.HANDLER: frozenset({Permission.VIEW_PERSONAL_DATA}),
    Role.GRID_WORKER: frozenset({Permission.CREATE_CASE}),
    Role.SUPERVISOR: frozenset({Permission.VIEW_KPIS, Permission.EXPORT}),
    Role.ADMIN: frozenset(set(Permission)),
    Role.ANALYST: frozenset({Permission.VIEW_KPIS, Permission.EXPORT}),
    # Knowledge-base editors edit and publish articles (of their department) and read the gaps report; no cases.
    Role.KB_EDITOR: frozenset(),
}


def has_permission(role: Role, permission: Permission) -> bool:
    """Whether a role carries a permission."""
    return permission in ROLE_PERMISSIONS[role]


class ScopeRule(LabeledEnum):
    """How a role's visibility is computed from its unit."""

    ASSIGNED = ("assigned", "本单位及下级承办的工单", "Cases assigned to the unit subtree")
    AREA_OR_ASSIGNED = (
        "area_or_assigned",
        "辖区内或本单位承办的工单",
        "Cases in the area or assigned to the subtree",
    )


ROLE_SCOPE: dict[Role, ScopeRule] = {
    Role.OPERATOR: ScopeRule.AREA_OR_ASSIGNED,
    Role.DISPATCHER: ScopeRule.AREA_OR_ASSIGNED,
    Role.HANDLER: ScopeRule.ASSIGNED,
    Role.GRID_WORKER: ScopeRule.AREA_OR_ASSIGNED,
    Role.SUPERVISOR: ScopeRule.AREA_OR_ASSIGNED,
    Role.ADMIN: ScopeRule.AREA_OR_ASSIGNED,
    Role.ANALYST: ScopeRule.AREA_OR_ASSIGNED,
    Role.KB_EDITOR: ScopeRule.ASSIGNED,
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, their role and the path of their unit in the unit tree."""

    user_id: int
    username: str
    role: Role
    unit_id: int
    unit_path: str

    def can(self, permission: Permission) -> bool:
        """Whether this actor holds a permission."""
        return has_permission(self.role, permission)


def unit_path(parent_path: str | None, unit_id: int) -> str:
    """Materialised path of a unit: '/1/5/23/' (ancestors then itself)."""
    return f"{parent_path or '/'}{unit_id}/"


def subtree_pattern(path: str) -> str:
    """The LIKE pattern matching a unit path and every path below it ('/1/90/' → '/1/90/%')."""
    if not path or any(ch not in "0123456789/" for ch in path):
        raise ValueError(f"not a unit path: {path!r}")
    return path + "%"


def is_within(path: str, ancestor_path: str) -> bool:
    """Whether the unit at `path` is `ancestor_path` or below it."""
    return path.startswith(ancestor_path)


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number as 138****5678 (keeps 3 leading, 4 trailing digits)."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    """Mask a personal name as 张* / 欧阳** (first character kept)."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
