// A replay's page while the worker runs it; the page says everything without this (its Refresh
// link). Every few seconds it fetches a fresh copy of the page: while the replay runs, it takes the
// progress (a status region, so a screen reader hears it) and the status from it; once the replay
// has ended, the whole run part, with the result, and says so. No page reload, so nothing moves the
// reader's place on the page (a <meta> refresh would: WCAG 2.2.1).

const run = document.getElementById("replay-run");
const POLL_MS = Number(run?.dataset.pollMs || 3000);

async function poll() {
  if (document.hidden) return;
  try {
    const answer = await fetch(run.dataset.pollUrl, { credentials: "same-origin" });
    if (!answer.ok) return;
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    const freshRun = fresh.getElementById("replay-run");
    if (!freshRun) return;
    if (freshRun.dataset.status === run.dataset.status || ["queued", "running"].includes(freshRun.dataset.status)) {
      for (const id of ["progress", "run-status"]) {
        const part = document.getElementById(id);
        const replacement = fresh.getElementById(id);
        if (part && replacement && part.textContent !== replacement.textContent) part.textContent = replacement.textContent;
      }
      run.dataset.status = freshRun.dataset.status;
      return;
    }
    clearInterval(timer);
    run.replaceWith(document.importNode(freshRun, true));
    document.getElementById("replay-ended").textContent = "The replay has ended: what it found is below.";
  } catch (error) {
    // offline or signed out: the next poll tries again
  }
}

const timer = run && run.dataset.pollUrl ? setInterval(poll, POLL_MS) : null;
