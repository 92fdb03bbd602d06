"""An event a diagram throws that nothing in the instance catches any more (a signal to a branch that
has moved on, a terminate end event inside a sub-process) goes nowhere: the instance saves and goes
on (engine/instances/runtime.py; case_audit's challenge and findings sides signal each other this way)."""

SIGNALLED = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_signalled" targetNamespace="http://example.org/qa">
  <bpmn:signal id="signal_moved_on" name="moved_on" />
  <bpmn:process id="signalled" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:intermediateThrowEvent id="nobody_waits">
      <bpmn:signalEventDefinition id="nobody_waits_def" signalRef="signal_moved_on" />
    </bpmn:intermediateThrowEvent>
    <bpmn:subProcess id="inner">
      <bpmn:startEvent id="inner_start" />
      <bpmn:endEvent id="inner_end">
        <bpmn:terminateEventDefinition id="inner_end_def" />
      </bpmn:endEvent>
      <bpmn:sequenceFlow id="f_inner" sourceRef="inner_start" targetRef="inner_end" />
    </bpmn:subProcess>
    <bpmn:scriptTask id="after" name="After">
      <bpmn:script>went_on = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nobody_waits" />
    <bpmn:sequenceFlow id="f2" sourceRef="nobody_waits" targetRef="inner" />
    <bpmn:sequenceFlow id="f3" sourceRef="inner" targetRef="after" />
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_an_event_nothing_catches_goes_nowhere_and_the_instance_saves(engine):
    engine.deploy({"signalled.bpmn": SIGNALLED}, "olive")
    iid = engine.start_instance("signalled", {"case_ref": "C-1001"}, "olive")
    view = engine.reads.instance(iid)
    assert view["status"] == "completed" and view["data"]["went_on"] is True
