"""Vector queries on documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from stack_db.models import Document


@dataclass(frozen=True)
class Neighbour:
    id: int
    content: str
    distance: float


def store_document(session: Session, content: str, embedding: list[float]) -> Document:
    document = Document(content=content, embedding=embedding)
    session.add(document)
    session.commit()
    session.refresh(document)
    return document


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
