from flask import Blueprint

bp = Blueprint("paths", __name__, url_prefix="/paths")

from app.paths import routes  # noqa: E402,F401
