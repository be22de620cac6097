"""web store: resident sessions and rate-limit counters shared by every web process

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-26 10:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('webstoreentry',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('webstoreentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webstoreentry_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('webstoreentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webstoreentry_expires_at'))

    op.drop_table('webstoreentry')
