"""Placeholder endpoints used by base.html; the auth feature replaces them."""

from flask import Blueprint, abort

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    abort(501)


@bp.post("/logout")
def logout():
    abort(501)


@bp.route("/account")
def account():
    abort(501)
