"""The one module that builds an app at import: ``gunicorn wsgi:app`` or ``flask --app wsgi``. A server's
worker compiles every template as it starts (``compile_templates``), not on its first requests."""

from app import compile_templates, create_app

app = create_app()
compile_templates(app)
