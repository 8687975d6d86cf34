"""The one module that builds an app at import: ``gunicorn wsgi:app`` or ``flask --app wsgi``."""

from app import create_app

app = create_app()
