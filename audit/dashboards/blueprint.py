"""The reports blueprint, shared by the dashboard and the download views."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
