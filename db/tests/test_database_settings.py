from __future__ import annotations

import pytest
from stack_db.database_settings import DatabaseSettings


@pytest.mark.parametrize(
    "given",
    [
        "postgres://u:p@db:5433/app",
        "postgresql://u:p@db:5433/app",
        "postgresql+psycopg2://u:p@db:5433/app",
    ],
)
def test_sqlalchemy_always_gets_the_psycopg3_driver(given: str) -> None:
    url = DatabaseSettings(database_url=given).sqlalchemy_url
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "u",
        "p",
        "db",
        5433,
        "app",
    )


def test_url_from_parts_escapes_the_password() -> None:
    settings = DatabaseSettings(
        postgres_host="db", postgres_user="app", postgres_password="p@ss:/word", postgres_db="x"
    )
    url = settings.sqlalchemy_url
    assert url.password == "p@ss:/word"
    assert url.render_as_string(hide_password=False).startswith("postgresql+psycopg://app:p%40ss")


def test_url_without_password_takes_postgres_password() -> None:
    settings = DatabaseSettings(database_url="postgresql://u@db/app", postgres_password="s3cret")
    assert settings.sqlalchemy_url.password == "s3cret"


def test_url_with_password_needs_no_separate_password() -> None:
    assert DatabaseSettings(database_url="postgresql://u:p@db/app").postgres_password is None
