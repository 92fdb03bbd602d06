"""Item 9: definitions are UTF-8. A declaration of another encoding is refused, so that a DOCTYPE
cannot hide from the check in another encoding (UTF-7 got past it and deployed an external entity)."""
import pytest

from engine.errors import InvalidDefinition
from tests.fixtures.diagrams import decision

DMN = decision().decode()


@pytest.mark.parametrize("encoding", ["UTF-7", "utf-16", "ISO-8859-1", "ascii"])
def test_a_definition_declaring_another_encoding_is_refused(engine_of, encoding):
    content = DMN.replace('encoding="UTF-8"', f'encoding="{encoding}"')
    if encoding == "UTF-7":  # the attack: a DOCTYPE with an external entity, spelled in UTF-7
        content = content.replace("<definitions", "+ADw-!DOCTYPE d +AFs-+ADw-!ENTITY x SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-\n<definitions", 1)
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"needs_reaudit.dmn": content.encode("ascii")}, "olive")
    [problem] = refused.value.errors
    assert problem["file"] == "needs_reaudit.dmn" and problem["line"] == 1
    assert f"declares encoding '{encoding}'" in problem["message"]


def test_utf8_with_or_without_a_declaration_deploys(engine_of):
    engine_of.deploy({"needs_reaudit.dmn": DMN.encode()}, "olive")
    engine_of.deploy({"needs_reaudit.dmn": DMN.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "").encode()},
                     "olive")
