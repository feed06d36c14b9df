"""Staff roles and the decorators that guard views by role."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.types import LabelledEnum


class Role(LabelledEnum):
    FRONT_DESK = "front_desk", _l("안내데스크")
    CASEWORKER = "caseworker", _l("사례관리자")
    MANAGER = "manager", _l("센터 관리자")
    ADMIN = "admin", _l("시스템 관리자")


def roles_required(*roles: Role):
    """Allow the view only to signed-in staff whose role is one of ``roles``.

    :raise 403: signed in with another role.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def allowed_if(rule: Callable[[Any], bool]):
    """Allow the view only to signed-in staff for whom ``rule(staff)`` holds — a feature's
    ``may_*`` function, the same one its templates and services ask.

    :raise 403: signed in, and the rule says no.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not rule(current_user._get_current_object()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
