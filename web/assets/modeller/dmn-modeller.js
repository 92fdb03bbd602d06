// The process owner's decision-table editor: dmn-js's Modeler, opened on the table itself; the same
// checks as a deploy, then the review page (the diff, a change note, deploy).
import DmnModeler from "dmn-js/lib/Modeler";

import { setUpChecks } from "./checks.js";

const modeler = new DmnModeler({ container: "#canvas", common: { keyboard: { bindTo: document } } });
window.qaModeler = modeler; // for the browser tests' inspection only

async function open() {
  await modeler.importXML(document.getElementById("modeller-source").value);
  const table = modeler.getViews().find((view) => view.type === "decisionTable");
  if (table) await modeler.open(table);
  document.querySelector(".app-modeller").dataset.ready = "true";
}

setUpChecks({
  saveXML: async () => (await modeler.saveXML({ format: true })).xml,
  markProblems: () => {}, // a table's problems are listed with the rule they are about
  clearProblems: () => {},
  showElement: () => {},
});
open().catch((error) => {
  document.getElementById("canvas").textContent = `The decision table could not be opened: ${error.message}`;
});
