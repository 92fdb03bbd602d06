// The process owner's diagram editor (web/templates/definitions/modeller.html): bpmn-js's Modeler with
// the properties panel and the Camunda moddle (the camunda: attributes this engine reads), our
// "What this engine reads" group (qa-properties.js), bpmnlint warnings (qa-lint.js) and the checks.
import BpmnModeler from "bpmn-js/lib/Modeler";
import lintModule from "bpmn-js-bpmnlint";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";

import { setUpChecks } from "./checks.js";
import { flushableDebounceModule } from "./flushable-debounce.js";
import { lintConfig } from "./qa-lint.js";
import { qaPropertiesModule } from "./qa-properties.js";

const choices = JSON.parse(document.getElementById("modeller-choices").value);
const modeler = new BpmnModeler({
  container: "#canvas",
  propertiesPanel: { parent: "#properties", layout: { groups: { "qa-engine": { open: true } } } },
  linting: { active: true, bpmnlint: lintConfig(choices.roles) },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, lintModule, qaPropertiesModule(choices),
    flushableDebounceModule(600)],
  moddleExtensions: { camunda: camundaModdle },
});
window.qaModeler = modeler; // for the browser tests' inspection only
// Drilling into a sub-process shows all of it.
modeler.on("root.set", () => requestAnimationFrame(() => modeler.get("canvas").zoom("fit-viewport", "auto")));

const marked = [];

function markProblems(problems) {
  const registry = modeler.get("elementRegistry");
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  problems.forEach((problem, index) => {
    const element = problem.element_id && registry.get(problem.element_id);
    if (!element) return;
    canvas.addMarker(element, "app-problem");
    if (element.source && /Gateway$/.test(element.source.type)) canvas.addMarker(element.source, "app-problem"); // a condition's gateway
    marked.push({ element: element.source || element });
    const badge = document.createElement("span");
    badge.className = "app-problem-badge";
    badge.id = `problem-${index}`;
    badge.tabIndex = -1;
    badge.textContent = "Problem";
    badge.title = problem.message;
    marked.push({ element, overlay: overlays.add(element, "app-problem", { position: { top: -24, left: 0 }, html: badge }) });
  });
  const first = problems.find((p) => p.element_id && registry.get(p.element_id));
  if (first) showElement(first.element_id);
}

function clearProblems() {
  const canvas = modeler.get("canvas");
  marked.splice(0).forEach(({ element }) => canvas.removeMarker(element, "app-problem"));
  modeler.get("overlays").remove({ type: "app-problem" });
}

function showElement(id) {
  const element = modeler.get("elementRegistry").get(id);
  if (!element) return;
  const canvas = modeler.get("canvas");
  const root = canvas.findRoot(element);
  if (root && root !== canvas.getRootElement()) canvas.setRootElement(root);
  canvas.scrollToElement(element);
  modeler.get("selection").select(element);
}

async function open() {
  await modeler.importXML(document.getElementById("modeller-source").value);
  modeler.get("canvas").zoom("fit-viewport");
  document.querySelector(".app-modeller").dataset.ready = "true";
}

// Every export (Check, Review) first commits what was typed a moment ago (flushable-debounce.js).
async function saveXML() {
  modeler.get("debounceInput").flushPending();
  return (await modeler.saveXML({ format: true })).xml;
}

setUpChecks({ saveXML, markProblems, clearProblems, showElement });
open().catch((error) => {
  document.getElementById("canvas").textContent = `The diagram could not be opened: ${error.message}`;
});
