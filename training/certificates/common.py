"""The certificates blueprint, shared by its view modules."""
from flask import Blueprint

bp = Blueprint("certificates", __name__)
