"""Database settings: one URL or its parts, pool options, the embedding dimension."""

from __future__ import annotations

from typing import Self

from pydantic import Field, PostgresDsn, SecretStr, model_validator
from sqlalchemy.engine import URL, make_url

from stack_db.base_settings import StackSettings

# SQLAlchemy picks the driver from the scheme; we always want psycopg 3.
_PSYCOPG_DRIVER = "postgresql+psycopg"


class DatabaseSettings(StackSettings):
    database_url: PostgresDsn | None = Field(
        default=None,
        description="A full `postgresql://user:password@host:port/db` URL instead of the "
        "`POSTGRES_*` parts (the `db` container still uses those). The driver is always "
        "psycopg 3; without a password in the URL, `POSTGRES_PASSWORD` is used.",
    )
    postgres_host: str = Field(
        default="localhost",
        description="Host name of Postgres; `.env.example`: `db`, the Compose service.",
    )
    postgres_port: int = Field(
        default=5432,
        ge=1,
        le=65535,
        description="Port the services connect to. The `db` container always listens on 5432.",
    )
    postgres_user: str = Field(
        default="stack",
        description="The role a service logs in as. In `.env`: the database's owner, which "
        "`db-init` migrates as; Compose gives the API and the worker `POSTGRES_APP_USER` "
        "instead. `db` creates it only when it initialises an empty volume.",
    )
    postgres_password: SecretStr | None = Field(
        default=None,
        description="Password of that role (unless `DATABASE_URL` carries one); the API and "
        "the worker get `POSTGRES_APP_PASSWORD` instead. `db` sets it only when it "
        "initialises an empty volume. Compose refuses to start when it is unset; empty means "
        "from a [secret file](#secrets-as-files).",
    )
    postgres_db: str = Field(
        default="stack",
        description="The application database; `db` creates it, with the `vector` extension, "
        "when it initialises an empty volume.",
    )

    db_pool_size: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Connections each process keeps in its pool (1 to 100).",
    )
    db_pool_max_overflow: int = Field(
        default=5,
        ge=0,
        le=100,
        description="Extra connections a process may open beyond the pool (0 to 100).",
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Seconds to wait for a free pooled connection."
    )
    db_connect_timeout_seconds: int = Field(
        default=5, ge=1, le=60, description="Seconds to wait for a new connection (1 to 60)."
    )
    db_statement_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds a statement of the API or the worker may run before Postgres "
        "cancels it (`statement_timeout`).",
    )
    db_init_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds `db-init` waits for Postgres before it fails.",
    )

    # pgvector's `vector` type holds at most 16000 dimensions.
    embedding_dimension: int = Field(
        default=3,
        ge=1,
        le=16000,
        description="Dimension of `document.embedding` (1 to 16000; the HNSW index is made only "
        "up to 2000). The first migration creates the column with it; afterwards `db-init` "
        "fails if it differs from the column, and `POST /tasks/nearest` answers 422 to an "
        "embedding of another length.",
    )

    @model_validator(mode="after")
    def _require_a_password(self) -> Self:
        if self.postgres_password is None and (
            self.database_url is None or not self.database_url.hosts()[0].get("password")
        ):
            raise ValueError(
                "POSTGRES_PASSWORD is not set: add it to .env (see .env.example) or the "
                "environment, or give DATABASE_URL with a password"
            )
        return self

    @property
    def sqlalchemy_url(self) -> URL:
        """The URL SQLAlchemy gets, always with the psycopg 3 driver."""
        if self.database_url is not None:
            url = make_url(str(self.database_url)).set(drivername=_PSYCOPG_DRIVER)
            if url.password is None and self.postgres_password is not None:
                url = url.set(password=self.postgres_password.get_secret_value())
            return url
        assert self.postgres_password is not None  # guaranteed by the validator
        return URL.create(
            _PSYCOPG_DRIVER,
            username=self.postgres_user,
            password=self.postgres_password.get_secret_value(),
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )
