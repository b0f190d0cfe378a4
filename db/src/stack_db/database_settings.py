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
        default=None, description="Full URL; when set it wins over the POSTGRES_* parts."
    )
    postgres_host: str = "localhost"
    postgres_port: int = Field(default=5432, ge=1, le=65535)
    postgres_user: str = "stack"
    postgres_password: SecretStr | None = None
    postgres_db: str = "stack"

    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_pool_max_overflow: int = Field(default=5, ge=0, le=100)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=60)
    db_init_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)

    # pgvector's `vector` type holds at most 16000 dimensions.
    embedding_dimension: int = Field(default=3, ge=1, le=16000)

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
