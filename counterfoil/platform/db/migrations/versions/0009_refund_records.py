"""refund records: each provider refund and its asynchronous outcome; ledger kinds up to 16
characters (refund_failed)

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-26 11:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('refundrecord',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('provider_refund_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('settled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('refundrecord', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refundrecord_submission_id'), ['submission_id'], unique=False)
    with op.batch_alter_table('ledgerposting', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sqlmodel.sql.sqltypes.AutoString(length=8), type_=sqlmodel.sql.sqltypes.AutoString(length=16), existing_nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ledgerposting', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sqlmodel.sql.sqltypes.AutoString(length=16), type_=sqlmodel.sql.sqltypes.AutoString(length=8), existing_nullable=False)
    with op.batch_alter_table('refundrecord', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refundrecord_submission_id'))
    op.drop_table('refundrecord')
