// bpmnlint rules for this engine, shown as warnings while editing (bpmn-js-bpmnlint):
// every user task sits in a lane naming a known role and has a form; exclusive gateways have a default.
// The same rules are enforced when deploying (engine/definitions/rules.py); these only warn early.

const normalise = (text) => (text || "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");

export function roleOfLane(name, roles) {
  const wanted = normalise(name);
  return Object.keys(roles).find((id) => wanted && (normalise(id) === wanted || normalise(roles[id]) === wanted));
}

function userTaskRule(roles) {
  return () => ({
    check(node, reporter) {
      if (!node.$instanceOf("bpmn:Process")) return;
      const laneOf = {};
      for (const set of node.laneSets || []) {
        const walk = (lanes) => lanes.forEach((lane) => {
          (lane.flowNodeRef || []).forEach((ref) => { laneOf[ref.id] = lane; });
          if (lane.childLaneSet) walk(lane.childLaneSet.lanes || []);
        });
        walk(set.lanes || []);
      }
      const visit = (elements) => (elements || []).forEach((element) => {
        if (element.$instanceOf("bpmn:SubProcess")) visit(element.flowElements);
        if (!element.$instanceOf("bpmn:UserTask")) return;
        const lane = laneOf[element.id];
        if (!lane) reporter.report(element.id, "This user task is in no lane: put it in the lane of the role that does it");
        else if (!roleOfLane(lane.name, roles)) reporter.report(element.id, `Its lane "${lane.name || ""}" names no known role`);
        if (!element.get("camunda:formKey")) reporter.report(element.id, "This user task has no form: choose one");
      });
      visit(node.flowElements);
    },
  });
}

function gatewayDefaultRule() {
  return () => ({
    check(node, reporter) {
      if (node.$instanceOf("bpmn:ExclusiveGateway") && !node.default) {
        reporter.report(node.id, "This gateway has no default flow: choose the flow taken when no condition holds");
      }
    },
  });
}

export function lintConfig(roles) {
  const rules = { "user-task-role-and-form": userTaskRule(roles), "exclusive-gateway-default": gatewayDefaultRule() };
  return {
    config: { rules: { "qa/user-task-role-and-form": "warn", "qa/exclusive-gateway-default": "warn" } },
    resolver: {
      resolveRule: (_pkg, name) => rules[name],
      resolveConfig: () => null,
    },
  };
}
