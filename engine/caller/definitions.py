"""The deployed processes: reading them (everyone signed in), and validating, deploying, comparing
and editing them, and moving instances between versions (process owners, migrators)."""

from engine.caller.base import Door
from engine.clock import now
from engine.definitions import catalogue
from engine.definitions.deploy import current_files, validate_bundle
from engine.definitions.diff import element_words, file_diff
from engine.definitions.problems import Problem
from engine.errors import EngineError, InvalidDefinition, MigrationRefused
from engine.history import dao_append_history
from engine.instances import store
from engine.people import access
from engine.views import queries


class DefinitionVerbs(Door):
    def validate(self, files: dict[str, bytes]) -> dict:
        """Deploy's checks on a bundle, storing nothing (process owners): the versions it would
        create, or InvalidDefinition (422) naming each problem's file, element and line."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            found = validate_bundle(session, files)
            return {"valid": True, "would_deploy": [d for d in found if d.created],
                    "unchanged": [d for d in found if not d.created]}

    def deploy(self, files: dict[str, bytes], note: str | None = None) -> list:
        """Deploy a bundle with the change note the versions it creates keep (process owners)."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.transaction() as session:
            return self.engine.deploy_in(session, files, self.user.username, note)

    def upload_diff(self, files: dict[str, bytes]) -> list[dict]:
        """What each uploaded diagram or decision table changes against the deployed file of its name."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            deployed = {name: row.content for name, row in current_files(session).items()}
            try:
                return [{"file_name": name, "deployed": name in deployed, "old": deployed.get(name),
                         "new": content.decode("utf-8"), **file_diff(deployed.get(name), content, name)}
                        for name, content in sorted(files.items()) if name.endswith((".bpmn", ".dmn"))]
            except Problem as problem:
                raise InvalidDefinition(str(problem), [problem.as_dict()]) from None
            except UnicodeDecodeError:
                raise InvalidDefinition("a file is not UTF-8 text", []) from None

    def version_diff(self, process_id: str, version: int, against: int | None = None) -> dict:
        """What a version of a process changed against another (by default the one before it)."""
        with self.db.reading() as session:
            against = against if against is not None else version - 1
            new = queries.bpmn(session, process_id, version)
            old = queries.bpmn(session, process_id, against) if against >= 1 else None
            return {"process_id": process_id, "version": version, "against": against if old else None,
                    "old": old, "new": new, **file_diff(old, new, f"{process_id}.bpmn")}

    def migration_preview(self, process_id: str, version: int | None = None) -> dict:
        """The instances of older versions that have not ended, each movable to `version` (default
        the newest) or not, with why (migrators)."""
        access.require(self.user, *access.MIGRATORS)
        with self.db.reading() as session:
            return self.engine.migration_preview_in(session, process_id, version)

    def migrate_many(self, process_id: str, version: int, instance_ids: list[int]) -> dict:
        """Move each instance to `version`, one transaction each (each recorded in its history); one
        that cannot move stays where it is, with the reason. The whole run is recorded too."""
        access.require(self.user, *access.MIGRATORS)
        results: list[dict] = []
        for instance_id in dict.fromkeys(instance_ids):
            try:
                with self.db.transaction() as session:
                    if store.dao_get_instance(session, instance_id).process_id != process_id:
                        raise MigrationRefused(f"process instance {instance_id} is not of process '{process_id}'")
                    self.engine.migrate_in(session, instance_id, version, self.user.username)
                results.append({"id": instance_id, "moved": True, "reason": None})
            except EngineError as error:
                results.append({"id": instance_id, "moved": False, "reason": error.detail})
        with self.db.transaction() as session:
            dao_append_history(session, None, self.user.username, "instances_migrated", now(),
                               process_id=process_id, version=version,
                               moved=[r["id"] for r in results if r["moved"]],
                               refused=[r["id"] for r in results if not r["moved"]])
        return {"process_id": process_id, "version": version, "results": results}

    def editing(self, process_id: str) -> dict:
        """What the modeller opens (process owners): the newest version's BPMN file and what its
        properties may be set to (engine/definitions/catalogue.py)."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            version = queries.definition(session, process_id)["versions"][-1]
            return {"process_id": process_id, "version": version["version"], "file_name": version["bpmn_file"],
                    "xml": queries.bpmn(session, process_id, version["version"])} | self._choices(session)

    def editing_file(self, file_name: str) -> dict:
        """A decision table for the modeller (process owners), with the same choices."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return queries.definition_file(session, file_name) | self._choices(session)

    def element_names(self, files: dict[str, bytes]) -> dict[str, str]:
        """The words for each element of the deployed diagrams with `files` put over them (process
        owners): a replay of that bundle names the steps of both sides in these."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            deployed = {name: row.content.encode() for name, row in current_files(session).items()}
            return element_words(deployed | files)

    def past_cases(self, process_ids: list[str]) -> dict[str, int]:
        """How many cases of each process were ever started (process owners: what a replay could take)."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return queries.started_counts(session, process_ids)

    def _choices(self, session) -> dict:
        return catalogue.choices(session, self.engine.ctx.calendar, now())

    def form_preview(self, key: str, replacing: dict[str, bytes] | None = None) -> dict:
        """A form as staff will see it on a task, from the deployed files or with an upload in place."""
        with self.db.reading() as session:
            return catalogue.form_preview(session, key, replacing)

    def definition_files(self) -> list[dict]:
        with self.db.reading() as session:
            return queries.definition_files(session)

    def definition_file(self, file_name: str, number: int | None = None) -> dict:
        with self.db.reading() as session:
            return queries.definition_file(session, file_name, number)

    def definitions(self) -> list[dict]:
        return self.engine.reads.definitions()

    def process_names(self) -> dict[str, str]:
        """Each deployed process's name, by id (the latest version's)."""
        return self.engine.reads.process_names()

    def definition(self, process_id: str) -> dict:
        return self.engine.reads.definition(process_id)

    def bpmn(self, process_id: str, version: int) -> str:
        return self.engine.reads.bpmn(process_id, version)

    def places(self) -> dict[str, dict[str, str]]:
        """Names of the teams and service areas, by id."""
        return self.engine.reads.places()

    def report_labels(self) -> dict[str, dict[str, str]]:
        return self.engine.reads.report_labels()

    def role_name(self, role: str | None) -> str:
        return self.engine.ctx.roles.get(role, role or "someone") if role else "someone"

    @property
    def calendar(self):
        """The working-day calendar deadlines are counted in."""
        return self.engine.ctx.calendar
