"""The queue, search and the inquiry page; every POST calls one service and redirects."""

from flask import Blueprint

from desk.access import CASE_ROLES
from desk.auth import roles_required

bp = Blueprint("inquiries", __name__)
case_roles = roles_required(*CASE_ROLES)

# The view modules register their routes on `bp`.
from desk.web.inquiries import actions, detail, live, public, queue  # noqa: E402, F401
