"""reconciliation

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-26 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('reconciliationrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('ours', sa.Integer(), nullable=False),
    sa.Column('theirs', sa.Integer(), nullable=False),
    sa.Column('differences', sa.Integer(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ran_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('council_id', 'business_date')
    )
    with op.batch_alter_table('reconciliationrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliationrun_council_id'), ['council_id'], unique=False)

    op.create_table('reconciliationdifference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('our_amount', sa.Integer(), nullable=True),
    sa.Column('their_amount', sa.Integer(), nullable=True),
    sa.Column('our_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('their_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliationrun.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconciliationdifference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliationdifference_run_id'), ['run_id'], unique=False)

    op.create_table('financesettings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('council_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('financesettings')
    with op.batch_alter_table('reconciliationdifference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliationdifference_run_id'))

    op.drop_table('reconciliationdifference')
    with op.batch_alter_table('reconciliationrun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliationrun_council_id'))

    op.drop_table('reconciliationrun')
