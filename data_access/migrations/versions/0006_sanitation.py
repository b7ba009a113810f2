"""市容环卫 board (issue 9): sanitation vehicles and their daily totals, road cleaning areas,
waste collected per day, transfer stations and their throughput, public toilets

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('public_toilets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('stalls', sa.Integer(), nullable=False),
    sa.Column('open_hours', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_public_toilets_region_status', 'public_toilets', ['region_code', 'status'], unique=False)
    op.create_table('sanitation_cleaning_areas',
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('road_area_m2', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('region_code')
    )
    op.create_table('sanitation_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('route_name', sa.String(length=64), nullable=False),
    sa.Column('route', sa.Text(), nullable=False),
    sa.Column('route_length_m', sa.Float(), nullable=False),
    sa.Column('route_m', sa.Float(), nullable=False),
    sa.Column('plan_km', sa.Float(), nullable=False),
    sa.Column('plan_area_m2', sa.Float(), nullable=False),
    sa.Column('width_m', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('speed_kmh', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('fix_at', sa.DateTime(), nullable=False),
    sa.Column('commissioned', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plate')
    )
    op.create_index('ix_sanitation_vehicles_region_status', 'sanitation_vehicles', ['region_code', 'status'], unique=False)
    op.create_table('transfer_stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('capacity_t', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index(op.f('ix_transfer_stations_region_code'), 'transfer_stations', ['region_code'], unique=False)
    op.create_table('waste_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('waste_class', sa.String(length=12), nullable=False),
    sa.Column('tonnes', sa.Float(), nullable=False),
    sa.Column('recycled_t', sa.Float(), nullable=False),
    sa.Column('harmless_t', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'region_code', 'waste_class')
    )
    op.create_table('sanitation_vehicle_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('km', sa.Float(), nullable=False),
    sa.Column('plan_km', sa.Float(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('plan_area_m2', sa.Float(), nullable=False),
    sa.Column('work_hours', sa.Float(), nullable=False),
    sa.Column('trips', sa.Integer(), nullable=False),
    sa.Column('tonnes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['vehicle_id'], ['sanitation_vehicles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('vehicle_id', 'day')
    )
    op.create_index('ix_sanitation_vehicle_days_day', 'sanitation_vehicle_days', ['day'], unique=False)
    op.create_table('transfer_station_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('tonnes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['transfer_stations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('station_id', 'day')
    )
    op.create_index('ix_transfer_station_days_day', 'transfer_station_days', ['day'], unique=False)
    


def downgrade() -> None:
    op.drop_index('ix_transfer_station_days_day', table_name='transfer_station_days')
    op.drop_table('transfer_station_days')
    op.drop_index('ix_sanitation_vehicle_days_day', table_name='sanitation_vehicle_days')
    op.drop_table('sanitation_vehicle_days')
    op.drop_table('waste_days')
    op.drop_index(op.f('ix_transfer_stations_region_code'), table_name='transfer_stations')
    op.drop_table('transfer_stations')
    op.drop_index('ix_sanitation_vehicles_region_status', table_name='sanitation_vehicles')
    op.drop_table('sanitation_vehicles')
    op.drop_table('sanitation_cleaning_areas')
    op.drop_index('ix_public_toilets_region_status', table_name='public_toilets')
    op.drop_table('public_toilets')
    
