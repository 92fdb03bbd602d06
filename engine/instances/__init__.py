"""Running cases: the engine's verbs on one instance, its runtime, store and projection, versions and
moving between them, timers, the worker, events from outside, notes and handover."""
