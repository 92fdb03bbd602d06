// The modeller's "Check" and "Review": the same checks as a deploy (POST /definitions/validate, which
// stores nothing), each problem marked on its element and listed in a GOV.UK error summary that links
// to it; review sends the edited file to the review page (the diff, then deploy with a note).

const choices = () => JSON.parse(document.getElementById("modeller-choices").value);

function escape(text) {  // for text and for attribute values in double quotes
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML.replace(/"/g, "&quot;");
}

function summary(problems) {
  const items = problems.map((p, index) => {
    const where = [p.element_id && `element ${p.element_id}`, p.line && `line ${p.line}`].filter(Boolean).join(", ");
    const text = `${p.file}${where ? ", " + where : ""}: ${p.message}`;
    return `<li><a href="#problem-${index}" data-element="${escape(p.element_id || "")}">${escape(text)}</a></li>`;
  }).join("");
  return `<div class="govuk-error-summary" data-testid="problems"><div role="alert">
    <h2 class="govuk-error-summary__title">There is a problem: nothing can be deployed until it is fixed</h2>
    <div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${items}</ul></div>
    </div></div>`;
}

export function setUpChecks({ saveXML, markProblems, clearProblems, showElement }) {
  const result = document.getElementById("check-result");
  const box = document.getElementById("problems");
  const { file_name: fileName, validate_url: url, csrf } = choices();

  async function check() {
    clearProblems();
    box.innerHTML = "";
    result.textContent = "Checking…";
    const answer = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ files: { [fileName]: await saveXML() } }) });
    const body = await answer.json();
    if (body.valid) {
      const versions = (body.would_deploy || []).map((d) => `${d.process_id} version ${d.version}`).join(", ");
      result.textContent = `No problems: it passes every check of a deploy.${versions ? " Deploying would make " + versions + "." : ""}`;
      return;
    }
    result.textContent = "";
    const problems = body.problems?.length ? body.problems : [{ file: fileName, message: body.detail || "It cannot be deployed" }];
    box.innerHTML = summary(problems);
    markProblems(problems);
    box.querySelectorAll("a[data-element]").forEach((link) => link.addEventListener("click", (event) => {
      if (!link.dataset.element) return;
      event.preventDefault();
      showElement(link.dataset.element);
    }));
    box.focus();  // #problems has tabindex -1: the summary is read out and its links come next
  }

  document.getElementById("check").addEventListener("click", () => check().catch((error) => {
    result.textContent = `The check could not run: ${error.message}`;
  }));
  const form = document.getElementById("review-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("file-content").value = await saveXML();
    form.submit();
  });
}
