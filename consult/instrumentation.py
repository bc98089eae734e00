"""Benchmark instrumentation, switched on only by config BENCH_MODE.

Adds an X-Query-Count header (SQL statements run for the request) and a constant
reference page, /bench/ceiling: the base template for a logged-in user with no data of
its own, the throughput ceiling every page is compared with.
"""

from flask import Blueprint, Flask, g, render_template
from flask_login import login_required
from sqlalchemy import event

from consult.extensions import db

bp = Blueprint("bench", __name__)


@bp.get("/bench/ceiling")
@login_required
def ceiling():
    return render_template("core/ceiling.html")


def register_bench_hooks(app: Flask) -> None:
    app.register_blueprint(bp)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count_query(conn, cursor, statement, parameters, context, executemany):
        if "query_count" in g:
            g.query_count += 1

    @app.before_request
    def start_counting():
        g.query_count = 0

    @app.after_request
    def report_count(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
