from flask import Blueprint

bp = Blueprint("managers", __name__, url_prefix="/managers")

from app.managers import jobs, routes  # noqa: E402,F401
