// The editors commit typing to the diagram only after a pause: the properties panel and dmn-js take
// their `debounceInput` service for that, and some fields do not commit when left either (the
// properties panel's number fields, dmn-js's "Edit number" and other popups). An export made within
// the pause (Check, Review) would then miss the last edit. This module replaces that service with one
// that debounces the same way but remembers the calls still waiting, so that an export can first
// commit them: `injector.get("debounceInput").flushPending()`.

function flushableDebounce(delay) {
  const waiting = new Set();

  function debounceInput(fn) {
    let timer = null;
    let lastArgs = [];
    const commit = () => {
      clearTimeout(timer);
      timer = null;
      waiting.delete(debounced);
      fn(...lastArgs);
    };
    function debounced(...args) {
      lastArgs = args;
      clearTimeout(timer);
      timer = setTimeout(commit, delay);
      waiting.add(debounced);
    }
    // The names the editors call (min-dash's debounce): flushed when a field unmounts, cancelled
    // when a field commits its value itself (on blur).
    debounced.flush = () => { if (timer !== null) commit(); };
    debounced.cancel = () => {
      clearTimeout(timer);
      timer = null;
      waiting.delete(debounced);
    };
    return debounced;
  }

  debounceInput.flushPending = () => [...waiting].forEach((debounced) => debounced.flush());
  return debounceInput;
}

// `delay` in milliseconds: each editor's own default (the properties panel 600, dmn-js 300), so that
// only the export changes. Listed after the editor's modules, this one's service is the one used.
export function flushableDebounceModule(delay) {
  return { debounceInput: ["factory", () => flushableDebounce(delay)] };
}
