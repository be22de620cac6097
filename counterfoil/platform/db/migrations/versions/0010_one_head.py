"""one head again: the branches that areas added from 0003 (payment accounts, reconciliation, the
web store, retention, refund records) meet here, so the next migration has a single parent

Revision ID: 0010
Revises: 0004, 0005, 0006, 0007, 0009
Create Date: 2026-11-26 12:30:00.000000

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = ('0004', '0005', '0006', '0007', '0009')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: the merge only joins the branches."""
