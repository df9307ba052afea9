"""Subtree queries over the jurisdiction tree (a principal sees only its own subtree).

Each node stores its materialised ``path`` (``"990100/990102/990102001/"``), byte-wise collated
and indexed: "is X inside Y's subtree" is one query over two primary-key lookups, and "every node
under Y" is one index range scan. Other tables filter by subtree with ``in_subtree`` on a join.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from core.models import Jurisdiction


def path_range(ancestor_path: str) -> tuple[str, str]:
    """The byte-wise range ``[lo, hi)`` holding exactly the paths that start with ``ancestor_path``."""
    if not ancestor_path:
        raise ValueError("empty ancestor path")
    return ancestor_path, ancestor_path[:-1] + chr(ord(ancestor_path[-1]) + 1)


def in_subtree(path_column: ColumnElement[str] | Mapped[str], ancestor_path: str) -> ColumnElement[bool]:
    """SQL condition: ``path_column`` lies in the subtree rooted at the node with ``ancestor_path``.

    Written as a range (not ``LIKE``) so it uses the index on SQLite and PostgreSQL alike.
    """
    lo, hi = path_range(ancestor_path)
    return sa.and_(path_column >= lo, path_column < hi)


def is_within(session: Session, code: str, ancestor_code: str) -> bool:
    """Whether node ``code`` is ``ancestor_code`` or one of its descendants (one query)."""
    node = aliased(Jurisdiction, name="node")
    ancestor = aliased(Jurisdiction, name="ancestor")
    node_path = col(node.path)
    ancestor_path = col(ancestor.path)
    stmt = (
        select(sa.literal(1))
        .select_from(node)
        .join(ancestor, col(ancestor.code) == ancestor_code)
        .where(
            col(node.code) == code,
            sa.func.substr(node_path, 1, sa.func.length(ancestor_path)) == ancestor_path,
        )
    )
    return session.exec(stmt).first() is not None


def subtree(session: Session, ancestor_code: str) -> Sequence[Jurisdiction]:
    """The node ``ancestor_code`` and all its descendants, in path order (parents first).

    An unknown code gives an empty list.
    """
    root = session.get(Jurisdiction, ancestor_code)
    if root is None:
        return []
    stmt = select(Jurisdiction).where(in_subtree(col(Jurisdiction.path), root.path)).order_by(col(Jurisdiction.path))
    return session.exec(stmt).all()


def subtree_codes(session: Session, ancestor_code: str) -> list[str]:
    """Codes of ``subtree(session, ancestor_code)``."""
    return [node.code for node in subtree(session, ancestor_code)]


def ancestors(session: Session, code: str) -> list[str]:
    """Codes from the root down to ``code`` itself (empty for an unknown code)."""
    node = session.get(Jurisdiction, code)
    if node is None:
        return []
    return node.path.rstrip("/").split("/")
