// What changed, drawn: the running diagram and the changed one side by side (bpmn-js's NavigatedViewer,
// window.BpmnJS), the changed elements marked on both, added ones on the new, removed ones on the old.
// The page lists the same changes in words; without JavaScript that list is the page.

const diff = document.querySelector(".app-diff");
const ids = (name) => (diff?.dataset[name] || "").split(" ").filter(Boolean);
const MARKS = { old: { diffChanged: "app-diff--changed", diffRemoved: "app-diff--removed" },
                new: { diffChanged: "app-diff--changed", diffAdded: "app-diff--added" } };

async function source(container) {
  if (container.dataset.diagramSource) return document.getElementById(container.dataset.diagramSource).value;
  if (!container.dataset.diagramUrl) return null;
  return (await fetch(container.dataset.diagramUrl, { credentials: "same-origin" })).text();
}

// An element inside a collapsed sub-process is drawn on that sub-process's own plane: mark the
// sub-process too, so the change shows on the diagram first seen. Answers the element as that
// first diagram shows it (itself, or the sub-process holding it).
function mark(canvas, registry, id, marker) {
  let element = registry.get(id);
  if (!element) return null;
  canvas.addMarker(element, marker);
  let root = canvas.findRoot(element);
  while (root && root !== canvas.getRootElement()) {
    const shape = registry.get(root.businessObject.id);
    if (!shape || shape === root) break;
    canvas.addMarker(shape, "app-diff--contains-change");
    element = shape;
    root = canvas.findRoot(shape);
  }
  return element;
}

async function draw(container) {
  const xml = await source(container);
  if (!xml) {
    container.textContent = "Not deployed before: there is nothing to compare with.";
    return;
  }
  const viewer = new window.BpmnJS({ container });
  await viewer.importXML(xml);
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const shown = [];
  for (const [list, marker] of Object.entries(MARKS[container.dataset.side])) {
    ids(list).forEach((id) => shown.push(mark(canvas, registry, id, marker)));
  }
  canvas.zoom("fit-viewport");
  const first = shown.find((element) => element && !element.waypoints);
  if (first) {  // readable, around the first change
    canvas.zoom(0.8);
    canvas.scrollToElement(first);
  }
  container.dataset.ready = "true";
}

document.querySelectorAll(".app-diff__canvas").forEach((container) => draw(container).catch(() => {
  container.textContent = "The diagram could not be drawn; the changes are listed above.";
}));
