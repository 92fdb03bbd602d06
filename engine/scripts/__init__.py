"""What BPMN scripts and expressions may run: the sandbox, its budget and the checks made at deploy,
and the functions scripts call."""
