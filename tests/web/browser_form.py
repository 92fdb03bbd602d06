"""What a browser posts for a page's form: the form data set of the HTML standard, built from the
page's own controls (their names, values, what is checked or typed), nothing from a schema.

  form = PageForm(html, "complete")      # the form holding the button action=complete
  form.fields                            # [(name, value)] as the page stands
  form.set("overall_rationale", "...")   # type into a text field or textarea
  form.check("overall_grade", "good")    # choose a radio, tick a checkbox
  form.post_data()                       # what the browser sends, with the pressed button

Browsers send a textarea's line breaks as CRLF and drop line breaks from a one-line input's value:
done here too, so a test sees what the server really receives.
"""
from lxml import html as lxml_html
from werkzeug.datastructures import MultiDict

ONE_LINE = {"text", "search", "tel", "url", "email", "password", "number", "date", ""}  # newlines dropped


class PageForm:
    def __init__(self, page: str, button_value: str = "complete"):
        document = lxml_html.fromstring(page)
        forms = [f for f in document.iter("form")
                 if f.xpath(f".//button[@name='action'][@value='{button_value}']")]
        assert forms, f"no form with a button action={button_value} on the page"
        self.form, self.button = forms[0], button_value
        self.controls = [e for e in self.form.iter("input", "textarea", "select")
                         if e.get("name") and e.get("disabled") is None]
        self.typed: dict[str, str] = {}
        self.ticked: dict[str, set[str]] = {}

    # --- a person at the page ----------------------------------------------------------------

    def names(self) -> list[str]:
        return list(dict.fromkeys(e.get("name") for e in self.controls))

    def kind(self, name: str) -> str:
        """textarea | text | radio | checkbox | hidden | select, as the page draws the control."""
        element = next(e for e in self.controls if e.get("name") == name)
        if element.tag != "input":
            return element.tag
        return element.get("type", "text").lower() or "text"

    def choices(self, name: str) -> list[str]:
        return [e.get("value", "on") for e in self.controls if e.get("name") == name and e.tag == "input"]

    def set(self, name: str, value: str) -> None:
        assert name in self.names(), f"the page has no field {name!r}"
        self.typed[name] = value

    def check(self, name: str, value: str) -> None:
        assert value in self.choices(name), f"{name!r} offers {self.choices(name)}, not {value!r}"
        if self.kind(name) == "radio":
            self.ticked[name] = {value}
        else:
            self.ticked.setdefault(name, set()).add(value)

    # --- what the browser sends --------------------------------------------------------------

    @property
    def fields(self) -> list[tuple[str, str]]:
        data = []
        for e in self.controls:
            name = e.get("name")
            if e.tag == "textarea":
                value = self.typed.get(name, _textarea_value(e))
                data.append((name, value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")))
            elif e.tag == "select":
                data += [(name, o.get("value", o.text_content())) for o in e.iter("option") if o.get("selected") is not None]
            elif e.get("type", "text").lower() in ("radio", "checkbox"):
                value = e.get("value", "on")
                chosen = value in self.ticked[name] if name in self.ticked else e.get("checked") is not None
                if chosen:
                    data.append((name, value))
            elif e.get("type", "text").lower() in ONE_LINE:
                value = self.typed.get(name, e.get("value", ""))
                data.append((name, value.replace("\r", "").replace("\n", "")))  # a one-line input's value
            elif e.get("type").lower() == "hidden":
                data.append((name, e.get("value", "")))
        return data

    def post_data(self) -> MultiDict:
        return MultiDict([*self.fields, ("action", self.button)])


def _textarea_value(element) -> str:
    text = element.text or ""
    return text[1:] if text.startswith("\n") else text  # the parser drops one leading line break
