from __future__ import annotations

from stack_db.database_settings import DatabaseSettings
from stack_worker import database
from stack_worker.celery_app import VISIBILITY_MARGIN_SECONDS, create_worker_app
from stack_worker.contract import BrokerSettings, create_publisher
from stack_worker.settings import WorkerSettings

DATABASE = DatabaseSettings(postgres_password="pw")


def test_worker_app_is_configured_for_reliable_delivery() -> None:
    settings = WorkerSettings(
        redis_url="redis://redis:6379/0", redis_password="pw", worker_concurrency=3
    )
    conf = create_worker_app(settings, DATABASE).conf
    assert conf.broker_url == "redis://:pw@redis:6379/0"
    assert conf.result_backend == "redis://:pw@redis:6379/0"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_concurrency == 3
    assert conf.broker_connection_retry_on_startup is True
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.result_extended is True
    # Task events cost three messages a task: sent only once Flower asks.
    assert conf.worker_send_task_events is False


def test_worker_app_registers_its_tasks_heartbeat_and_database() -> None:
    settings = WorkerSettings(redis_password="pw", worker_heartbeat_seconds=7)
    app = create_worker_app(settings, DATABASE)
    app.loader.import_default_modules()
    assert {"stack.ping", "stack.store_and_find_nearest"} <= set(app.tasks)
    assert app.conf.stack_worker_heartbeat_seconds == 7.0
    assert any(step.__name__ == "WorkerHeartbeat" for step in app.steps["consumer"])
    assert database.engine().url.password == "pw"


def test_publisher_app_fails_fast_and_has_no_worker_options() -> None:
    settings = BrokerSettings(redis_password="pw", redis_socket_timeout_seconds=1.5)
    conf = create_publisher(settings, name="api").conf
    assert conf.broker_transport_options["socket_timeout"] == 1.5
    assert conf.redis_socket_timeout == 1.5
    assert conf.task_publish_retry_policy["max_retries"] == 2
    assert conf.task_acks_late is False
    assert conf.accept_content == ["json"]


def test_producer_and_worker_agree_on_the_broker() -> None:
    settings = WorkerSettings(redis_url="redis://redis:6379/2", redis_password="pw")
    worker = create_worker_app(settings, DATABASE).conf
    publisher = create_publisher(settings).conf
    for key in ("broker_url", "result_backend", "task_serializer", "accept_content"):
        assert worker[key] == publisher[key], key


def test_a_crashed_workers_tasks_return_soon_after_the_time_limit() -> None:
    settings = WorkerSettings(
        redis_password="pw", task_soft_time_limit_seconds=10, task_time_limit_seconds=20
    )
    options = create_worker_app(settings, DATABASE).conf.broker_transport_options
    assert options["visibility_timeout"] == 20 + VISIBILITY_MARGIN_SECONDS
    assert options["unacked_restore_interval"] <= 10
    assert options["unacked_restore_throttle"] == 1
    assert options["socket_timeout"] == settings.redis_socket_timeout_seconds


def test_a_published_task_carries_the_request_id_in_effect() -> None:
    from asgi_correlation_id import correlation_id
    from stack_worker.contract import REQUEST_ID_HEADER, send_request_id

    headers: dict[str, object] = {}
    send_request_id(headers=headers)
    assert headers == {}  # outside a request: nothing
    token = correlation_id.set("r-2")
    try:
        send_request_id(headers=headers)
    finally:
        correlation_id.reset(token)
    assert headers == {REQUEST_ID_HEADER: "r-2"}
