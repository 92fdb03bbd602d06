from tests.engine.flow import checkpoint  # noqa: F401  (fixture)
