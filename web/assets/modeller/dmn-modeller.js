// The process owner's decision-table editor: dmn-js's Modeler, opened on the table itself; the same
// checks as a deploy, then the review page (the diff, a change note, deploy).
import DmnModeler from "dmn-js/lib/Modeler";

import { setUpChecks } from "./checks.js";
import { flushableDebounceModule } from "./flushable-debounce.js";

// Each view has its own additionalModules: dmn-js does not merge those given in `common`.
const flushable = { additionalModules: [flushableDebounceModule(300)] };
const modeler = new DmnModeler({ container: "#canvas", common: { keyboard: { bindTo: document } },
  drd: flushable, decisionTable: flushable, literalExpression: flushable, boxedExpression: flushable });
window.qaModeler = modeler; // for the browser tests' inspection only

async function open() {
  await modeler.importXML(document.getElementById("modeller-source").value);
  const table = modeler.getViews().find((view) => view.type === "decisionTable");
  if (table) await modeler.open(table);
  document.querySelector(".app-modeller").dataset.ready = "true";
}

// Every export (Check, Review) first commits what was typed a moment ago (flushable-debounce.js).
async function saveXML() {
  modeler.getActiveViewer()?.get("debounceInput").flushPending();
  return (await modeler.saveXML({ format: true })).xml;
}

setUpChecks({
  saveXML,
  markProblems: () => {}, // a table's problems are listed with the rule they are about
  clearProblems: () => {},
  showElement: () => {},
});
open().catch((error) => {
  document.getElementById("canvas").textContent = `The decision table could not be opened: ${error.message}`;
});
