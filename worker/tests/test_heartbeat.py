from __future__ import annotations

import logging
from unittest.mock import MagicMock

import pytest
import redis
from stack_worker import heartbeat
from stack_worker.contract import WORKER_HEARTBEAT_KEY


def make_consumer() -> MagicMock:
    consumer = MagicMock()
    consumer.hostname = "celery@w1"
    consumer.app.conf = {
        "broker_url": "redis://:pw@redis:6379/0",
        "redis_socket_timeout": 2.0,
        "redis_socket_connect_timeout": 2.0,
        heartbeat.HEARTBEAT_SECONDS_SETTING: 5.0,
    }
    consumer.app.conf = MagicMock(**consumer.app.conf, get=consumer.app.conf.get)
    return consumer


def test_start_beats_at_once_and_on_the_consumer_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    client = MagicMock()
    monkeypatch.setattr(heartbeat.redis.Redis, "from_url", MagicMock(return_value=client))
    consumer = make_consumer()
    step = heartbeat.WorkerHeartbeat(MagicMock())
    step.start(consumer)
    pipe = client.pipeline.return_value
    pipe.zadd.assert_called_once()
    key, members = pipe.zadd.call_args.args
    assert key == WORKER_HEARTBEAT_KEY
    assert list(members) == ["celery@w1"]
    interval, function, args = consumer.timer.call_repeatedly.call_args.args
    assert (interval, function, args) == (5.0, step.beat, ("celery@w1",))

    step.stop(consumer)
    client.zrem.assert_called_once_with(WORKER_HEARTBEAT_KEY, "celery@w1")
    consumer.timer.call_repeatedly.return_value.cancel.assert_called_once()
    client.close.assert_called_once()


def test_a_redis_outage_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    step = heartbeat.WorkerHeartbeat(MagicMock())
    step.client = MagicMock()
    step.client.pipeline.return_value.execute.side_effect = redis.ConnectionError("refused")
    with caplog.at_level(logging.WARNING):
        step.beat("celery@w1")
    assert "heartbeat not recorded: refused" in caplog.text


def test_stop_survives_redis_being_down() -> None:
    step = heartbeat.WorkerHeartbeat(MagicMock())
    client = MagicMock()
    client.zrem.side_effect = redis.ConnectionError("refused")
    step.client = client
    step.stop(make_consumer())
    client.close.assert_called_once()
    assert step.client is None
    step.beat("celery@w1")  # after stop: nothing to do, no error
