"""Placeholder; the plans feature replaces it."""

from flask import Blueprint, abort

bp = Blueprint("plans", __name__)


@bp.route("/c/")
def list_consultations():
    abort(501)
