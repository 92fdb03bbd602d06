"""Tests for the service clock and its hold on SpiffWorkflow timers (rule R-71)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.clock import SettableClock, SystemClock

UTC = timezone.utc

TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="proc_id" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done" />
    <bpmn:endEvent id="done" />
    <bpmn:boundaryEvent id="deadline" attachedToRef="review" cancelActivity="true">
      <bpmn:timerEventDefinition id="deadline_timer">
        <bpmn:timeDate>"2026-12-01T10:00:00+00:00"</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="deadline" targetRef="overdue" />
    <bpmn:endEvent id="overdue" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(autouse=True)
def restore_system_clock():
    yield
    clock.set_clock(SystemClock())


def test_system_clock_is_aware_utc():
    current = SystemClock().now()
    assert current.utcoffset() == timedelta(0)
    assert abs(current - datetime.now(UTC)) < timedelta(seconds=5)


def test_settable_clock_set_and_advance():
    settable = SettableClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    settable.advance(days=2, hours=1)
    assert settable.now() == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    settable.set(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/London")))
    assert settable.now() == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert settable.now().tzinfo == UTC


def test_settable_clock_defaults_to_system_now():
    assert abs(SettableClock().now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_settable_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        SettableClock(datetime(2026, 3, 1, 9, 0))
    with pytest.raises(ValueError):
        SettableClock().set(datetime(2026, 3, 1, 9, 0))


def test_module_now_reads_the_injected_clock():
    moment = datetime(2026, 5, 5, 8, 30, tzinfo=UTC)
    clock.set_clock(SettableClock(moment))
    assert clock.now() == moment
    assert isinstance(clock.get_clock(), SettableClock)


def test_spiff_timer_module_reads_our_clock():
    clock.install_engine_clock()
    clock.install_engine_clock()  # idempotent
    moment = datetime(2026, 12, 1, 9, 59, 59, tzinfo=UTC)
    clock.set_clock(SettableClock(moment))
    assert spiff_timer.datetime.now(timezone.utc) == moment
    assert spiff_timer.datetime.now(ZoneInfo("Europe/London")) == moment
    assert spiff_timer.datetime.now().tzinfo is None


def test_spiff_timer_module_keeps_other_datetime_behaviour():
    clock.install_engine_clock()
    parsed = spiff_timer.TimerEventDefinition.get_datetime("2026-12-01T10:00:00+01:00")
    assert parsed == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert spiff_timer.TimerEventDefinition.parse_iso_week("2026-W49-2T10:00:00+00:00") == datetime(
        2026, 12, 1, 10, 0, tzinfo=UTC
    )
    cycles, start, duration = spiff_timer.TimerEventDefinition.parse_iso_recurring_interval(
        "R3/2026-12-01T10:00:00+00:00/PT1H"
    )
    assert (cycles, start, duration) == (3, datetime(2026, 12, 1, 10, 0, tzinfo=UTC), timedelta(hours=1))


def _timer_workflow() -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str(TIMER_BPMN.encode())
    workflow = BpmnWorkflow(parser.get_spec("proc_id"))
    workflow.do_engine_steps()
    return workflow


def _completed(workflow: BpmnWorkflow, spec_name: str) -> bool:
    return any(task.task_spec.name == spec_name for task in workflow.get_tasks(state=TaskState.COMPLETED))


def _tick(workflow: BpmnWorkflow) -> None:
    workflow.refresh_timers()
    workflow.do_engine_steps()


def test_boundary_timer_fires_only_when_the_clock_passes_it():
    clock.install_engine_clock()
    settable = SettableClock(datetime(2026, 12, 1, 9, 59, 59, tzinfo=UTC))
    clock.set_clock(settable)
    workflow = _timer_workflow()

    _tick(workflow)
    assert workflow.get_tasks(state=TaskState.WAITING, spec_name="deadline")
    assert not workflow.is_completed()

    settable.set(datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC))
    _tick(workflow)
    assert _completed(workflow, "deadline")
    assert _completed(workflow, "overdue")
    assert workflow.get_tasks(state=TaskState.CANCELLED, spec_name="review")
    assert workflow.is_completed()
