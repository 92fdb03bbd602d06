// Loaded by every page: marks the page as scripted for GOV.UK Frontend's styles, then starts its
// components. Pages work without it; it only enhances (e.g. conditional reveals of radios).
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}
