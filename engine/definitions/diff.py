"""What changes between two versions of a BPMN or DMN file, element by element, in the terms this
engine reads: names, lane roles, forms, timers, conditions, defaults, scripts (notifications),
decisions called and decision rules. Layout is not a change.

A change reads as a process owner would say it, e.g.
"timer on Quality assure the audit report: add_working_days(now(), 1) → add_working_days(now(), 2)".
"""
from engine.definitions.xml import parse_xml

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
SKIPPED = {"definitions", "laneSet", "flowNodeRef", "incoming", "outgoing", "extensionElements", "documentation",
           "text", "inputEntry", "outputEntry", "inputExpression", "script", "conditionExpression", "timeDate",
           "timeDuration", "timeCycle", "collaboration", "participant"}


def file_diff(old: str | bytes | None, new: str | bytes, file_name: str) -> dict:
    """{"added", "removed", "changed"}: elements of `new` that `old` lacks, the reverse, and those
    whose engine-read properties differ (each with its changes in words)."""
    before, after = elements(old, file_name) if old else {}, elements(new, file_name)
    changed = []
    for element_id, now in after.items():
        was = before.get(element_id)
        if was is None:
            continue
        changes = [_change(now, key, was["properties"].get(key), now["properties"].get(key))
                   for key in sorted(set(was["properties"]) | set(now["properties"]))
                   if was["properties"].get(key) != now["properties"].get(key)]
        if changes:
            changed.append(_shown(now) | {"changes": changes})
    return {"added": [_shown(e) for i, e in after.items() if i not in before],
            "removed": [_shown(e) for i, e in before.items() if i not in after], "changed": changed}


def elements(content: str | bytes, file_name: str) -> dict[str, dict]:
    """Every element with an id, its kind, the name a person sees it by, and its properties."""
    xml = parse_xml(file_name, content.encode() if isinstance(content, str) else content)
    names = {e.get("id"): e.get("name") for e in xml.root.iter() if isinstance(e.tag, str) and e.get("id")}
    lanes = {ref.text.strip(): lane.get("name") for lane in xml.root.iter(f"{BPMN}lane")
             for ref in lane.iter(f"{BPMN}flowNodeRef") if ref.text}
    found = {}
    for element in xml.root.iter():
        kind = _local(element.tag)
        if not element.get("id") or kind in SKIPPED or kind.endswith("EventDefinition") or kind.startswith("BPMN"):
            continue
        found[element.get("id")] = {"id": element.get("id"), "kind": kind, "label": _label(element, names),
                                    "properties": _properties(element, kind, lanes)}
    return found


def element_words(files: dict[str, bytes]) -> dict[str, str]:
    """How a person knows each element of the diagrams among `files`, by id: its name, a timer as
    the timer on its task (a replay's divergences and changed paths are told in these words)."""
    words: dict[str, str] = {}
    for name, content in sorted(files.items()):
        if name.endswith(".bpmn"):
            for element_id, element in elements(content, name).items():
                timer = element["kind"] == "boundaryEvent" and "timer" in element["properties"]
                words[element_id] = f"the timer on {element['label']}" if timer else element["label"]
    return words


def _properties(element, kind: str, lanes: dict) -> dict[str, str]:
    props = {"name": element.get("name")}
    if element.get("id") in lanes:
        props["lane"] = lanes[element.get("id")]
    props["form"] = element.get(f"{CAMUNDA}formKey")
    props["decision"] = element.get(f"{CAMUNDA}decisionRef")
    props["called process"] = element.get("calledElement")
    props["default flow"] = element.get("default")
    for child in element:  # its own expressions, not those of the elements it contains
        local = _local(child.tag)
        if local == "timerEventDefinition":
            props["timer"] = next(((t.text or "").strip() for t in child if _local(t.tag) in TIMER_TAGS), None)
        elif local == "conditionExpression":
            props["condition"] = (child.text or "").strip()
        elif local == "script":
            props["script"] = (child.text or "").strip()
    if kind == "sequenceFlow":
        props["from"], props["to"] = element.get("sourceRef"), element.get("targetRef")
    if kind == "rule":
        props["rule"] = " | ".join((_text(e) or "-") for e in element if _local(e.tag) in ("inputEntry", "outputEntry"))
    if kind == "input":
        props["input"] = next((_text(e) for e in element if _local(e.tag) == "inputExpression"), None)
    return {key: value for key, value in props.items() if value}


def _label(element, names: dict) -> str:
    """How a person knows the element: a timer by the task it hangs on, a flow by its ends."""
    if _local(element.tag) == "boundaryEvent" and any(_local(c.tag) == "timerEventDefinition" for c in element):
        return names.get(element.get("attachedToRef")) or element.get("attachedToRef")
    if _local(element.tag) == "sequenceFlow" and not element.get("name"):
        ends = [names.get(element.get(end)) or element.get(end) for end in ("sourceRef", "targetRef")]
        return f"the flow from {ends[0]} to {ends[1]}"
    if _local(element.tag) == "rule":
        return f"rule {element.get('id')}"
    return element.get("name") or element.get("label") or element.get("id")


def _change(element: dict, key: str, old: str | None, new: str | None) -> str:
    on = f"{key} on {element['label']}"
    if old is None:
        return f"{on}: added {new}"
    if new is None:
        return f"{on}: removed {old}"
    return f"{on}: {old} → {new}"


def _shown(element: dict) -> dict:
    return {"id": element["id"], "kind": element["kind"], "label": element["label"]}


def _text(element) -> str | None:
    texts = [t.strip() for t in element.itertext() if t.strip()]
    return " ".join(texts) or None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

