"""What if? Past cases replayed on an edited diagram before it is deployed (issue 29).

`replay(session, ctx, files, selection)` (engine/replay/run.py) takes a bundle (the files a deploy
takes, put over the deployed set and validated with every check of a deploy, stored nowhere) and the
past instances of one process started in a period (optionally of one service area), and runs each
again on the bundle's version of that process, from the data and at the time it was started, under
a clock of its own (engine/clock.replaying_on: the service's clock does not move):

- its recorded history is walked in time order: each user task is completed with the answers it was
  completed with, at the time it was completed; each message people sent (a child-safety concern)
  arrives when it arrived;
- in between, the timers of the edited diagram fire when they fall due (working days and bank
  holidays as in production, engine/calendar.py): a timer the recorded case fired with the same due
  time fires when the recorded sweep fired it, any other one second after it fell due (the worker
  sweeps every few seconds);
- each step runs through the same sandbox, script functions and budget as production
  (engine/instances/runtime.run_step), and what its scripts ask of the world (notify, record_on_case,
  publish, start_process, record_audit_outcome, record_alert_outcome) is kept in memory: nothing
  reaches the outbox, the history or any table. The replay runs in a read-only transaction; it reads
  the directory to resolve recipients and places as a step would.

A case stops, "diverged at <element> because <reason>", counted apart, when the edited diagram asks
for a task the recorded case never answered (a new step), when the recorded case answered a step the
edited diagram was not waiting for (or no longer has), or when a recorded answer no longer fits the
bundle's form. A case whose step fails (a script's error, its budget) is "failed" with the element
and the message. Only cases that ended both as recorded and as replayed are compared
(engine/replay/figures.py): deadlines met and missed by name, notifications and escalations by role,
re-audits, processes started, working days to completion (median, p90), and the cases whose path
changed with the first element where it did.

In the background (engine/replay/jobs.py): a process owner's request (engine/caller/replays.py) is a
queued replay_run row holding the bundle; the worker's "replays run" job claims it, runs the replay with
a `progress(done, total)` callback that keeps its progress on the row and stops it (Cancelled) when the
owner cancelled, and keeps its result there with the content hash of the version it was run for.

Speed (issue 29: 2,000 case audits in at most 60 s on 2 cores, bench/replay.py): the selected cases go in
batches (engine/replay/batch.py, one read transaction and a few queries per batch) to a pool of one
spawned process per core (engine/replay/pool.py), each opening its own connection; the parent merges
the runs in the order of the selection and computes the figures once, so the result is the one a single
process gives (fewer than PARALLEL_FROM cases, or an in-memory SQLite database, run in the caller's
process). `progress(done, total)` is called as cases end; False stops the replay (Cancelled). Per case,
what the record already proves is not redone: a recorded answer is checked again against the bundle's
form, but the schema's validation is skipped when the form is unchanged from the one it passed (unless
the case moved versions); a completed record's data and path are read from its saved state without
restoring the workflow; each notification's recipients are resolved once per transaction for the same
inputs.

Not yet: the replay does not run the processes a case starts (a child-safety alert is counted as
started, its own steps are not replayed: select that process to replay its cases); the directory is read
as it is today, not as it was; a recorded suspension, migration or retry is not replayed (the actions
around it are), and cases the record ended otherwise than by completing (terminated, in error) are
skipped; the instance's size limit (QA_MAX_STATE_BYTES) is not checked, the per-step script budget is.
"""
from engine.replay.progress import Cancelled, Progress
from engine.replay.run import ReplayResult, Selection, replay

__all__ = ["Cancelled", "Progress", "ReplayResult", "Selection", "replay"]
