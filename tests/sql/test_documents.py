"""Documents and the vector queries against a real Postgres with pgvector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session
from stack_db.documents import nearest_documents, store_document
from stack_db.engine import create_session_factory
from stack_db.migrate import upgrade_to_head


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    upgrade_to_head(engine, embedding_dimension=3)
    with create_session_factory(engine)() as session:
        yield session


def test_a_task_stores_its_document_once(session: Session) -> None:
    first = store_document(session, "first run", [1, 2, 3], task_id="task-1")
    again = store_document(session, "second run", [4, 5, 6], task_id="task-1")
    assert again.id == first.id
    assert (again.content, list(again.embedding)) == ("first run", [1, 2, 3])
    assert session.connection().execute(text("SELECT count(*) FROM document")).scalar_one() == 1


def test_documents_without_a_task_are_each_stored(session: Session) -> None:
    a = store_document(session, "a", [0, 0, 0])
    b = store_document(session, "a", [0, 0, 0])
    assert a.id != b.id


def test_nearest_documents_by_euclidean_distance(session: Session) -> None:
    origin = store_document(session, "origin", [0, 0, 0])
    store_document(session, "far", [10, 0, 0])
    store_document(session, "near", [0, 3, 4])
    nearest = nearest_documents(session, [0, 0, 0], limit=2)
    assert [(n.content, n.distance) for n in nearest] == [("origin", 0.0), ("near", 5.0)]
    assert origin.id is not None
    without_origin = nearest_documents(session, [0, 0, 0], limit=5, exclude_id=origin.id)
    assert [n.content for n in without_origin] == ["near", "far"]


def test_no_neighbour_in_an_empty_table(session: Session) -> None:
    assert nearest_documents(session, [1, 1, 1]) == []
