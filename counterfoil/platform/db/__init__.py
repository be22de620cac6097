"""Database: engines and sessions, the tables, and their migrations."""

from counterfoil.platform.db.engine import make_engine, session_scope
from counterfoil.platform.db.migrate import migrate

__all__ = ["make_engine", "migrate", "session_scope"]
