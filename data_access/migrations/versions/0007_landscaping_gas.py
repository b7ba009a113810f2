"""园林绿化 and 燃气安全 boards (issue 9): land zones, population, green spaces, trees, inspections;
gas users, 入户安检, LPG cylinders, gas alarm handling

Revision ID: 0007
Revises: 0005
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ancient_trees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('species', sa.String(length=24), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('age_years', sa.Integer(), nullable=False),
    sa.Column('protection', sa.String(length=12), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('place', sa.String(length=64), nullable=False),
    sa.Column('height_m', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_ancient_trees_region_grade', 'ancient_trees', ['region_code', 'grade'], unique=False)
    op.create_table('gas_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('supply', sa.String(length=12), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_gas_users_region_kind', 'gas_users', ['region_code', 'kind'], unique=False)
    op.create_table('green_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('work', sa.String(length=12), nullable=False),
    sa.Column('target', sa.String(length=24), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('problems', sa.Integer(), nullable=False),
    sa.Column('inspector', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_green_inspections_planned', 'green_inspections', ['planned_on', 'region_code'], unique=False)
    op.create_table('green_spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('park_class', sa.String(length=16), nullable=True),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('opened_year', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_green_spaces_region_kind', 'green_spaces', ['region_code', 'kind'], unique=False)
    op.create_table('land_zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_land_zones_region_kind', 'land_zones', ['region_code', 'kind'], unique=False)
    op.create_table('region_population',
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('region_code', 'year')
    )
    op.create_table('street_trees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('species', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('road', sa.String(length=64), nullable=False),
    sa.Column('planted_year', sa.Integer(), nullable=False),
    sa.Column('dbh_cm', sa.Float(), nullable=False),
    sa.Column('crown_m', sa.Float(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_street_trees_region_species', 'street_trees', ['region_code', 'species'], unique=False)
    op.create_table('gas_user_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('inspected_at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('defects', sa.Integer(), nullable=False),
    sa.Column('defect', sa.String(length=64), nullable=True),
    sa.Column('fixed_at', sa.DateTime(), nullable=True),
    sa.Column('inspector', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.ForeignKeyConstraint(['user_id'], ['gas_users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_gas_user_inspections_at', 'gas_user_inspections', ['inspected_at', 'region_code'], unique=False)
    op.create_index('ix_gas_user_inspections_user', 'gas_user_inspections', ['user_id', 'inspected_at'], unique=False)
    op.create_table('lpg_cylinders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('size_kg', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filled_at', sa.DateTime(), nullable=False),
    sa.Column('next_test_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.ForeignKeyConstraint(['user_id'], ['gas_users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_lpg_cylinders_region_status', 'lpg_cylinders', ['region_code', 'status'], unique=False)
    op.create_table('gas_alarm_handling',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=False),
    sa.Column('handler', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['gas_events.id'], ),
    sa.PrimaryKeyConstraint('event_id')
    )


def downgrade() -> None:
    op.drop_table('gas_alarm_handling')
    op.drop_index('ix_lpg_cylinders_region_status', table_name='lpg_cylinders')
    op.drop_table('lpg_cylinders')
    op.drop_index('ix_gas_user_inspections_user', table_name='gas_user_inspections')
    op.drop_index('ix_gas_user_inspections_at', table_name='gas_user_inspections')
    op.drop_table('gas_user_inspections')
    op.drop_index('ix_street_trees_region_species', table_name='street_trees')
    op.drop_table('street_trees')
    op.drop_table('region_population')
    op.drop_index('ix_land_zones_region_kind', table_name='land_zones')
    op.drop_table('land_zones')
    op.drop_index('ix_green_spaces_region_kind', table_name='green_spaces')
    op.drop_table('green_spaces')
    op.drop_index('ix_green_inspections_planned', table_name='green_inspections')
    op.drop_table('green_inspections')
    op.drop_index('ix_gas_users_region_kind', table_name='gas_users')
    op.drop_table('gas_users')
    op.drop_index('ix_ancient_trees_region_grade', table_name='ancient_trees')
    op.drop_table('ancient_trees')
