"""`boai fixtures load`: the pilot data, loaded through the service's own code paths."""

from service.seed.loader import FIXTURES_DIR, load_fixtures

__all__ = ["FIXTURES_DIR", "load_fixtures"]
