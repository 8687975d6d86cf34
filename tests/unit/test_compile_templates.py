"""A server compiles every template as it starts (wsgi.py), so no visitor waits for Jinja."""

from unittest import mock

from app import compile_templates


def test_after_start_no_page_compiles_a_template(app):
    compiled = compile_templates(app)
    assert compiled == len([n for n in app.jinja_env.list_templates() if n.endswith(".html")]) > 100
    with mock.patch.object(app.jinja_env, "compile", side_effect=AssertionError("compiled on a view")):
        for name in ("dashboard/learning.html", "assess/section.html", "errors/404.html"):
            app.jinja_env.get_template(name)


def test_wsgi_builds_the_app_with_its_templates_compiled():
    import wsgi

    env = wsgi.app.jinja_env
    with mock.patch.object(env, "compile", side_effect=AssertionError("compiled on a view")):
        for name in ("dashboard/skills.html", "learn/plan.html", "base.html"):
            env.get_template(name)
