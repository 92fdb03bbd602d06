// A properties-panel group, "What this engine reads", so that a process owner changes policy without
// XML: the lane's role, a user task's form, a timer's working days (with the due date it would give
// today), a gateway's default and its flows' conditions, a notification's recipients and text, and
// the decision a business rule task calls. `choices` comes from the page (engine/definitions/catalogue.py).
import { NumberFieldEntry, SelectEntry, TextAreaEntry, TextFieldEntry } from "@bpmn-io/properties-panel";
import { jsx } from "@bpmn-io/properties-panel/preact/jsx-runtime";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

import { roleOfLane } from "./qa-lint.js";

const WORKING_DAYS = /^\s*add_working_days\(\s*now\(\)\s*,\s*(\d+)\s*\)\s*$/;
const STATED_DAYS = /\d+( more)? working days?/;
const NOTIFY = /^\s*notify\(\s*(\[[^\]]*\])\s*,\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*")\s*\)\s*$/s;

export function workingDaysOf(expression) {
  const match = WORKING_DAYS.exec(expression || "");
  return match ? Number(match[1]) : null;
}

function dueInWords(iso) {
  const part = (options) => new Date(iso).toLocaleDateString("en-GB", { ...options, timeZone: "Europe/London" });
  return `${part({ weekday: "long" })} ${part({ day: "numeric", month: "long", year: "numeric" })}`;
}

function timerExpression(element) {
  const definition = (getBusinessObject(element).eventDefinitions || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
  return definition && { definition, expression: definition.timeDate || definition.timeDuration || definition.timeCycle };
}

function parseNotify(script) {
  const match = NOTIFY.exec(script || "");
  if (!match) return null;
  try {
    return { recipients: JSON.parse(match[1]), subject: JSON.parse(match[2]), text: JSON.parse(match[3]) };
  } catch (error) {
    return null;
  }
}

const notifyScript = (n) => `notify(${JSON.stringify(n.recipients)}, ${JSON.stringify(n.subject)}, ${JSON.stringify(n.text)})`;

// The flows leaving an element, from the diagram (the XML need not list <bpmn:outgoing>).
const outgoingFlows = (element) => (element.outgoing || []).map((connection) => connection.businessObject);

// --- entries -------------------------------------------------------------------------------------

function LaneRole({ element, id, choices }) {
  const modeling = useService("modeling");
  const options = [{ value: "", label: "(no role)" },
    ...Object.entries(choices.roles).map(([value, label]) => ({ value, label }))];
  return jsx(SelectEntry, { element, id, label: "Role that does this lane's tasks", getOptions: () => options,
    getValue: () => roleOfLane(element.businessObject.name, choices.roles) || "",
    setValue: (value) => modeling.updateProperties(element, { name: value ? choices.roles[value] : "" }) });
}

function Attribute({ element, id, label, attribute, options, description }) {
  const modeling = useService("modeling");
  return jsx(SelectEntry, { element, id, label, description, getOptions: () => options,
    getValue: () => getBusinessObject(element).get(attribute) || "",
    setValue: (value) => modeling.updateProperties(element, { [attribute]: value || undefined }) });
}

function TimerDays({ element, id, choices }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const timer = timerExpression(element);
  const days = workingDaysOf(timer?.expression?.body);
  const due = days && choices.due_dates[days];
  return jsx(NumberFieldEntry, { element, id, label: "Working days after the task becomes ready", min: 1, max: 60, debounce,
    description: "Sets the deadline to add_working_days(now(), N), N working days of the service's calendar",
    getValue: () => days ?? "",
    setValue: (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) return;
      const body = `add_working_days(now(), ${n})`;
      if (timer.expression) modeling.updateModdleProperties(element, timer.expression, { body });
      else modeling.updateModdleProperties(element, timer.definition,
        { timeDate: bpmnFactory.create("bpmn:FormalExpression", { body }) });
      const name = getBusinessObject(element).name;
      if (name && STATED_DAYS.test(name)) {  // a name that states the days must agree (a deploy rule)
        modeling.updateProperties(element, { name: name.replace(STATED_DAYS, `${n}$1 working day${n === 1 ? "" : "s"}`) });
      }
    } });
}

function DuePreview({ element, id, choices }) {
  const days = workingDaysOf(timerExpression(element)?.expression?.body);
  const due = days && choices.due_dates[days];
  const text = due ? `Started today, it would be due by the end of ${dueInWords(due)}.`
    : "Its due date depends on the case's data: see the expression.";
  return jsx("p", { id: `bio-properties-panel-${id}`, class: "bio-properties-panel-description app-due-preview",
                    "aria-live": "polite", "data-testid": "due-preview", children: text });
}

function TimerExpression({ element, id }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const timer = timerExpression(element);
  return jsx(TextFieldEntry, { element, id, label: "Deadline expression", debounce,
    description: "Python, e.g. add_working_days(now(), 5)",
    getValue: () => timer?.expression?.body || "",
    setValue: (body) => timer.expression ? modeling.updateModdleProperties(element, timer.expression, { body })
      : modeling.updateModdleProperties(element, timer.definition,
        { timeDate: bpmnFactory.create("bpmn:FormalExpression", { body }) }) });
}

function Condition({ element, id }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const flow = getBusinessObject(element);
  return jsx(TextFieldEntry, { element, id, label: "Condition", debounce,
    description: "Python over the case's data, e.g. qa_outcome == \"returned\"; empty on the default flow",
    getValue: () => flow.conditionExpression?.body || "",
    setValue: (body) => modeling.updateProperties(element, {
      conditionExpression: body ? bpmnFactory.create("bpmn:FormalExpression", { body }) : undefined }) });
}

function DefaultFlow({ element, id }) {
  const modeling = useService("modeling");
  const elementRegistry = useService("elementRegistry");
  const gateway = getBusinessObject(element);
  const options = [{ value: "", label: "(none)" }, ...outgoingFlows(element).map((flow) => ({
    value: flow.id, label: flow.name || `to ${flow.targetRef?.name || flow.targetRef?.id}` }))];
  return jsx(SelectEntry, { element, id, label: "Default flow", getOptions: () => options,
    getValue: () => gateway.default?.id || "",
    setValue: (value) => modeling.updateProperties(element, {
      default: value ? elementRegistry.get(value).businessObject : undefined }) });
}

function FlowCondition({ element, id, flow }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const elementRegistry = useService("elementRegistry");
  const label = `Condition to go ${flow.name ? `"${flow.name}"` : `to ${flow.targetRef?.name || flow.targetRef?.id}`}`;
  return jsx(TextFieldEntry, { element, id, label, debounce,
    description: "Python over the case's data, e.g. qa_outcome == \"returned\"",
    getValue: () => flow.conditionExpression?.body || "",
    setValue: (body) => modeling.updateProperties(elementRegistry.get(flow.id), {
      conditionExpression: body ? bpmnFactory.create("bpmn:FormalExpression", { body }) : undefined }) });
}

function NotifyPart({ element, id, part, label, description }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  const task = getBusinessObject(element);
  const Entry = part === "text" ? TextAreaEntry : TextFieldEntry;
  return jsx(Entry, { element, id, label, description, debounce, rows: 4,
    getValue: () => {
      const value = parseNotify(task.script)?.[part];
      return part === "recipients" ? (value || []).join(", ") : value || "";
    },
    setValue: (value) => {
      const notification = parseNotify(task.script);
      notification[part] = part === "recipients" ? value.split(",").map((r) => r.trim()).filter(Boolean) : value;
      modeling.updateProperties(element, { script: notifyScript(notification) });
    } });
}

function Script({ element, id }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  return jsx(TextAreaEntry, { element, id, label: "Script", debounce, rows: 6, monospace: true,
    getValue: () => getBusinessObject(element).script || "",
    setValue: (script) => modeling.updateProperties(element, { script }) });
}

function entriesFor(element, choices) {
  const bo = getBusinessObject(element);
  // The components stay the same functions from one render to the next (a new one would remount
  // the field, and its blur would write back the value it had); what differs travels on the entry.
  const entry = (id, component, extra = {}) => ({ id, element, component, choices, ...extra });
  if (is(element, "bpmn:Lane")) return [entry("qa-lane-role", LaneRole)];
  if (is(element, "bpmn:UserTask")) {
    const forms = [{ value: "", label: "(no form)" }, ...choices.forms.map((f) => ({ value: f, label: f }))];
    return [entry("qa-form", Attribute, { label: "Form staff fill in", attribute: "camunda:formKey", options: forms })];
  }
  if (is(element, "bpmn:BusinessRuleTask")) {
    const decisions = [{ value: "", label: "(none)" }, ...choices.decisions.map((d) => ({ value: d, label: d }))];
    return [entry("qa-decision", Attribute, { label: "Decision it calls", attribute: "camunda:decisionRef", options: decisions })];
  }
  if (timerExpression(element)) {
    return [entry("qa-working-days", TimerDays), entry("qa-due-preview", DuePreview),
            entry("qa-timer-expression", TimerExpression)];
  }
  if (is(element, "bpmn:SequenceFlow") && is(bo.sourceRef, "bpmn:Gateway")) return [entry("qa-condition", Condition)];
  if (is(element, "bpmn:ExclusiveGateway") || is(element, "bpmn:InclusiveGateway")) {
    const conditional = outgoingFlows(element).filter((flow) => flow !== bo.default);
    return [entry("qa-default", DefaultFlow),
            ...conditional.map((flow) => entry(`qa-condition-${flow.id}`, FlowCondition, { flow }))];
  }
  if (is(element, "bpmn:ScriptTask")) {
    if (!parseNotify(bo.script)) return [entry("qa-script", Script)];
    return [entry("qa-recipients", NotifyPart, { part: "recipients", label: "Who is notified",
                                                 description: "Roles, comma-separated, e.g. qa_team, service_manager@auditor" }),
            entry("qa-subject", NotifyPart, { part: "subject", label: "Subject", description: "{case_ref} is replaced by the case reference" }),
            entry("qa-text", NotifyPart, { part: "text", label: "Text", description: "{link} is replaced by the link to the case" })];
  }
  return [];
}

export function qaPropertiesModule(choices) {
  function QaPropertiesProvider(propertiesPanel) {
    this.getGroups = (element) => (groups) => {
      const entries = entriesFor(element, choices);
      if (entries.length) groups.splice(1, 0, { id: "qa-engine", label: "What this engine reads", entries });
      return groups;
    };
    propertiesPanel.registerProvider(500, this);
  }
  QaPropertiesProvider.$inject = ["propertiesPanel"];
  return { __init__: ["qaPropertiesProvider"], qaPropertiesProvider: ["type", QaPropertiesProvider] };
}
