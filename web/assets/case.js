// The case page's enhancements; the page says everything without them.
// 1. Draws each diagram with bpmn-js's NavigatedViewer (window.BpmnJS, served from /static/build/bpmn)
//    and marks its elements from the page's #diagram-data: states as CSS classes, badges in words,
//    sequence flows taken, links to the cases an element started and to the diagram of a called process.
// 2. Polls a small JSON answer and, when the case changed, takes the changed parts of the page
//    (every [data-live] element) from a fresh copy of it, without a full reload.

const root = document.getElementById("case");
const viewers = new Map(); // process id -> bpmn-js viewer
const POLL_MS = Number(root?.dataset.pollMs || 3000);

function diagramData() {
  return JSON.parse(document.getElementById("diagram-data").textContent);
}

async function drawAll() {
  document.querySelectorAll(".app-diagram__fallback").forEach((p) => p.remove());
  for (const container of document.querySelectorAll(".app-diagram")) {
    const viewer = new window.BpmnJS({ container });
    try {
      const answer = await fetch(container.dataset.url, { credentials: "same-origin" });
      await viewer.importXML(await answer.text());
      viewers.set(container.dataset.process, viewer);
      addZoomButtons(container, viewer.get("canvas"));
    } catch (error) {
      container.textContent = "The diagram could not be drawn. Its text equivalent is under Where the case is.";
    }
  }
  mark();
  viewers.forEach((viewer, process) => showWhereItStands(viewer, diagramData().find((d) => d.process_id === process)));
}

// The whole diagram when it is legible at that size (a main line of sub-processes); else a readable
// size, scrolled to what is open now (the whole diagram is one button away).
const LEGIBLE_ZOOM = 0.75;

function showWhereItStands(viewer, drawn) {
  const canvas = viewer.get("canvas");
  const top = canvas.getRootElement();
  const open = Object.entries(drawn?.elements || {}).filter(([, state]) => state !== "completed")
    .map(([id]) => viewer.get("elementRegistry").get(id))
    .find((element) => element && element.type !== "bpmn:Process" && canvas.findRoot(element) === top);
  canvas.zoom("fit-viewport");
  if (!open || canvas.zoom() >= LEGIBLE_ZOOM) return;
  canvas.zoom(0.9);
  canvas.scrollToElement(open, { top: 150, left: 250, right: 250, bottom: 150 });
}

function addZoomButtons(container, canvas) {
  const bar = document.createElement("div");
  bar.className = "govuk-button-group app-diagram__zoom";
  for (const [text, act] of [["Zoom in", () => canvas.zoom(canvas.zoom() * 1.25)],
    ["Zoom out", () => canvas.zoom(canvas.zoom() / 1.25)], ["Whole diagram", () => canvas.zoom("fit-viewport")]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-1";
    button.textContent = text;
    button.addEventListener("click", act);
    bar.append(button);
  }
  container.before(bar);
}

function mark() {
  for (const drawn of diagramData()) {
    const viewer = viewers.get(drawn.process_id);
    if (viewer) markDiagram(viewer, drawn);
  }
}

function markDiagram(viewer, drawn) {
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  overlays.remove({ type: "app-state" });
  registry.forEach((element) => {
    for (const name of [...(canvas.getGraphics(element)?.classList || [])]) {
      if (name.startsWith("app-state--") || name === "app-flow--taken") canvas.removeMarker(element, name);
    }
  });
  const badges = new Map(); // element id -> badges, drawn together under the element
  const add = (id, item) => badges.set(id, [...(badges.get(id) || []), item]);
  for (const [id, state] of Object.entries(drawn.elements)) {
    const element = registry.get(id);
    if (!element) continue;
    canvas.addMarker(element, `app-state--${state}`);
    if (/Task$|CallActivity$|SubProcess$/.test(element.type)) {
      if (state === "completed") add(id, { kind: "completed", text: "Done" });
      if (state === "active") add(id, { kind: "active", text: "Under way" });
    }
  }
  for (const [id, list] of Object.entries(drawn.badges)) list.forEach((item) => add(id, item));
  registry.filter((e) => e.type === "bpmn:CallActivity").forEach((element) => {
    const called = element.businessObject.calledElement;
    if (document.getElementById(`diagram-section-${called}`)) {
      add(element.id, { kind: "link", text: "Open its diagram", href: `#diagram-section-${called}` });
    }
  });
  for (const [id, list] of badges) {
    const element = registry.get(id);
    // A boundary event sits on its task's edge: its badges go lower, clear of the task's own.
    const bottom = element?.type === "bpmn:BoundaryEvent" ? -34 : -12;
    if (element) overlays.add(id, "app-state", { position: { bottom, left: 0 }, html: badgeList(list) });
  }
  registry.filter((e) => e.type === "bpmn:SequenceFlow").forEach((flow) => {
    const from = drawn.elements[flow.source?.id];
    if (from === "completed" && drawn.elements[flow.target?.id]) canvas.addMarker(flow, "app-flow--taken");
  });
}

function badgeList(items) {
  const list = document.createElement("div");
  list.className = "app-badges";
  for (const item of items) {
    const node = document.createElement(item.href ? "a" : "span");
    node.className = `app-badge app-badge--${item.kind}`;
    node.textContent = item.text;
    if (item.href) node.href = item.href;
    list.append(node);
  }
  return list;
}

async function poll() {
  if (document.hidden) return;
  try {
    const answer = await fetch(root.dataset.changesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const { change } = await answer.json();
    if (change !== root.dataset.change) await refresh(change);
  } catch (error) {
    // offline or signed out: the next poll tries again
  }
}

async function refresh(change) {
  const answer = await fetch(root.dataset.liveUrl, { credentials: "same-origin" });
  if (!answer.ok) return;
  const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
  const urls = (doc) => [...doc.querySelectorAll(".app-diagram")].map((d) => d.dataset.url).join(" ");
  if (urls(fresh) !== urls(document)) {
    window.location.reload(); // another version or a newly called process: draw it afresh
    return;
  }
  document.querySelectorAll("[data-live]").forEach((part) => {
    const replacement = fresh.getElementById(part.id);
    if (replacement) part.replaceWith(document.importNode(replacement, true));
  });
  root.dataset.change = change;
  mark();
  const time = new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  document.getElementById("case-updated").textContent = `The case changed at ${time}; this page shows it now.`;
}

if (root) {
  if (window.BpmnJS) drawAll();
  setInterval(poll, POLL_MS);
}
