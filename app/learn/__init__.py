from flask import Blueprint

bp = Blueprint("learn", __name__, url_prefix="/learn")

from app.learn import jobs, routes  # noqa: E402,F401
