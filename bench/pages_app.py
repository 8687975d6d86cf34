"""The app as gunicorn serves it for bench/pages.py, plus ``/__hello``: the floor every page is measured
against (the same server, workers and middleware, no database, no template).

    gunicorn bench.pages_app:app        # with DATABASE_URL set
"""

from wsgi import app


@app.get("/__hello")
def hello() -> str:
    return "hello"
