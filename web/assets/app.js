// Loaded by every page: marks the page as scripted for GOV.UK Frontend's styles, then starts its
// components. Pages work without it; it only enhances (e.g. conditional reveals of radios).
import {
  Accordion, Button, CharacterCount, Checkboxes, ErrorSummary, ExitThisPage, FileUpload, NotificationBanner,
  PasswordInput, ServiceNavigation, SkipLink, Tabs, createAll,
} from "./govuk-frontend.min.js";

// What GOV.UK Frontend's initAll starts, but for its Radios: see revealWhenChosen.
const COMPONENTS = [Accordion, Button, CharacterCount, Checkboxes, ErrorSummary, ExitThisPage, FileUpload,
  NotificationBanner, PasswordInput, ServiceNavigation, SkipLink, Tabs];

// A radio that reveals a follow-up question when chosen (GOV.UK's conditional reveal). GOV.UK
// Frontend's Radios module also sets aria-expanded on the radio, which ARIA does not allow on a radio
// (axe: aria-allowed-attr, critical). This reveals the same way without it: the question follows its
// radio, so it is read next once shown, and aria-controls names it. Without JavaScript every
// question shows (the --hidden class only hides with .govuk-frontend-supported).
function revealWhenChosen(radios) {
  const inputs = [...radios.querySelectorAll('input[type="radio"]')];
  inputs.forEach((input) => {
    const question = input.dataset.ariaControls;
    if (question && document.getElementById(question)) {
      input.setAttribute("aria-controls", question);
      input.removeAttribute("data-aria-controls");
    }
  });
  const showChosen = () => inputs.forEach(showIfChosen);
  radios.addEventListener("change", showChosen); // choosing one radio unchooses the others: all are looked at
  window.addEventListener("pageshow", showChosen); // the back button restores choices
  showChosen();
}

function showIfChosen(input) {
  const id = input.getAttribute("aria-controls");
  const question = id && document.getElementById(id);
  if (question?.classList.contains("govuk-radios__conditional")) {
    question.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
  }
}

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  COMPONENTS.forEach((Component) => createAll(Component));
  document.querySelectorAll('[data-module="govuk-radios"]').forEach(revealWhenChosen);
}
