"""merge the three board branches (市容环卫 0006, 园林绿化/燃气安全 0007, 城管执法/城管形象 0008)

Revision ID: 0009
Revises: 0006, 0007, 0008
"""
from typing import Sequence, Union

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = ("0006", "0007", "0008")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
