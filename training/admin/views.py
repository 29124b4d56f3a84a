"""The admin area. Every view here is for admins only (guarded once, for the whole blueprint)."""
from flask import Blueprint, render_template

from ..models import Role
from ..policy import require_role

bp = Blueprint("admin", __name__)
require_role(bp, Role.ADMIN)


@bp.route("/")
def index():
    return render_template("admin/index.html")
