"""Test data: the app's factory (core/factory.py) with the tests' password, and the bits only tests need.

The builders make the data most tests start from (a pooled subject, a listed one, an agency, an approved agency, an
application ready to submit); each takes keyword overrides and opens a connection only when none is open, so tests
may call them inside or outside one."""
from core import factory

PASSWORD = "Testing12345"


class Factory(factory.Factory):
    """core.factory.Factory whose users log in with PASSWORD; given the app, it stores files outside a context."""

    def __init__(self, app=None):
        super().__init__(password=PASSWORD, app=app)


factory = Factory()  # for module-level helpers that have no `make` at hand
make_agency = factory.agency
