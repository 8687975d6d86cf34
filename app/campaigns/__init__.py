from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

from app.campaigns import editing, jobs, routes  # noqa: E402,F401
