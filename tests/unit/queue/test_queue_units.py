"""Pure parts of the job queue: message format, lost-worker rule, settings, job validation."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest
from huey.registry import Message
from pydantic import ValidationError

from evaluator.errors import ConfigError
from evaluator.queue.backend import JsonMessages, redact
from evaluator.queue.config import load_queue_config
from evaluator.queue.journal import lost_reason
from evaluator.queue.model import Job, JobRecord, JobSource, JobState, ResultTarget

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _job(job_id: str = "gh-1") -> Job:
    return Job(
        id=job_id,
        source=JobSource(location="https://github.com/ada/organizer.git", ref="abc1234"),
        target=ResultTarget(kind="folder", options={"out": "/tmp/x"}),
    )


def test_task_messages_are_json_and_round_trip() -> None:
    message = Message("id-1", "capstone-eval.job", NOW, 0, 0, None, ("gh-1",), {}, None)
    data = JsonMessages().serialize(message)
    assert data.startswith(b"{")
    assert JsonMessages().deserialize(data) == message


def test_a_pickled_message_is_refused() -> None:
    # Whoever can write to the queue must not get code run by unpickling.
    with pytest.raises(ValueError, match=r"Expecting value|not a task message|utf-8"):
        JsonMessages().deserialize(pickle.dumps({"args": ()}))
    with pytest.raises(ValueError, match="not a task message"):
        JsonMessages().deserialize(b'{"id": 1, "evil": 2}')


def test_job_ids_and_targets_are_validated() -> None:
    with pytest.raises(ValidationError):
        _job("../../etc")
    with pytest.raises(ValidationError):
        ResultTarget(kind="Not A Kind")


def _running(owner: str, beat: datetime) -> JobRecord:
    return JobRecord(job=_job(), state=JobState.RUNNING, attempt=1, owner=owner,
                     heartbeat_at=beat, updated_at=beat)  # fmt: skip


def test_a_worker_on_this_host_is_judged_by_its_process() -> None:
    dead = _running("here:999999999", NOW)
    alive = _running("here:1", NOW)  # pid 1 always runs
    assert "no longer running" in (lost_reason(dead, now=NOW, lease_s=60, host="here") or "")
    assert lost_reason(alive, now=NOW, lease_s=60, host="here") is None


def test_a_worker_elsewhere_is_judged_by_its_heartbeat() -> None:
    fresh = _running("elsewhere:5", NOW - timedelta(seconds=30))
    stale = _running("elsewhere:5", NOW - timedelta(seconds=61))
    assert lost_reason(fresh, now=NOW, lease_s=60, host="here") is None
    assert "not been heard of" in (lost_reason(stale, now=NOW, lease_s=60, host="here") or "")
    assert lost_reason(JobRecord(job=_job()), now=NOW, lease_s=60) is None  # queued


def test_queue_settings_from_the_environment() -> None:
    config = load_queue_config(
        {"CAPSTONE_EVAL_QUEUE_URL": "redis://:pw@10.0.0.5:6379/1", "CAPSTONE_EVAL_WORKERS": "3"}
    )
    assert (config.url, config.workers) == ("redis://:pw@10.0.0.5:6379/1", 3)
    assert redact(config.url or "") == "redis://:***@10.0.0.5:6379/1"
    with pytest.raises(ConfigError, match="not a queue address"):
        load_queue_config({"CAPSTONE_EVAL_QUEUE_URL": "amqp://x"})
    with pytest.raises(ConfigError, match="positive whole number"):
        load_queue_config({"CAPSTONE_EVAL_WORKERS": "0"})
