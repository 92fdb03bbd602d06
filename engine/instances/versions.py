"""Process versions as instances use them: the few fields they need and the restored specs, cached
so that loading an instance reads no definition row."""
from collections import OrderedDict
from dataclasses import dataclass

from engine.grades import GradeScale, scale_of_forms
from engine.instances import store
from engine.models import ProcessVersion
from engine.serialization import load_specs


@dataclass(frozen=True)
class VersionInfo:
    """What an instance needs of its process version, which never changes once deployed."""
    id: int
    process_id: str
    version: int
    forms: dict
    grades: GradeScale  # the grade scale its forms were deployed with
    start_form: str | None = None  # the form key its start data answers to

    def start_schema(self) -> dict | None:
        return (self.forms.get(self.start_form) or {}).get("schema") if self.start_form else None


class SpecCache:
    """Per process version, its VersionInfo and restored specs (half the cost of loading an instance)."""

    def __init__(self, size: int = 64):
        self._entries: OrderedDict[int, tuple] = OrderedDict()
        self._size = size

    def get(self, version: ProcessVersion) -> tuple[VersionInfo, object, dict]:
        """(VersionInfo, spec, subprocess specs) of a version row."""
        if version.id not in self._entries:
            info = VersionInfo(version.id, version.process_id, version.version, version.forms,
                               scale_of_forms(version.forms), version.start_form)
            self._entries[version.id] = (info, *load_specs(version.specs))
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        self._entries.move_to_end(version.id)
        return self._entries[version.id]

    def by_id(self, session, version_id: int) -> tuple[VersionInfo, object, dict]:
        """get() by id: the version row is read only on a miss."""
        if version_id in self._entries:
            self._entries.move_to_end(version_id)
            return self._entries[version_id]
        return self.get(store.dao_get_version(session, version_id))
