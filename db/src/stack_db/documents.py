"""Vector queries on documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from stack_db.models import Document


@dataclass(frozen=True)
class Neighbour:
    id: int
    content: str
    distance: float


def store_document(
    session: Session,
    content: str,
    embedding: list[float],
    task_id: str | None = None,
    *,
    commit: bool = True,
) -> Document:
    """Store a document. With a task id, at most once: storing again under the
    same id returns the row the first run stored. `commit=False` leaves the
    transaction open, so that the caller commits the row with what else the
    task writes (its outcome)."""
    if task_id is None:
        document = Document(content=content, embedding=embedding)
        session.add(document)
        session.commit()
        session.refresh(document)
        return document
    session.exec(
        insert(Document)
        .values(content=content, embedding=embedding, task_id=task_id)
        .on_conflict_do_nothing(index_elements=["task_id"])
    )
    if commit:
        session.commit()
    return session.exec(select(Document).where(Document.task_id == task_id)).one()


def nearest_documents(
    session: Session, embedding: list[float], limit: int = 1, exclude_id: int | None = None
) -> list[Neighbour]:
    """The stored documents closest to `embedding` by Euclidean distance."""
    distance = col(Document.embedding).l2_distance(embedding)  # type: ignore[attr-defined]
    query = select(col(Document.id), Document.content, distance).order_by(distance).limit(limit)
    if exclude_id is not None:
        query = query.where(Document.id != exclude_id)
    neighbours = []
    for document_id, content, distance_value in session.exec(query).all():
        assert document_id is not None  # stored rows always have their key
        neighbours.append(Neighbour(document_id, content, float(distance_value)))
    return neighbours
