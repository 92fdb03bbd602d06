"""Replays of past cases on an edited bundle before it is deployed (issue 29), for process owners:
asking for one (the worker runs it, engine/replay/jobs.py), following it, cancelling it, and the
replays kept for a process or one of its versions."""
from datetime import datetime

from engine.caller.base import Door
from engine.clock import now
from engine.definitions.deploy import candidate_versions
from engine.errors import InvalidData, NotFound
from engine.models import ServiceArea
from engine.people import access
from engine.replay import period, runs


class ReplayVerbs(Door):
    def request_replay(self, files: dict[str, bytes], process_id: str, months: int | None = None,
                       started_from: datetime | None = None, started_to: datetime | None = None,
                       service_area: str | None = None) -> dict:
        """Queue a replay of the process's cases started in the last `months` months (up to now) or
        in [started_from, started_to) on the bundle: checked as a deploy checks it (InvalidDefinition,
        422) and holding the process (NotFound). Nothing is replayed here: the worker runs it."""
        access.require(self.user, *access.DEPLOYERS)
        at = now()
        chosen = period.selection(process_id, at, months, started_from, started_to, service_area)
        with self.db.reading() as session:
            if service_area is not None and session.get(ServiceArea, service_area) is None:
                raise InvalidData(f"there is no service area '{service_area}'",
                                  {"service_area": ["no such service area"]})
            candidates = candidate_versions(session, files)
        if process_id not in candidates:
            raise NotFound(f"the bundle and the deployed files hold no process '{process_id}'")
        with self.db.transaction() as session:
            row = runs.dao_queue_replay_run(session, chosen, files, candidates[process_id].content_hash, months,
                                            self.user.username, at)
            return runs.run_dict(row)

    def replay_run(self, run_id: int, process_id: str | None = None) -> dict:
        """A replay as it stands: its progress, and its result once done. With `process_id`, NotFound
        unless it replays that process."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return runs.run_dict(runs.dao_get_replay_run(session, run_id, process_id=process_id))

    def replay_bundle(self, run_id: int) -> dict[str, bytes]:
        """The files a replay ran on, for a page to carry on to deploying them."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return runs.bundle_files(runs.dao_get_replay_run(session, run_id))

    def cancel_replay(self, run_id: int, process_id: str | None = None) -> dict:
        """Stop a replay: a queued one at once, a running one at its next progress; one ended is 409."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.transaction() as session:
            return runs.run_dict(runs.dao_cancel_replay_run(session, run_id, now(), process_id))

    def replay_runs(self, process_id: str, bundle_hash: str | None = None) -> list[dict]:
        """A process's replays, newest first; with `bundle_hash` (a version's content hash), that version's."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return [runs.run_dict(row) for row in runs.dao_replay_runs(session, process_id, bundle_hash)]
