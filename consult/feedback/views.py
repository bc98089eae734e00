"""Placeholder participant pages; the feedback feature replaces them."""

from flask import Blueprint, abort

bp = Blueprint("feedback", __name__)


@bp.route("/c/<int:consultation_id>")
def consultation_overview(consultation_id: int):
    abort(501)


@bp.route("/c/<int:consultation_id>/sections/<int:section_id>")
def show_section(consultation_id: int, section_id: int):
    abort(501)


@bp.route("/c/<int:consultation_id>/strategies/<int:strategy_id>")
def show_strategy(consultation_id: int, strategy_id: int):
    abort(501)


@bp.route("/my-input")
def my_input():
    abort(501)
