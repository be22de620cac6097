"""submission anonymised

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-26 10:55:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_anonymised_by'), ['anonymised_by'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_anonymised_by'))
        batch_op.drop_column('anonymised_by')
        batch_op.drop_column('anonymised_at')
