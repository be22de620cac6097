"""State and the outside world: settings, database, councils, departments, payments, email."""

from counterfoil.platform.context import Platform
from counterfoil.platform.settings import Settings

__all__ = ["Platform", "Settings"]
