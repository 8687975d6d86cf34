from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

from app.evaluation import jobs, routes  # noqa: E402,F401
